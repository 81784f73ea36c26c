"""The dispatch loop: claim ready cells, hand them to an executor, record outcomes, close.

The loop keeps no state that matters: everything it knows is re-read from the database, so
it can be killed at any point and a new runner continues the same batch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from django.conf import settings

from .core.clock import Clock, get_clock
from .executors import Executor
from .models import FINISHED_BATCH, Batch, BatchStatus
from .owners import owner_new, owner_release
from .services.batches import batch_close_if_finished
from .services.claims import ClaimRound, claims_recover, claims_take
from .services.events import events_dispatch_pending
from .services.outcomes import leases_extend, outcomes_record

log = logging.getLogger("yooini.runner")

Progress = Callable[[list[str]], None]


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

    def run(self, batch_id: str) -> Batch:
        """Run ``batch_id`` (and the batches its events trigger) until all are finished."""
        scope = [batch_id]
        last_sweep = last_beat = last_progress = None
        # A claim round that found less than it could take means nothing else is ready until
        # an outcome is recorded, a sweep runs or a wake time passes: skip empty rounds.
        look = True
        round_ = ClaimRound()
        try:
            while True:
                now = self.clock.now()
                if last_sweep is None or _elapsed(last_sweep, now) >= self.sweep_every:
                    last_sweep, look = now, True
                    events_dispatch_pending()
                    scope = _with_children(scope)
                    for claim in claims_recover(
                        batch_ids=scope, owner=self.owner, now=now, lease_seconds=self.lease_seconds
                    ):
                        self.executor.submit(claim)
                if round_.next_wake is not None and now >= round_.next_wake:
                    look = True
                free = self.executor.free_slots()
                if look and free > 0:
                    round_ = claims_take(
                        batch_ids=scope,
                        owner=self.owner,
                        limit=free,
                        now=now,
                        lease_seconds=self.lease_seconds,
                    )
                    look = len(round_.claims) == free
                    for claim in round_.claims:
                        self.executor.submit(claim)
                else:
                    round_ = ClaimRound(next_wake=round_.next_wake)
                busy = bool(self.executor.in_flight())
                outcomes = self.executor.poll(self.idle_wait if busy and not round_.claims else 0)
                if outcomes:
                    outcomes_record(outcomes, now=self.clock.now())
                    look = True
                if last_beat is None or _elapsed(last_beat, now) >= self.lease_seconds / 3:
                    last_beat = now
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
                if round_.claims or outcomes or self.executor.in_flight():
                    continue
                scope = _with_children(scope)
                for member in scope:
                    batch_close_if_finished(member)
                if (
                    not Batch.objects.filter(id__in=scope)
                    .exclude(status__in=FINISHED_BATCH)
                    .exists()
                ):
                    if self.progress:
                        self.progress(scope)
                    return Batch.objects.get(id=batch_id)
                self._idle(round_.next_wake)
                look = True
        finally:
            owner_release(self.owner)

    def _idle(self, next_wake: datetime | None) -> None:
        """Wait for the next thing that could become ready, re-reading the database at least
        every ``max_sleep`` seconds (another process may cancel, retry or finish cells)."""
        wait = self.max_sleep
        if next_wake is not None:
            wait = (next_wake - self.clock.now()).total_seconds()
        self.clock.sleep(min(max(wait, 0.001), self.max_sleep))


def _elapsed(since: datetime, now: datetime) -> float:
    return (now - since).total_seconds()


def _with_children(scope: list[str]) -> list[str]:
    children = Batch.objects.filter(parent_batch__in=scope, status=BatchStatus.RUNNING).exclude(
        id__in=scope
    )
    return scope + list(children.values_list("id", flat=True))
