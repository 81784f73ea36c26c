"""Small database helpers every app's bulk writes share."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from django.db import connection

T = TypeVar("T")


def chunked(values: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    """``values`` in slices of ``size``: keeps IN (...) lists and bulk writes under every
    database's parameter limit."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def conflict_target(*unique_fields: str) -> dict[str, Any]:
    """The ``bulk_create(update_conflicts=True, ...)`` argument naming the unique key, where the
    database takes one: MySQL/MariaDB upsert on any unique key and refuse to be told which."""
    if connection.features.supports_update_conflicts_with_target:
        return {"unique_fields": list(unique_fields)}
    return {}
