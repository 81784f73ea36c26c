"""Finding workflow definitions: the built-in ones and the modules named in settings."""

from __future__ import annotations

import importlib

from django.conf import settings

_loaded: set[str] = set()


def workflows_load() -> None:
    """Import every workflow module once (the project's own, then the user's); a module that
    fails to import is a clear error. The engine names no domain module itself: the project's
    list is a setting."""
    for module in [*settings.YOOINI_BUILTIN_WORKFLOW_MODULES, *settings.YOOINI_WORKFLOW_MODULES]:
        if module in _loaded:
            continue
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ImportError(
                f"cannot import workflow module {module!r} (from YOOINI_WORKFLOW_MODULES): {exc}"
            ) from exc
        _loaded.add(module)
