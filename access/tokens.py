"""API tokens: shown once when issued, stored only as a SHA-256 digest.

A token is 40 random hex characters (160 bits), so a fast hash is enough: nobody can guess
one to compare against the digests, unlike a password. The admin shows a token's first
characters (to tell tokens apart) and never its digest.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .models import ApiToken

PREFIX_LENGTH = 6


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def token_issue(user, *, rotate: bool = False) -> str:
    """A new API token for ``user``, in clear: the only time it is ever shown. ``rotate``
    revokes the user's other tokens in the same transaction."""
    if rotate:
        ApiToken.objects.filter(user=user).delete()
    key = secrets.token_hex(20)
    ApiToken.objects.create(
        user=user, digest=token_digest(key), prefix=key[:PREFIX_LENGTH], created_at=timezone.now()
    )
    return key


def token_user(key: str):
    """The active user the token belongs to, or ``None``."""
    token = (
        ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()
        if key
        else None
    )
    return token.user if token is not None and token.user.is_active else None
