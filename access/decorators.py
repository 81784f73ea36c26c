"""The roles for dashboard views: sign-in is enforced by the middleware, the role here."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from .roles import Role, has_role


def role_required(role: Role):
    """Refuse (403) a signed-in user below ``role``."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, role):
                raise PermissionDenied(f"this needs the {role.group} role")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
