"""Running one claimed stage run: build its context, call the stage, describe what happened.

Nothing here writes the stage run's state: the ``Outcome`` goes back to whoever records it
(``services.outcomes``), fenced by the claim's attempt number.
"""

from __future__ import annotations

import logging
import time
import traceback as tb
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.utils import timezone

from yooini.run_settings import run_settings_applied

from .core.clock import Clock, get_clock
from .core.items import (
    FAILED,
    RESULT_KEY,
    SET_ASIDE_KEY,
    ItemFailuresExceeded,
    item_errors_by_kind,
    item_errors_merged,
    item_errors_of,
    reason_key,
    reasons_text,
)
from .core.stagelog import StageLog
from .core.workflow import registry
from .logcapture import StageLogger, capturing

log = logging.getLogger("yooini.stage")


@dataclass(frozen=True)
class Claim:
    """A stage run taken by a runner: everything needed to execute it without another read."""

    stage_run_id: int
    attempt: int
    failures: int
    batch_id: str
    workflow: str
    mode: str
    params: dict[str, Any]
    partition: str
    stage: str
    resource: str
    checkpoint: Any = None
    deadline_at: datetime | None = None
    owner: str = ""  # who holds the lease: the claiming runner, or the worker that adopted it
    settings: dict[str, Any] = field(default_factory=dict)  # the batch's run settings


@dataclass(frozen=True)
class EmittedEvent:
    type: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    claim: Claim
    ok: bool
    items: int = 0
    result: Any = None
    error: str = ""
    error_type: str = ""
    traceback: str = ""
    retryable: bool = True
    duration: float = 0.0
    events: tuple[EmittedEvent, ...] = ()
    log: str = ""  # what the attempt logged (bounded), written with the outcome
    log_truncated: bool = False


class LeaseLost(Exception):
    """The stage run was taken over (its lease expired or it timed out): stop working on it."""


class StageTimeout(Exception):
    """A stage run went past its stage's timeout; the retry policy decides what follows."""


class UnknownStage(Exception):
    """A cell names a stage its workflow no longer defines (a batch resumed after a change)."""


@dataclass
class StageContext:
    """What a stage sees: where it runs, its parameters, its checkpoint, and a way to report."""

    batch_id: str
    workflow: str
    mode: str
    params: dict[str, Any]
    partition: str
    stage: str
    attempt: int
    checkpoint: Any
    deadline_at: datetime | None
    clock: Clock
    stage_run_id: int
    items: int = 0
    log: logging.Logger | logging.LoggerAdapter = field(default=log)
    _events: list[EmittedEvent] = field(default_factory=list)
    _item_errors: dict[str, int] = field(default_factory=dict)

    @property
    def correlation_id(self) -> str:
        return self.batch_id

    def add_items(self, count: int = 1) -> None:
        self.items += count

    def item_failed(self, reason: str, count: int = 1) -> None:
        """Count ``count`` items that failed for ``reason`` (kept in the result's
        ``item_errors``; the stage's ``ItemFailures`` decides whether the cell fails)."""
        key = reason_key(reason)
        self._item_errors[key] = self._item_errors.get(key, 0) + count

    def emit(self, event_type: str, payload: dict[str, Any] | None = None) -> None:
        """Publish an event with this stage run's result (written when the outcome is recorded)."""
        self._events.append(EmittedEvent(event_type, dict(payload or {})))

    def save_checkpoint(self, value: Any) -> None:
        """Durably remember a small JSON cursor now; a later attempt reads it as ``checkpoint``.

        Raises ``LeaseLost`` when this attempt no longer holds the stage run.
        """
        from .services.outcomes import stage_run_save_checkpoint

        if not stage_run_save_checkpoint(self.stage_run_id, self.attempt, value):
            raise LeaseLost(f"stage run {self.stage_run_id} attempt {self.attempt} was taken over")
        self.checkpoint = value

    def time_left(self) -> float | None:
        if self.deadline_at is None:
            return None
        return (self.deadline_at - self.clock.now()).total_seconds()


