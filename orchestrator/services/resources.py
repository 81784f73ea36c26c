"""Shared resources in the database: their limits, their token bucket, their breaker."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ..core import breaker as br
from ..core.ratelimit import RateLimit
from ..core.workflow import Resource, registry
from ..models import ResourceState
from .events import NewEvent, events_emit


def resources_ensure(names: Iterable[str]) -> None:
    """Create missing resource rows from their declared defaults; existing rows are kept,
    because once written the database row is the configuration an operator may have changed."""
    wanted = {n for n in names if n}
    existing = set(ResourceState.objects.filter(name__in=wanted).values_list("name", flat=True))
    rows = [_row_from_definition(registry.resource(name)) for name in sorted(wanted - existing)]
    ResourceState.objects.bulk_create(rows, ignore_conflicts=True)


def _row_from_definition(resource: Resource) -> ResourceState:
    row = ResourceState(name=resource.name, concurrency=resource.concurrency)
    if resource.rate is not None:
        row.rate, row.rate_per, row.burst = (
            resource.rate.rate,
            resource.rate.per,
            resource.rate.burst,
        )
    if resource.breaker is not None:
        row.breaker_threshold = resource.breaker.threshold
        row.breaker_reset_after = resource.breaker.reset_after
    return row


def rate_limit_of(row: ResourceState) -> RateLimit | None:
    return RateLimit(row.rate, row.rate_per, row.burst) if row.rate else None


def breaker_policy_of(row: ResourceState) -> br.BreakerPolicy | None:
    if not row.breaker_threshold:
        return None
    return br.BreakerPolicy(threshold=row.breaker_threshold, reset_after=row.breaker_reset_after)


def breaker_state_of(row: ResourceState) -> br.BreakerState:
    return br.BreakerState(row.breaker_status, row.breaker_failures, row.breaker_opened_at)


def breaker_record(name: str, *, ok: bool, now: datetime, correlation_id: str) -> None:
    """Feed one stage run's result to the resource's breaker (inside the caller's transaction)."""
    row = ResourceState.objects.select_for_update().filter(name=name).first()
    if row is None:
        return
    policy = breaker_policy_of(row)
    if policy is None:
        return
    before = breaker_state_of(row)
    if ok and before.status == br.CLOSED and before.failures == 0:
        return  # the common case writes nothing
    after = (br.on_success if ok else br.on_failure)(before, policy, now)
    if after == before:
        return
    ResourceState.objects.filter(name=name).update(
        breaker_status=after.status,
        breaker_failures=after.failures,
        breaker_opened_at=after.opened_at,
    )
    effective_before = br.effective_status(before, policy, now)
    if after.status != effective_before:
        events_emit(
            [
                NewEvent(
                    f"breaker.{after.status.lower()}",
                    {"resource": name, "failures": after.failures, "was": effective_before},
                    correlation_id=correlation_id,
                )
            ]
        )
