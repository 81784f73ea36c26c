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


# --- editing from the dashboard: limits and the breaker's reset --------------------------

_POSITIVE_OR_NONE = ("concurrency", "rate", "burst", "breaker_threshold")
_POSITIVE = ("rate_per", "breaker_reset_after")
_WHOLE = ("concurrency", "breaker_threshold")


def resource_limit_errors(
    *,
    concurrency: int | None,
    rate: float | None,
    rate_per: float,
    burst: float | None,
    breaker_threshold: int | None,
    breaker_reset_after: float,
) -> dict[str, str]:
    """Every problem of a set of limits, by field name (empty when they are valid).

    ``None`` means "no limit" for concurrency, rate, burst and breaker_threshold; rate_per and
    breaker_reset_after always need a positive number of seconds."""
    values = {
        "concurrency": concurrency,
        "rate": rate,
        "rate_per": rate_per,
        "burst": burst,
        "breaker_threshold": breaker_threshold,
        "breaker_reset_after": breaker_reset_after,
    }
    errors: dict[str, str] = {}
    for field, value in values.items():
        if value is None:
            if field in _POSITIVE:
                errors[field] = "a positive number of seconds is required"
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            errors[field] = "must be a number"
        elif field in _WHOLE and value != int(value):
            errors[field] = "must be a whole number"
        elif value <= 0:
            errors[field] = "must be greater than 0 (leave it empty for no limit)"
    if burst is not None and rate is None and "burst" not in errors:
        errors["burst"] = "a burst needs a rate"
    return errors


def resource_update_limits(
    name: str,
    *,
    concurrency: int | None,
    rate: float | None,
    rate_per: float,
    burst: float | None,
    breaker_threshold: int | None,
    breaker_reset_after: float,
    actor: str = "",
) -> ResourceState:
    """Write new limits on the resource row and emit ``resource.updated`` in the same
    transaction. Claims read the row each round, so the limits hold from the next claim on;
    ``resources_ensure`` never rewrites an existing row, so a later run keeps them.

    ``ValidationError`` by field (see ``resource_limit_errors``); ``ResourceState.DoesNotExist``
    naming the resource if there is no such row. The token bucket restarts full when the rate
    changes, so a new rate is not judged by tokens counted under the old one."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    errors = resource_limit_errors(
        concurrency=concurrency,
        rate=rate,
        rate_per=rate_per,
        burst=burst,
        breaker_threshold=breaker_threshold,
        breaker_reset_after=breaker_reset_after,
    )
    if errors:
        raise ValidationError(errors)
    limits = {
        "concurrency": None if concurrency is None else int(concurrency),
        "rate": None if rate is None else float(rate),
        "rate_per": float(rate_per),
        "burst": None if burst is None else float(burst),
        "breaker_threshold": None if breaker_threshold is None else int(breaker_threshold),
        "breaker_reset_after": float(breaker_reset_after),
    }
    with transaction.atomic():
        row = _locked(name)
        before = {field: getattr(row, field) for field in limits}
        changed = {field: value for field, value in limits.items() if before[field] != value}
        if not changed:
            return row
        for field, value in changed.items():
            setattr(row, field, value)
        update_fields = list(changed)
        if {"rate", "rate_per", "burst"} & changed.keys():
            row.tokens, row.tokens_at = 0.0, None
            update_fields += ["tokens", "tokens_at"]
        row.save(update_fields=update_fields)
        events_emit(
            [
                NewEvent(
                    "resource.updated",
                    {
                        "resource": name,
                        "changed": {f: {"was": before[f], "now": v} for f, v in changed.items()},
                        "by": actor,
                    },
                    source="dashboard",
                )
            ]
        )
    return row


def breaker_reset(name: str, *, actor: str = "") -> ResourceState:
    """Close the resource's breaker by hand: status CLOSED, failures 0, no opened_at, and a
    ``breaker.reset`` event (with the status it had) in the same transaction. Stage runs may
    start through it at the next claim. ``ResourceState.DoesNotExist`` naming the resource if
    there is no such row."""
    from django.db import transaction

    from ..core.clock import get_clock

    with transaction.atomic():
        row = _locked(name)
        policy = breaker_policy_of(row)
        state = breaker_state_of(row)
        was = br.effective_status(state, policy, get_clock().now()) if policy else state.status
        row.breaker_status, row.breaker_failures, row.breaker_opened_at = br.CLOSED, 0, None
        row.save(update_fields=["breaker_status", "breaker_failures", "breaker_opened_at"])
        events_emit(
            [
                NewEvent(
                    "breaker.reset",
                    {"resource": name, "was": was, "failures": state.failures, "by": actor},
                    source="dashboard",
                )
            ]
        )
    return row


def _locked(name: str) -> ResourceState:
    row = ResourceState.objects.select_for_update().filter(name=name).first()
    if row is None:
        raise ResourceState.DoesNotExist(f"no resource named {name!r}")
    return row
