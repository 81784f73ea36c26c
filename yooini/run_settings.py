"""Settings a batch carries with it, so every process that runs one of its stages sees them.

A command that sets something up for one run (``yooini sample`` serves its images on a
loopback port and publishes the stored ones from there) must not change Django's settings in
its own process: a Celery worker started before the run, perhaps on another machine, would
never learn it. The command passes them to ``batch_start(settings=...)`` instead; they are
stored on the batch row, travel in every claim of its stage runs and are applied around each
stage call (``run_settings_applied``), in whichever process or thread runs it. Code that
reads such a setting asks ``run_setting(name)``: the running batch's value, else Django's.

Only the names in ``RUN_SCOPED`` may be set this way: values that change what a stage does
for this run and are safe to keep in the database. Secrets never are (credentials keys, API
keys, storage secrets): they stay in each process's environment.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

from django.conf import settings

RUN_SCOPED = frozenset(
    {
        # Hosts images may come from although private or loopback (media.fetch).
        "YOOINI_MEDIA_ALLOWED_HOSTS",
        # The URL prefix stored images are published under (media.storage).
        "YOOINI_MEDIA_PUBLIC_URL",
    }
)

_NONE: Mapping[str, Any] = MappingProxyType({})
_current: ContextVar[Mapping[str, Any]] = ContextVar("yooini_run_settings", default=_NONE)


class RunSettingsError(ValueError):
    """Run settings a batch cannot carry; the message names the setting."""


def run_settings_checked(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """``values`` as a batch stores them; ``RunSettingsError`` for a name that is not
    run-scoped or a value that is not plain JSON."""
    out: dict[str, Any] = {}
    for name, value in (values or {}).items():
        if name not in RUN_SCOPED:
            raise RunSettingsError(
                f"setting {name!r} cannot be set for one run "
                f"(run-scoped settings: {', '.join(sorted(RUN_SCOPED))})"
            )
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise RunSettingsError(
                f"setting {name!r}: the value must be JSON (text, number, list), "
                f"not {type(value).__name__}"
            ) from None
        out[name] = value
    return out


def run_setting(name: str, default: Any = None) -> Any:
    """The running batch's value of ``name``, else the process's setting, else ``default``."""
    current = _current.get()
    if name in current:
        return current[name]
    return getattr(settings, name, default)


@contextlib.contextmanager
def run_settings_applied(values: Mapping[str, Any] | None) -> Iterator[None]:
    """Make ``values`` the run settings of the code inside (this thread or task only)."""
    token = _current.set(MappingProxyType(dict(values or {})))
    try:
        yield
    finally:
        _current.reset(token)
