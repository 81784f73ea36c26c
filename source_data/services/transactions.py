"""Short transactions that are tried again when they lose a race.

A deadlock, a lock timeout or a unique violation between two writers aborts one of them; its
transaction is then safe to run again from the start. That is only true when the transaction
is ours: inside a caller's transaction (MariaDB rolls the whole of it back on a deadlock;
PostgreSQL marks it aborted) the error goes to the caller, who owns the retry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connection, transaction

T = TypeVar("T")
ATTEMPTS = 5


def atomic_retrying(
    work: Callable[[], T],
    *,
    retry_on: tuple[type[BaseException], ...] = (OperationalError,),
    attempts: int = ATTEMPTS,
) -> T:
    """``work()`` in ``transaction.atomic()``; again (up to ``attempts`` in all) when it
    raises one of ``retry_on`` and no outer transaction is open."""
    retry = not connection.in_atomic_block
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return work()
        except retry_on:
            if not retry or attempt == attempts:
                raise
    raise AssertionError("unreachable")
