"""Each market account's calls in a thread of its own: the accounts of one stage run wait on
different markets (and different rate limits), so they need not wait for one another."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection, connections


def side_by_side(
    fn: Callable[[Any], Any], jobs: Sequence[Any], *, busy: Callable[[Any], bool] = bool
) -> list:
    """``[fn(job) for job in jobs]``, each busy job in a thread of its own (with its own
    database connection, closed after); an idle job gives ``[]`` without a thread. Inside a
    transaction the jobs run one after another in it: a thread could not see what the
    transaction holds."""
    working = [job for job in jobs if busy(job)]
    if len(working) < 2 or connection.in_atomic_block:
        return [fn(job) if busy(job) else [] for job in jobs]

    def run(job):
        try:
            return fn(job)
        finally:
            connections.close_all()  # this thread's own connections only

    with ThreadPoolExecutor(max_workers=len(working), thread_name_prefix="accounts") as pool:
        futures = [pool.submit(run, job) if busy(job) else None for job in jobs]
        return [future.result() if future is not None else [] for future in futures]
