"""Executors run claimed stage runs and hand back outcomes; the runner records them.

``inline`` runs each claim at once in the caller's thread (deterministic, for tests);
``threads`` runs up to N at a time in a pool; ``celery`` queues them for worker processes
on any machine, which record the outcomes themselves (``records_outcomes``).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from django.conf import settings
from django.db import close_old_connections, connection, connections

from .core.clock import Clock
from .execution import Claim, Outcome, execute_claim
from .models import CellStatus, StageRun


class Executor(Protocol):
    name: str
    records_outcomes: bool  # True: whoever ran the stage recorded it; poll only reports it

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
    records_outcomes = False

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
    records_outcomes = False

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


class CeleryExecutor:
    """Queues claimed stage runs as Celery tasks carrying ids only; workers adopt, run and
    record them (``orchestrator.remote``).

    What finished is read from the stage runs, never from the broker or a result backend.
    ``concurrency`` is how many stage runs may be queued or running at once: set it to at
    least the workers' total processes. A queued run no worker adopted within
    ``resend_seconds`` is queued again (a message lost with a broker restart); the copy a
    worker gets second does nothing.
    """

    name = "celery"
    records_outcomes = True

    def __init__(
        self,
        concurrency: int = 64,
        *,
        app=None,
        queue: str | None = None,
        resend_seconds: float | None = None,
        poll_every: float = 0.02,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        if app is None:
            from yooini.celery import app
        self.concurrency = concurrency
        self.app = app
        self.queue = queue or settings.YOOINI_CELERY_QUEUE
        self.resend_seconds = resend_seconds or settings.YOOINI_CELERY_RESEND_SECONDS
        self.poll_every = poll_every
        self._queued: dict[tuple[int, int], tuple[Claim, float]] = {}
        # Fail before claiming anything when the broker is unreachable (kombu's
        # OperationalError), rather than leave claimed runs to wait out their leases.
        with self.app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=2, interval_start=0.2)

    def free_slots(self) -> int:
        return self.concurrency - len(self._queued)

    def submit(self, claim: Claim) -> None:
        self._send(claim)
        self._queued[(claim.stage_run_id, claim.attempt)] = (claim, time.monotonic())

    def _send(self, claim: Claim) -> None:
        self.app.send_task(
            STAGE_RUN_TASK, (claim.stage_run_id, claim.attempt, claim.owner), queue=self.queue
        )

    def poll(self, timeout: float) -> list[Outcome]:
        """The queued stage runs that were recorded (or moved on), waiting up to ``timeout``."""
        until = time.monotonic() + timeout
        while True:
            settled = self._settled()
            left = until - time.monotonic()
            if settled or left <= 0:
                return settled
            time.sleep(min(self.poll_every, left))

    def _settled(self) -> list[Outcome]:
        if not self._queued:
            return []
        rows = StageRun.objects.filter(id__in=[key[0] for key in self._queued]).values_list(
            "id", "attempt", "status", "lease_owner", "item_count", "error"
        )
        now_rows = {row[0]: row for row in rows}
        settled: list[Outcome] = []
        for key, (claim, sent_at) in list(self._queued.items()):
            row = now_rows.get(claim.stage_run_id)
            held = row is not None and row[1] == claim.attempt and row[2] == CellStatus.RUNNING
            if held:
                if row[3] == claim.owner and time.monotonic() - sent_at >= self.resend_seconds:
                    self._send(claim)
                    self._queued[key] = (claim, time.monotonic())
                continue
            del self._queued[key]
            done = row is not None and row[1] == claim.attempt and row[2] == CellStatus.DONE
            settled.append(
                Outcome(
                    claim=claim,
                    ok=done,
                    items=row[4] if done else 0,
                    error="" if done or row is None else row[5],
                )
            )
        return settled

    def in_flight(self) -> list[Claim]:
        return [claim for claim, _ in self._queued.values()]

    def close(self) -> None:
        """Queued stage runs stay with the workers; only this thread's connection closes."""
        connection.close()


EXECUTORS = ("inline", "threads", "celery")
STAGE_RUN_TASK = "yooini.stage_run"  # orchestrator.tasks.stage_run


def executor_create(name: str, *, concurrency: int = 4, clock: Clock | None = None) -> Executor:
    if name == "inline":
        return InlineExecutor(clock)
    if name == "threads":
        return ThreadExecutor(concurrency, clock)
    if name == "celery":
        return CeleryExecutor(concurrency)
    raise ValueError(f"unknown executor {name!r} (known: {', '.join(EXECUTORS)})")
