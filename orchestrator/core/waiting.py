"""Why a cell is not running: the reason an operator reads on the grid and in the cell view.

A plain function over state that already exists (the cell's own fields, its upstream cells'
statuses, its resource's limits and breaker), so it is tested without a database and never
stored: it is recomputed on every read and cannot drift from what the claim round sees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .breaker import HALF_OPEN, OPEN

PENDING, BLOCKED, DONE, SKIPPED, ERROR = "PENDING", "BLOCKED", "DONE", "SKIPPED", "ERROR"

# The kinds, most specific first: the claim round checks them in this order too.
CANCELLING = "cancelling"
RETRY = "retry"
UPSTREAM = "upstream"
BLOCKED_BY = "blocked"
BREAKER = "breaker"
RESOURCE_FULL = "resource_full"
RATE_LIMIT = "rate_limit"
READY = "ready"


@dataclass(frozen=True)
class ResourceView:
    """A resource as the wait reason needs it (``orchestrator.grid`` builds it from the row)."""

    name: str
    running: int = 0
    concurrency: int | None = None
    breaker_status: str = "CLOSED"  # as of now: an OPEN breaker past its wait reads HALF_OPEN
    breaker_opened_at: datetime | None = None
    breaker_reset_after: float = 60.0
    rate: float | None = None
    tokens: float | None = None


@dataclass(frozen=True)
class WaitReason:
    kind: str
    until: datetime | None = None  # when the wait should end, when known
    resource: str = ""
    upstream: tuple[tuple[str, str], ...] = field(default=())  # (stage, status) it waits on

    def text(self, clock_text: Callable[[datetime], str] = lambda t: t.strftime("%H:%M")) -> str:
        """One line: ``retry at 14:05``, ``breaker of okmall open until 14:10``, ...

        ``clock_text`` formats a time (the caller picks the zone and format).
        """
        at = clock_text(self.until) if self.until else ""
        upstream = ", ".join(f"{stage} ({status})" for stage, status in self.upstream)
        if self.kind == RETRY:
            return f"retry at {at}"
        if self.kind == BREAKER:
            if not at:
                return f"breaker of {self.resource} half-open: one trial run at a time"
            return f"breaker of {self.resource} open until {at}"
        if self.kind == RESOURCE_FULL:
            return f"resource {self.resource} full"
        if self.kind == RATE_LIMIT:
            return f"rate limit of {self.resource}"
        if self.kind == UPSTREAM:
            return f"waiting for {upstream}" if upstream else "waiting for upstream cells"
        if self.kind == BLOCKED_BY:
            return f"blocked by {upstream}" if upstream else "blocked by a failed upstream cell"
        if self.kind == CANCELLING:
            return "batch is being cancelled: not started"
        return "ready: starts when a runner is free"


def wait_reason(
    *,
    status: str,
    now: datetime,
    waiting_on: int = 0,
    next_attempt_at: datetime | None = None,
    upstream: Mapping[str, str] | None = None,
    resource: ResourceView | None = None,
    cancel_requested: bool = False,
) -> WaitReason | None:
    """Why a PENDING or BLOCKED cell is not running now; ``None`` for any other status.

    ``upstream``: the statuses of the cells this one waits on directly (stage -> status), in
    the same partition; those not DONE or SKIPPED are named in the reason.
    """
    unsettled = tuple(
        (stage, st) for stage, st in (upstream or {}).items() if st not in (DONE, SKIPPED)
    )
    if status == BLOCKED:
        failed = tuple((s, st) for s, st in unsettled if st in (ERROR, BLOCKED))
        return WaitReason(BLOCKED_BY, upstream=failed or unsettled)
    if status != PENDING:
        return None
    if cancel_requested:
        return WaitReason(CANCELLING)
    if next_attempt_at is not None and next_attempt_at > now:
        return WaitReason(RETRY, until=next_attempt_at)
    if waiting_on > 0:
        return WaitReason(UPSTREAM, upstream=unsettled)
    if resource is None:
        return WaitReason(READY)
    if resource.breaker_status == OPEN:
        until = None
        if resource.breaker_opened_at is not None:
            until = resource.breaker_opened_at + timedelta(seconds=resource.breaker_reset_after)
        return WaitReason(BREAKER, until=until, resource=resource.name)
    if resource.breaker_status == HALF_OPEN and resource.running > 0:
        return WaitReason(BREAKER, resource=resource.name)
    if resource.concurrency is not None and resource.running >= resource.concurrency:
        return WaitReason(RESOURCE_FULL, resource=resource.name)
    if resource.rate is not None and resource.tokens is not None and resource.tokens < 1:
        return WaitReason(RATE_LIMIT, resource=resource.name)
    return WaitReason(READY)
