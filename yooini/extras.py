"""Optional integrations live in extras (``pip install 'yooini[openai]'``): the base install
stays small. ``extra_import`` imports one, or says which extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtra(ImportError):
    """An optional package is not installed; the message says how to install it."""


def extra_import(module: str, extra: str, *, what: str) -> ModuleType:
    """``import module``, or ``MissingExtra`` naming ``what`` needs it and the extra to
    install (e.g. ``extra_import("openai", "openai", what="the OpenAI provider")``)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module.split(".")[0]:
            raise  # the package is there but broken: show the real error
        raise MissingExtra(
            f"{what} needs the {module.split('.')[0]} package: pip install 'yooini[{extra}]'"
        ) from None
