"""Accounts: create or update a user with a role, and their API token."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .roles import Role
from .tokens import token_issue


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
    """A new API token of the user, in clear (stored only as a digest, so this is the one
    time it can be shown); ``rotate`` also revokes the user's other tokens."""
    return token_issue(user, rotate=rotate)
