"""Recording what happened to claimed stage runs: done, retry later, or failed and blocking.

Every write is conditional on the claim's attempt and on the run still being RUNNING, so a
late result from a holder that lost its lease is refused and changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from ..core.claim import Claim, Outcome
from ..core.dag import downstream_closure
from ..core.items import ItemFailuresExceeded
from ..core.retry import NO_RETRY, Retry
from ..core.workflow import Workflow, registry
from ..models import CellStatus, StageRun, StageRunLog
from . import cellsql
from .events import NewEvent, deliver_after_commit, event_row, events_emit
from .resources import breaker_record

log = logging.getLogger("yooini.engine")


def _workflow(name: str) -> Workflow | None:
    try:
        return registry.get(name)
    except KeyError:
        return None


def _retry_of(claim: Claim) -> Retry:
    workflow = _workflow(claim.workflow)
    stage = workflow.stages.get(claim.stage) if workflow else None
    return stage.retry if stage else NO_RETRY


def _direct_children(claim: Claim) -> tuple[str, ...]:
    workflow = _workflow(claim.workflow)
    if workflow is None or claim.stage not in workflow.stages:
        return ()
    return workflow.children_in_mode(claim.mode).get(claim.stage, ())


def _everything_below(claim: Claim) -> set[str]:
    workflow = _workflow(claim.workflow)
    if workflow is None or claim.stage not in workflow.stages:
        return set()
    waits = workflow.effective_deps(claim.mode)
    return downstream_closure(waits, claim.stage) if claim.stage in waits else set()


def outcomes_record(outcomes: list[Outcome], *, now: datetime) -> list[bool]:
    """Record outcomes in one transaction; returns, per outcome, whether it was accepted."""
    accepted: list[bool] = []
    if not outcomes:
        return accepted
    with transaction.atomic(savepoint=False):
        events: list[NewEvent] = []
        # A lone outcome may write its event in its own statement; several share one insert,
        # and their DONE updates one statement where the database allows it.
        fold_event = len(outcomes) == 1
        marked = _mark_many(outcomes, now)
        for outcome in outcomes:
            ok = _record_one(outcome, now, events, fold_event=fold_event, marked=marked)
            accepted.append(ok)
            if ok:
                events += _stage_events(outcome)
            else:
                log.info(
                    "late result refused: %s attempt %s",
                    outcome.claim.stage_run_id,
                    outcome.claim.attempt,
                )
        events_emit(events)
        _logs_write(outcomes, accepted, now)
    return accepted


def _logs_write(outcomes: list[Outcome], accepted: list[bool], now: datetime) -> None:
    """Each accepted attempt's log, in the outcome's transaction; nothing when none logged."""
    rows = [
        StageRunLog(
            stage_run_id=o.claim.stage_run_id,
            attempt=o.claim.attempt,
            text=o.log,
            truncated=o.log_truncated,
            created_at=now,
        )
        for o, ok in zip(outcomes, accepted, strict=True)
        if ok and o.log
    ]
    if rows:
        StageRunLog.objects.bulk_create(rows, ignore_conflicts=True)


def _mark_many(outcomes: list[Outcome], now: datetime) -> set[int] | None:
    """Mark the successes DONE together; ``None`` when each is to be marked on its own."""
    oks = [o for o in outcomes if o.ok]
    if len(oks) < 2 or not cellsql.can_mark_many():
        return None
    rows = [(o.claim.stage_run_id, o.claim.attempt, o.items, _jsonable(o.result)) for o in oks]
    return cellsql.mark_done_many(rows, now=now)


def _record_one(
    outcome: Outcome,
    now: datetime,
    events: list[NewEvent],
    *,
    fold_event: bool = False,
    marked: set[int] | None = None,
) -> bool:
    claim = outcome.claim
    cell = {"partition": claim.partition, "stage": claim.stage, "attempt": claim.attempt}
    if outcome.ok and marked is not None:
        if claim.stage_run_id not in marked:
            return False
        children = _direct_children(claim)
        if children:
            cellsql.release_children(claim.batch_id, claim.partition, children)
        events.append(_event("stage.completed", claim, {**cell, "items": outcome.items}))
    elif outcome.ok:
        completed = _event("stage.completed", claim, {**cell, "items": outcome.items})
        row = event_row(completed, now) if fold_event else None
        done, logged = cellsql.mark_done(
            claim.stage_run_id,
            claim.attempt,
            items=outcome.items,
            result=_jsonable(outcome.result),
            now=now,
            children=_direct_children(claim),
            batch_id=claim.batch_id,
            partition=claim.partition,
            event=row,
        )
        if not done:
            return False
        if logged:
            deliver_after_commit([row])  # type: ignore[list-item]
        else:
            events.append(completed)
    else:
        held = StageRun.objects.filter(
            id=claim.stage_run_id, attempt=claim.attempt, status=CellStatus.RUNNING
        )
        failures = claim.failures + 1
        retry = _retry_of(claim)
        error = {
            "error": outcome.error,
            "error_type": outcome.error_type,
            "traceback": outcome.traceback,
        }
        if outcome.result is not None:
            # A stage that ran to its end but failed on its items keeps what it counted.
            error.update(item_count=outcome.items, result=_jsonable(outcome.result))
        if outcome.retryable and retry.should_retry(failures, None):
            delay = retry.delay(failures)
            if not held.update(
                status=CellStatus.PENDING,
                failures=failures,
                next_attempt_at=now + timedelta(seconds=delay),
                updated_at=now,
                **error,
                **cellsql.CLEAR_LEASE,
            ):
                return False
            events.append(
                _event(
                    "stage.retry_scheduled",
                    claim,
                    {**cell, "error": outcome.error, "delay": round(delay, 3)},
                )
            )
        else:
            if not held.update(
                status=CellStatus.ERROR,
                failures=failures,
                finished_at=now,
                updated_at=now,
                **error,
                **cellsql.CLEAR_LEASE,
            ):
                return False
            below = _everything_below(claim)
            if below:
                StageRun.objects.filter(
                    batch_id=claim.batch_id,
                    partition=claim.partition,
                    stage__in=below,
                    status=CellStatus.PENDING,
                ).update(
                    status=CellStatus.BLOCKED,
                    error=f"blocked: {claim.stage} failed in this partition",
                    finished_at=now,
                    updated_at=now,
                )
            events.append(_event("stage.failed", claim, {**cell, "error": outcome.error}))
    if claim.resource:
        # Items that failed on their own (a missing pricing rule, a bad row) say nothing about
        # the resource: the stage reached it and did its work. Only the stage's own failure
        # (an error, a timeout) feeds the breaker.
        resource_ok = outcome.ok or outcome.error_type == ItemFailuresExceeded.__name__
        breaker_record(claim.resource, ok=resource_ok, now=now, correlation_id=claim.batch_id)
    return True


def _event(event_type: str, claim: Claim, payload: dict[str, Any]) -> NewEvent:
    return NewEvent(
        event_type,
        payload,
        source="engine",
        correlation_id=claim.batch_id,
        causation_id=f"stage_run:{claim.stage_run_id}",
    )


def _stage_events(outcome: Outcome) -> list[NewEvent]:
    claim = outcome.claim
    return [
        NewEvent(
            e.type,
            e.payload,
            source=f"{claim.workflow}.{claim.stage}",
            correlation_id=claim.batch_id,
            causation_id=f"stage_run:{claim.stage_run_id}",
        )
        for e in outcome.events
    ]


def _jsonable(value: Any) -> Any:
    import json

    if value is None:
        return None
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        return {"value": repr(value)[:1000]}
    return value if len(text) <= 65536 else {"truncated": True, "size": len(text)}


def stage_run_save_checkpoint(stage_run_id: int, attempt: int, value: Any) -> bool:
    """Store a checkpoint for the holder of ``attempt``; False when that attempt lost the run."""
    from ..core.clock import get_clock

    with transaction.atomic():
        return bool(
            StageRun.objects.filter(
                id=stage_run_id, attempt=attempt, status=CellStatus.RUNNING
            ).update(checkpoint=value, updated_at=get_clock().now())
        )


def leases_extend(claims: list[Claim], *, owner: str, now: datetime, lease_seconds: float) -> int:
    """Push the lease of each still-held claim forward; returns how many are still held."""
    if not claims:
        return 0
    held = 0
    with transaction.atomic():
        for claim in claims:
            held += StageRun.objects.filter(
                id=claim.stage_run_id,
                attempt=claim.attempt,
                status=CellStatus.RUNNING,
                lease_owner=owner,
            ).update(lease_expires_at=now + timedelta(seconds=lease_seconds))
    return held
