"""Reading what ``core.waiting.wait_reason`` needs for a page of cells, in a fixed number of
queries: the resources they use (limits, breaker as of now, running cells) and what each
stage waits on in the batch's mode."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db.models import Count

from .core import breaker as br
from .core.waiting import ResourceView, WaitReason, wait_reason
from .core.workflow import registry
from .models import Batch, CellStatus, ResourceState, StageRun
from .services.resources import breaker_policy_of, breaker_state_of

WAITING = (CellStatus.PENDING, CellStatus.BLOCKED)


def resource_views(names: Iterable[str], now: datetime) -> dict[str, ResourceView]:
    """The named resources as the wait reason reads them (two queries, none if no name)."""
    wanted = sorted({n for n in names if n})
    if not wanted:
        return {}
    running = dict(
        StageRun.objects.filter(status=CellStatus.RUNNING, resource__in=wanted)
        .values_list("resource")
        .annotate(n=Count("id"))
        .values_list("resource", "n")
    )
    views = {}
    for row in ResourceState.objects.filter(name__in=wanted):
        policy = breaker_policy_of(row)
        status = br.effective_status(breaker_state_of(row), policy, now) if policy else br.CLOSED
        views[row.name] = ResourceView(
            name=row.name,
            running=running.get(row.name, 0),
            concurrency=row.concurrency,
            breaker_status=status,
            breaker_opened_at=row.breaker_opened_at,
            breaker_reset_after=row.breaker_reset_after,
            rate=row.rate,
            tokens=_tokens_now(row, now),
        )
    return views


def _tokens_now(row: ResourceState, now: datetime) -> float | None:
    if row.rate is None:
        return None
    from .core.ratelimit import RateLimit, refill

    limit = RateLimit(row.rate, row.rate_per or 1.0, row.burst)
    return refill(limit, row.tokens, row.tokens_at, now)


def stage_waits(batch: Batch) -> Mapping[str, frozenset[str]]:
    """What each stage waits on in the batch's mode; empty when the workflow is not known
    here (the reason then says "upstream cells" without naming them)."""
    try:
        return registry.get(batch.workflow).effective_deps(batch.mode)
    except KeyError:
        return {}


def cell_wait(
    *,
    batch: Batch,
    stage: str,
    status: str,
    waiting_on: int,
    next_attempt_at: datetime | None,
    resource: ResourceView | None,
    partition_statuses: Mapping[str, str],
    waits: Mapping[str, frozenset[str]],
    now: datetime,
) -> WaitReason | None:
    """The wait reason of one cell, given its partition's cells (stage -> status)."""
    if status not in WAITING:
        return None
    upstream = {
        name: partition_statuses[name]
        for name in sorted(waits.get(stage, ()))
        if name in partition_statuses
    }
    return wait_reason(
        status=status,
        now=now,
        waiting_on=waiting_on,
        next_attempt_at=next_attempt_at,
        upstream=upstream,
        resource=resource,
        cancel_requested=batch.cancel_requested,
    )
