"""The circuit breaker's state machine, as pure functions over a small state value.

CLOSED counts consecutive failures; at ``threshold`` it opens. OPEN lets nothing through
until ``reset_after`` seconds have passed, then it is HALF_OPEN: one trial runs; its success
closes the breaker, its failure opens it again for another ``reset_after``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

CLOSED, OPEN, HALF_OPEN = "CLOSED", "OPEN", "HALF_OPEN"


@dataclass(frozen=True)
class BreakerPolicy:
    threshold: int = 5
    reset_after: float = 60.0


@dataclass(frozen=True)
class BreakerState:
    status: str = CLOSED
    failures: int = 0
    opened_at: datetime | None = None


def effective_status(state: BreakerState, policy: BreakerPolicy, now: datetime) -> str:
    """The status as of ``now``: an OPEN breaker whose wait is over reads as HALF_OPEN."""
    reopen = reopens_at(state, policy)
    if reopen is not None and now >= reopen:
        return HALF_OPEN
    return state.status


def allows(state: BreakerState, policy: BreakerPolicy, now: datetime, running: int) -> int:
    """How many new stage runs the breaker lets start now, given ``running`` ones."""
    status = effective_status(state, policy, now)
    if status == CLOSED:
        return 1 << 30
    if status == HALF_OPEN:
        return 0 if running else 1
    return 0


def on_success(state: BreakerState, policy: BreakerPolicy, now: datetime) -> BreakerState:
    return BreakerState(status=CLOSED, failures=0, opened_at=None)


def on_failure(state: BreakerState, policy: BreakerPolicy, now: datetime) -> BreakerState:
    status = effective_status(state, policy, now)
    if status == HALF_OPEN:
        return BreakerState(status=OPEN, failures=state.failures + 1, opened_at=now)
    if status == OPEN:
        return replace(state, failures=state.failures + 1)
    failures = state.failures + 1
    if failures >= policy.threshold:
        return BreakerState(status=OPEN, failures=failures, opened_at=now)
    return replace(state, failures=failures)


def reopens_at(state: BreakerState, policy: BreakerPolicy) -> datetime | None:
    if state.status == OPEN and state.opened_at is not None:
        return state.opened_at + timedelta(seconds=policy.reset_after)
    return None
