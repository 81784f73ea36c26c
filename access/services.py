"""Accounts: create or update a user with a role, and their API token."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.authtoken.models import Token

from .roles import Role


@transaction.atomic
def user_set(*, username: str, role: Role, password: str | None = None, email: str = ""):
    """Create ``username`` or update it to exactly ``role``; an admin may also use Django's admin.

    ``password`` ``None`` keeps the current one (a new user without one cannot sign in on the
    web, only with a token).
    """
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    if password is not None:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    if email:
        user.email = email
    user.is_staff = user.is_superuser = role is Role.ADMIN
    user.is_active = True
    user.save()
    groups = [Group.objects.get_or_create(name=r.group)[0] for r in Role]
    user.groups.remove(*groups)
    user.groups.add(next(g for g in groups if g.name == role.group))
    return user


def token_for(user, *, rotate: bool = False) -> str:
    """The user's API token, created on first use; ``rotate`` replaces it."""
    if rotate:
        Token.objects.filter(user=user).delete()
    return Token.objects.get_or_create(user=user)[0].key
