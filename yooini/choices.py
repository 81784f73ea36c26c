"""A value typed on the command line that names nothing known is an error that lists what
is known, never an empty answer."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.management.base import CommandError

SHOWN = 20  # choices listed at most; the rest are counted


def choices_text(choices: Iterable[str]) -> str:
    known = sorted({str(c) for c in choices})
    if not known:
        return "none yet"
    shown = ", ".join(known[:SHOWN])
    return shown + (f" and {len(known) - SHOWN} more" if len(known) > SHOWN else "")


def one_of(option: str, value: str | None, choices: Iterable[str]) -> None:
    """Raise ``CommandError`` when ``value`` is given and is not one of ``choices``."""
    if value is None or value == "":
        return
    known = set(choices)
    if value not in known:
        raise CommandError(f"{option} {value!r} is unknown; one of: {choices_text(known)}")
