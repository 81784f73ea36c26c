"""The app's settings, read in one place: Django settings first, then the environment.

Every name is ``YOOINI_...`` (see docs/ai.md). Tests override them with pytest-django's
``settings`` fixture; a deployment may set them in its settings module or as environment
variables. A value that cannot be used is a ``ProviderConfigError`` naming the setting.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

from .errors import ProviderConfigError


def setting(name: str, default: Any = None) -> Any:
    value = getattr(settings, name, None)
    if value is None or value == "":
        value = os.environ.get(name, "")
    return default if value is None or value == "" else value


def setting_number(name: str, default: float, *, minimum: float = 0, integer: bool = False):
    raw = setting(name, default)
    try:
        value = int(raw) if integer else float(raw)
    except (TypeError, ValueError):
        kind = "a whole number" if integer else "a number"
        raise ProviderConfigError(f"{name}: expected {kind}, got {raw!r}") from None
    if value < minimum:
        raise ProviderConfigError(f"{name}: must be at least {minimum}, got {value}")
    return value
