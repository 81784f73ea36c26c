from .roles import Role, has_role


def roles(request) -> dict:
    """``can_operate`` and ``can_configure`` for templates: buttons a role may not press are not shown."""
    user = getattr(request, "user", None)
    return {
        "can_operate": has_role(user, Role.OPERATOR),
        "can_configure": has_role(user, Role.ADMIN),
    }
