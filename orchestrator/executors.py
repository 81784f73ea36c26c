"""Executors run claimed stage runs and hand back outcomes; the runner records them.

``inline`` runs each claim at once in the caller's thread (deterministic, for tests);
``threads`` runs up to N at a time in a pool. A distributed executor plugs in behind the
same four calls.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from django.db import close_old_connections, connection, connections

from .core.clock import Clock
from .execution import Claim, Outcome, execute_claim


class Executor(Protocol):
    name: str

    def free_slots(self) -> int: ...

    def submit(self, claim: Claim) -> None: ...

    def poll(self, timeout: float) -> list[Outcome]: ...

    def in_flight(self) -> list[Claim]: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Runs claims one after another in the caller's thread, in claim order.

    It takes up to ``batch`` claims per round so a claim round and a recording transaction
    serve many cheap stages; with slow stages keep ``batch`` small, since claimed cells wait
    their turn under a lease.
    """

    name = "inline"

    def __init__(self, clock: Clock | None = None, batch: int = 16) -> None:
        self._clock = clock
        self._batch = batch
        self._done: list[Outcome] = []

    def free_slots(self) -> int:
        return 0 if self._done else self._batch

    def submit(self, claim: Claim) -> None:
        self._done.append(execute_claim(claim, clock=self._clock))

    def poll(self, timeout: float) -> list[Outcome]:
        done, self._done = self._done, []
        return done

    def in_flight(self) -> list[Claim]:
        return []

    def close(self) -> None:
        """Nothing to release: stages ran in the caller's thread."""


GATHER_SECONDS = 0.002


class ThreadExecutor:
    name = "threads"

    def __init__(self, concurrency: int = 4, clock: Clock | None = None) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.concurrency = concurrency
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="yooini-stage")
        self._results: queue.Queue[Outcome] = queue.Queue()
        self._running: dict[tuple[int, int], Claim] = {}

    def free_slots(self) -> int:
        return self.concurrency - len(self._running)

    def submit(self, claim: Claim) -> None:
        self._running[(claim.stage_run_id, claim.attempt)] = claim
        self._pool.submit(self._run, claim)

    def _run(self, claim: Claim) -> None:
        close_old_connections()
        try:
            outcome = execute_claim(claim, clock=self._clock)
        except BaseException as exc:  # noqa: BLE001 - the runner must always hear back
            outcome = Outcome(claim=claim, ok=False, error=repr(exc), error_type=type(exc).__name__)
        self._results.put(outcome)

    def poll(self, timeout: float) -> list[Outcome]:
        out: list[Outcome] = []
        with contextlib.suppress(queue.Empty):  # nothing (more) finished in time
            out.append(
                self._results.get(timeout=timeout) if timeout > 0 else self._results.get_nowait()
            )
            # Short stages finish close together: wait a moment for their neighbours so one
            # transaction records several (group commit) instead of one each.
            gather_until = time.monotonic() + GATHER_SECONDS
            while len(out) < len(self._running):
                left = gather_until - time.monotonic()
                out.append(
                    self._results.get(timeout=left) if left > 0 else self._results.get_nowait()
                )
        for outcome in out:
            self._running.pop((outcome.claim.stage_run_id, outcome.claim.attempt), None)
        return out

    def in_flight(self) -> list[Claim]:
        return list(self._running.values())

    def close(self) -> None:
        """Stop the pool; every worker closes the database connections its stages opened."""
        barrier = threading.Barrier(self.concurrency)

        def close_own_connections() -> None:
            # The barrier puts one of these on each worker thread (a thread still stuck in a
            # timed-out stage breaks it after a while; the others go on).
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=5)
            connections.close_all()

        for _ in range(self.concurrency):
            self._pool.submit(close_own_connections)
        self._pool.shutdown(wait=True)
        connection.close()


def executor_create(name: str, *, concurrency: int = 4, clock: Clock | None = None) -> Executor:
    if name == "inline":
        return InlineExecutor(clock)
    if name == "threads":
        return ThreadExecutor(concurrency, clock)
    raise ValueError(f"unknown executor {name!r} (known: inline, threads)")