def execute_claim(claim: Claim, *, clock: Clock | None = None) -> Outcome:
    """Run the stage of ``claim`` and describe the result; never raises for a stage's error."""
    clock = clock or get_clock()
    started = time.perf_counter()
    buffer = StageLog(zone=timezone.get_default_timezone())
    ctx = StageContext(
        batch_id=claim.batch_id,
        workflow=claim.workflow,
        mode=claim.mode,
        params=claim.params,
        partition=claim.partition,
        stage=claim.stage,
        attempt=claim.attempt,
        checkpoint=claim.checkpoint,
        deadline_at=claim.deadline_at,
        clock=clock,
        stage_run_id=claim.stage_run_id,
        log=StageLogger(log, buffer, clock),
    )
    outcome = _execute(claim, ctx, started, buffer, clock)
    # The item errors close the log, by kind (a failed attempt kept only ctx's own count).
    result = outcome.result
    reported = isinstance(result, dict) and (RESULT_KEY in result or SET_ASIDE_KEY in result)
    kinds = item_errors_by_kind(result) if reported else {}
    if not kinds and ctx._item_errors:
        kinds = {FAILED: ctx._item_errors}
    for kind, errors in kinds.items():
        buffer.add(clock.now(), "ITEMS", f"items {kind}: {reasons_text(errors, shown=20)}")
    if outcome.traceback:
        buffer.add(clock.now(), "ERROR", outcome.traceback.rstrip())
    if not buffer:
        return outcome
    return replace(outcome, log=buffer.text(), log_truncated=buffer.truncated)


def _execute(
    claim: Claim, ctx: StageContext, started: float, buffer: StageLog, clock: Clock
) -> Outcome:
    try:
        stage = _stage_of(claim)
    except (KeyError, UnknownStage) as exc:
        return _failure(claim, exc, retryable=False, started=started, ctx=ctx)
    try:
        with run_settings_applied(claim.settings), capturing(buffer, clock):
            returned = stage.fn(ctx, claim.partition)
    except Exception as exc:  # a stage's failure is data, recorded against its cell
        retryable = not isinstance(exc, (LeaseLost, *stage.retry.no_retry_on))
        return _failure(claim, exc, retryable=retryable, started=started, ctx=ctx)
    items, result = _split_result(returned, ctx.items)
    if ctx._item_errors or item_errors_of(result):
        errors = item_errors_merged(item_errors_of(result), ctx._item_errors)
        result = {**(result or {}), RESULT_KEY: errors}
        why = stage.item_failures.verdict(items, errors)
        if why is not None:
            # Not retried: the stage did its work and recorded each failed item, which the
            # next run tries again; the same call now would most likely fail the same way.
            return Outcome(
                claim=claim,
                ok=False,
                items=items,
                result=result,
                error=f"{ItemFailuresExceeded.__name__}: {why}"[:4000],
                error_type=ItemFailuresExceeded.__name__,
                retryable=False,
                duration=time.perf_counter() - started,
                events=tuple(ctx._events),
            )
    return Outcome(
        claim=claim,
        ok=True,
        items=items,
        result=result,
        duration=time.perf_counter() - started,
        events=tuple(ctx._events),
    )


def _split_result(returned: Any, counted: int) -> tuple[int, Any]:
    """A stage may return an item count, a JSON-able dict (``items`` key counted), or nothing."""
    if isinstance(returned, bool) or returned is None:
        return counted, None
    if isinstance(returned, int):
        return returned, None
    if isinstance(returned, dict):
        items = returned.get("items", counted)
        return (items if isinstance(items, int) else counted), returned
    return counted, {"value": repr(returned)[:1000]}


def _stage_of(claim: Claim):
    workflow = registry.get(claim.workflow)
    stage = workflow.stages.get(claim.stage)
    if stage is None:
        raise UnknownStage(
            f"stage {claim.stage!r} is not defined in workflow {claim.workflow!r} "
            f"version {workflow.version}"
        )
    return stage


def _failure(
    claim: Claim, exc: BaseException, *, retryable: bool, started: float, ctx: StageContext
) -> Outcome:
    return Outcome(
        claim=claim,
        ok=False,
        error=f"{type(exc).__name__}: {exc}"[:4000],
        error_type=type(exc).__name__,
        traceback="".join(tb.format_exception(exc))[-20000:],
        retryable=retryable,
        duration=time.perf_counter() - started,
        events=tuple(ctx._events),
    )
