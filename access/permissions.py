"""The roles as REST framework permissions: 401 without credentials, 403 below the role."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from .roles import Role, has_role


class _RoleAtLeast(BasePermission):
    role = Role.VIEWER

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, self.role)


class CanRead(_RoleAtLeast):
    """Any signed-in user may read; writes need ``CanOperate`` or ``CanConfigure`` on the view."""

    def has_permission(self, request, view) -> bool:
        if request.method not in SAFE_METHODS and not getattr(view, "allow_viewer_writes", False):
            return has_role(request.user, Role.OPERATOR)
        return has_role(request.user, Role.VIEWER)


class CanOperate(_RoleAtLeast):
    role = Role.OPERATOR


class CanConfigure(_RoleAtLeast):
    role = Role.ADMIN
