"""``Authorization: Token <key>`` for the REST API, checked against the stored digests."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .tokens import token_user


class HashedTokenAuthentication(TokenAuthentication):
    """DRF's token scheme (same header, same 401s); the key is never stored, only its digest."""

    def authenticate_credentials(self, key):
        user = token_user(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return (user, None)
