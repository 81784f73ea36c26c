"""The one retry policy of every HTTP client of the project (suppliers, markets), on tenacity
(decision 16): bounded attempts, the server's ``Retry-After`` before our backoff, and the
sleep injectable so tests run on a fake clock.

A client writes one attempt as a function that returns the answer, raises its final error
(not retried), or raises ``RetryableFailure`` (retried while attempts remain). When none
remain, the last ``RetryableFailure`` is raised to the client, which turns it into its own
error: each client keeps its own words ("after 4 attempts", "retry after 7 s").
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

import tenacity
from tenacity.wait import wait_base

T = TypeVar("T")

__all__ = ["RetryableFailure", "call_when_told", "call_with_retries", "exponential_backoff"]


class RetryableFailure(Exception):
    """One attempt failed in a way another may cure (a 429, a 5xx, the network).

    ``wait``: the server's own hint in seconds (``Retry-After``), used instead of the backoff;
    ``final``: what the client raises if this was the last attempt (optional)."""

    def __init__(
        self, problem: str, *, wait: float | None = None, final: Exception | None = None
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.wait = wait
        self.final = final


class _ServerHintFirst(wait_base):
    """The failure's ``Retry-After`` when it gave one, else the backoff for this attempt."""

    def __init__(self, backoff: Callable[[int], float]) -> None:
        self._backoff = backoff

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        failure = outcome.exception() if outcome is not None else None
        hint = failure.wait if isinstance(failure, RetryableFailure) else None
        return hint if hint is not None else self._backoff(retry_state.attempt_number - 1)


def exponential_backoff(
    base: float,
    *,
    cap: float | None = None,
    jitter: bool = False,
    rng: random.Random | None = None,
) -> Callable[[int], float]:
    """Seconds to wait after failed attempt ``n`` (0-based): ``base * 2**n``, at most ``cap``.
    With ``jitter`` a random 50-100 % of that, so parallel workers that failed together do not
    retry together."""
    draw = rng or random

    def backoff(failed_attempt: int) -> float:
        ceiling = base * 2**failed_attempt
        if cap is not None:
            ceiling = min(ceiling, cap)
        return ceiling * draw.uniform(0.5, 1.0) if jitter else ceiling

    return backoff


def call_with_retries(
    attempt: Callable[[], T],
    *,
    attempts: int,
    backoff: Callable[[int], float],
    sleep: Callable[[float], None],
    before_retry: Callable[[RetryableFailure, float], None] | None = None,
) -> T:
    """``attempt()`` at most ``attempts`` times while it raises ``RetryableFailure``, sleeping
    between (``before_retry(failure, seconds)`` is told first, e.g. to log). Returns its
    answer; anything else it raises goes through at once; when attempts run out, the last
    ``RetryableFailure`` is raised."""
    if attempts < 1:
        raise ValueError(f"call_with_retries: attempts must be >= 1, got {attempts!r}")

    def tell(retry_state: tenacity.RetryCallState) -> None:
        outcome = retry_state.outcome
        failure = outcome.exception() if outcome is not None else None
        seconds = retry_state.upcoming_sleep
        if before_retry is not None and isinstance(failure, RetryableFailure):
            before_retry(failure, seconds)

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(attempts),
        retry=tenacity.retry_if_exception_type(RetryableFailure),
        wait=_ServerHintFirst(backoff),
        sleep=sleep,
        before_sleep=tell,
        reraise=True,
    )
    return retrying(attempt)


def call_when_told(
    attempt: Callable[[], T],
    *,
    retries: int,
    sleep: Callable[[float], None],
    before_retry: Callable[[RetryableFailure, float], None] | None = None,
) -> T:
    """For the market APIs, which retry only when the server says when (a 429 whose wait is
    within the client's bound; anything else is the engine's to reschedule): ``attempt()`` at
    most ``retries + 1`` times, each retry after the failure's ``wait``. When none remain the
    last failure's ``final`` error is raised (the failure itself when it has none)."""
    try:
        return call_with_retries(
            attempt,
            attempts=retries + 1,
            backoff=lambda failed_attempt: 0.0,
            sleep=sleep,
            before_retry=before_retry,
        )
    except RetryableFailure as failure:
        if failure.final is None:
            raise
        raise failure.final from None
