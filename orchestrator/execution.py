"""Running one claimed stage run: build its context, call the stage, describe what happened.

Nothing here writes the stage run's state: the ``Outcome`` goes back to whoever records it
(``services.outcomes``), fenced by the claim's attempt number.
"""

from __future__ import annotations

import logging
import time
import traceback as tb
from dataclasses import replace
from typing import Any

from django.utils import timezone

from yooini.run_settings import run_settings_applied

from .core.claim import Claim, Outcome
from .core.clock import Clock, get_clock
from .core.items import (
    FAILED,
    RESULT_KEY,
    SET_ASIDE_KEY,
    ItemFailuresExceeded,
    item_errors_by_kind,
    item_errors_merged,
    item_errors_of,
    reasons_text,
)
from .core.stage import EmittedEvent, LeaseLost, StageContext, result_split
from .core.stagelog import StageLog
from .core.workflow import registry
from .logcapture import StageLogger, capturing

__all__ = [
    "Claim",
    "EmittedEvent",
    "LeaseLost",
    "Outcome",
    "StageContext",
    "StageTimeout",
    "UnknownStage",
    "execute_claim",
]

log = logging.getLogger("yooini.stage")


class StageTimeout(Exception):
    """A stage run went past its stage's timeout; the retry policy decides what follows."""


class UnknownStage(Exception):
    """A cell names a stage its workflow no longer defines (a batch resumed after a change)."""


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
        _checkpoint_store=_checkpoint_saved,
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
    items, result = result_split(returned, ctx.items)
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


def _checkpoint_saved(stage_run_id: int, attempt: int, value: Any) -> bool:
    from .services.outcomes import stage_run_save_checkpoint

    return stage_run_save_checkpoint(stage_run_id, attempt, value)


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
