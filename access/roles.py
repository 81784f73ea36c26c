"""Who may do what: three roles, kept as Django groups of the same names.

viewers read; operators also trigger, resume, retry and cancel; admins also configure
(schedules, resources, notifications, the Django admin). A signed-in user in no group is a
viewer; a superuser is an admin.
"""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    VIEWER = 1
    OPERATOR = 2
    ADMIN = 3

    @property
    def group(self) -> str:
        return self.name.lower()


ROLE_NAMES = [role.group for role in Role]


def role_parse(name: str) -> Role:
    """The role named ``name`` (``viewer``, ``operator`` or ``admin``); ``ValueError`` otherwise."""
    try:
        return Role[name.strip().upper()]
    except KeyError:
        raise ValueError(f"unknown role {name!r}: choose one of {', '.join(ROLE_NAMES)}") from None


def role_of(user) -> Role | None:
    """The user's highest role, or ``None`` for an anonymous or inactive user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    cached = getattr(user, "_yooini_role", None)
    if cached is None:
        groups = set(user.groups.values_list("name", flat=True))
        cached = max((role for role in Role if role.group in groups), default=Role.VIEWER)
        user._yooini_role = cached
    return cached


def has_role(user, role: Role) -> bool:
    found = role_of(user)
    return found is not None and found >= role
