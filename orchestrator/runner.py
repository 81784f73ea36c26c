"""The dispatch loop: claim ready cells, hand them to an executor, record outcomes, close.

The loop keeps no state that matters: everything it knows is re-read from the database, so
it can be killed at any point and a new runner continues the same batch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import transaction

from .core.clock import Clock, get_clock
from .execution import Claim, Outcome
from .executors import Executor
from .models import FINISHED_BATCH, Batch, BatchStatus
from .owners import owner_new, owner_release
from .services.batches import batch_close_if_finished
from .services.claims import claims_recover, claims_take
from .services.events import events_dispatch_pending
from .services.outcomes import leases_extend, outcomes_record
from .services.processes import UnknownWorkflowWarning, process_beat, process_gone

log = logging.getLogger("yooini.runner")

Progress = Callable[[list[str]], None]
Closed = Callable[[Batch], None]


class Runner:
    def __init__(
        self,
        executor: Executor,
        *,
        clock: Clock | None = None,
        lease_seconds: float | None = None,
        idle_wait: float = 0.2,
        max_sleep: float = 0.2,
        sweep_every: float = 0.5,
        progress: Progress | None = None,
        progress_every: float = 0.25,
        kind: str = "runner",
    ) -> None:
        self.executor = executor
        self.clock = clock or get_clock()
        self.lease_seconds = lease_seconds or settings.YOOINI_LEASE_SECONDS
        self.idle_wait = idle_wait
        self.max_sleep = max_sleep
        self.sweep_every = sweep_every
        self.progress = progress
        self.progress_every = progress_every
        self.owner = owner_new()
        self.kind = kind
        self.unknown = UnknownWorkflowWarning(f"{kind} {self.owner}")

    def run(self, batch_id: str) -> Batch:
        """Run ``batch_id`` (and the batches its events trigger) until all are finished."""
        self._loop([batch_id], _with_children, stop=None)
        return Batch.objects.get(id=batch_id)

    def serve(self, stop: threading.Event, on_closed: Closed | None = None) -> None:
        """Run every RUNNING batch, and each one started later, until ``stop`` is set.

        Stage runs already handed to a local executor are finished and recorded first; a remote
        executor's queued ones stay with the workers.
        """
        self._loop([], lambda _: _running_batch_ids(), stop=stop, on_closed=on_closed)

    def _loop(
        self,
        scope: list[str],
        widen: Callable[[list[str]], list[str]],
        *,
        stop: threading.Event | None,
        on_closed: Closed | None = None,
    ) -> None:
        """The dispatch loop. ``widen`` gives the batches to look at now; with no ``stop`` it
        returns once they are all finished, else when ``stop`` is set."""
        last_sweep = last_beat = last_progress = None
        # A claim round that found less than it could take means nothing else is ready until
        # an outcome is recorded, a sweep runs or a wake time passes: skip empty rounds.
        look = True
        next_wake: datetime | None = None
        outcomes: list[Outcome] = []
        try:
            while True:
                now = self.clock.now()
                stopping = stop is not None and stop.is_set()
                if stopping and (self.executor.records_outcomes or not self.executor.in_flight()):
                    return
                if not stopping and (
                    last_sweep is None or _elapsed(last_sweep, now) >= self.sweep_every
                ):
                    last_sweep, look = now, True
                    events_dispatch_pending()
                    scope = widen(scope)
                    self.unknown.check_running(scope)
                    for claim in claims_recover(
                        batch_ids=scope, owner=self.owner, now=now, lease_seconds=self.lease_seconds
                    ):
                        self.executor.submit(claim)
                if next_wake is not None and now >= next_wake:
                    look = True
                outcomes += self.executor.poll(0)
                claims, next_wake, look = self._record_and_claim(
                    outcomes, scope, look, now, next_wake, claiming=not stopping
                )
                outcomes = []
                # after commit: a stage never runs inside the engine's transaction
                for claim in claims:
                    self.executor.submit(claim)
                if last_beat is None or _elapsed(last_beat, now) >= self.lease_seconds / 3:
                    last_beat = now
                    process_beat(self.owner, self.kind, now=now)
                    leases_extend(
                        self.executor.in_flight(),
                        owner=self.owner,
                        now=now,
                        lease_seconds=self.lease_seconds,
                    )
                if self.progress and (
                    last_progress is None or time.monotonic() - last_progress >= self.progress_every
                ):
                    last_progress = time.monotonic()
                    self.progress(scope)
                if claims or (look and not stopping):
                    continue
                if self.executor.in_flight():
                    outcomes = self.executor.poll(self.idle_wait)
                    continue
                # Before deciding the scope is finished: an event a worker just recorded may
                # start a batch (a trigger) that belongs to it.
                if not stopping:
                    events_dispatch_pending()
                scope = widen(scope)
                for member in scope:
                    closed = batch_close_if_finished(member)
                    if closed is not None and on_closed is not None:
                        on_closed(closed)
                if stop is None and not _unfinished(scope):
                    if self.progress:
                        self.progress(scope)
                    return
                self._idle(next_wake)
                look = True
        finally:
            owner_release(self.owner)
            process_gone(self.owner)

    def _record_and_claim(
        self,
        outcomes: list[Outcome],
        scope: list[str],
        look: bool,
        now: datetime,
        next_wake: datetime | None,
        *,
        claiming: bool = True,
    ) -> tuple[list[Claim], datetime | None, bool]:
        """Record finished cells and claim the next ready ones in one short transaction."""
        free = self.executor.free_slots() if claiming else 0
        if not outcomes and not (look and free > 0):
            return [], next_wake, False
        with transaction.atomic():
            if outcomes:
                if not self.executor.records_outcomes:
                    outcomes_record(outcomes, now=self.clock.now())
                look = True
            if not (look and free > 0):
                return [], next_wake, look
            round_ = claims_take(
                batch_ids=scope,
                owner=self.owner,
                limit=free,
                now=now,
                lease_seconds=self.lease_seconds,
            )
        return round_.claims, round_.next_wake, len(round_.claims) == free

    def _idle(self, next_wake: datetime | None) -> None:
        """Wait for the next thing that could become ready, re-reading the database at least
        every ``max_sleep`` seconds (another process may cancel, retry or finish cells)."""
        wait = self.max_sleep
        if next_wake is not None:
            wait = (next_wake - self.clock.now()).total_seconds()
        self.clock.sleep(min(max(wait, 0.001), self.max_sleep))


def _elapsed(since: datetime, now: datetime) -> float:
    return (now - since).total_seconds()


def _unfinished(scope: list[str]) -> bool:
    return Batch.objects.filter(id__in=scope).exclude(status__in=FINISHED_BATCH).exists()


def _running_batch_ids() -> list[str]:
    return list(Batch.objects.filter(status=BatchStatus.RUNNING).values_list("id", flat=True))


def _with_children(scope: list[str]) -> list[str]:
    children = Batch.objects.filter(parent_batch__in=scope, status=BatchStatus.RUNNING).exclude(
        id__in=scope
    )
    return scope + list(children.values_list("id", flat=True))
