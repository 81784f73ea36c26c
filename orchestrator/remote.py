"""A worker's side of the Celery executor: adopt a queued stage run, keep its lease while the
stage runs, record the outcome. The database decides everything; the task only names the run.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from .core.clock import Clock, get_clock
from .execution import Claim, execute_claim
from .owners import owner_new, owner_release
from .services.claims import claim_adopt
from .services.outcomes import leases_extend, outcomes_record
from .services.processes import process_beat, process_gone

log = logging.getLogger("yooini.worker")

# What became of a delivered task (the Celery task returns it; tests read it).
SKIPPED, RECORDED, REFUSED = "skipped", "recorded", "refused"


def stage_run_work(
    stage_run_id: int,
    attempt: int,
    queued_by: str,
    *,
    clock: Clock | None = None,
    lease_seconds: float | None = None,
) -> str:
    """Run one queued stage run here, if it is still this task's to run."""
    close_old_connections()  # past CONN_MAX_AGE or broken: a fresh one
    clock = clock or get_clock()
    lease_seconds = lease_seconds or settings.YOOINI_LEASE_SECONDS
    owner = owner_new()
    try:
        with transaction.atomic():
            claim = claim_adopt(
                stage_run_id,
                attempt,
                queued_by,
                owner=owner,
                now=clock.now(),
                lease_seconds=lease_seconds,
            )
        if claim is None:
            log.info("stage run %s attempt %s is not this task's: skipped", stage_run_id, attempt)
            return SKIPPED
        with _lease_kept(claim, clock, lease_seconds):
            outcome = execute_claim(claim, clock=clock)
        (accepted,) = outcomes_record([outcome], now=clock.now())
        return RECORDED if accepted else REFUSED
    finally:
        owner_release(owner)


def worker_beat(stop: threading.Event, *, clock: Clock | None = None) -> None:
    """Refresh this worker's process row (the workflows it knows) every third of a lease until
    ``stop`` is set, then remove it."""
    clock = clock or get_clock()
    owner = owner_new()
    try:
        while True:
            try:
                process_beat(owner, "worker", now=clock.now())
            except Exception:  # a database hiccup must not stop the worker: next beat
                log.warning("could not refresh this worker's process row", exc_info=True)
            if stop.wait(settings.YOOINI_LEASE_SECONDS / 3):
                break
        process_gone(owner)
    finally:
        owner_release(owner)
        connection.close()


@contextlib.contextmanager
def _lease_kept(claim: Claim, clock: Clock, lease_seconds: float) -> Iterator[None]:
    """Extend the lease every third of its length while the stage runs, from a side thread
    (the stage itself may block for minutes)."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(lease_seconds / 3):
                leases_extend(
                    [claim], owner=claim.owner, now=clock.now(), lease_seconds=lease_seconds
                )
        finally:
            connection.close()

    beater = threading.Thread(target=beat, name=f"yooini-lease-{claim.stage_run_id}", daemon=True)
    beater.start()
    try:
        yield
    finally:
        stop.set()
        beater.join()
