"""The one retry policy (yooini.retrying): bounded attempts, the server's wait before the
backoff, the injected sleep, and each client's final error when attempts run out."""

from __future__ import annotations

import random

import pytest

from yooini.retrying import (
    RetryableFailure,
    call_when_told,
    call_with_retries,
    exponential_backoff,
)


class Script:
    """An attempt that fails as scripted, then answers "ok"."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


def test_the_servers_wait_comes_before_the_backoff_and_sleep_is_the_injected_one():
    slept: list[float] = []
    told: list[tuple[str, float]] = []
    attempt = Script(RetryableFailure("HTTP 429", wait=7), RetryableFailure("HTTP 503"))
    answer = call_with_retries(
        attempt,
        attempts=4,
        backoff=exponential_backoff(2.0),
        sleep=slept.append,
        before_retry=lambda failure, seconds: told.append((failure.problem, seconds)),
    )
    assert answer == "ok" and attempt.calls == 3
    assert slept == [7, 4.0]  # then 2 s * 2**1 for the second failed attempt
    assert told == [("HTTP 429", 7), ("HTTP 503", 4.0)]


def test_attempts_are_bounded_and_the_last_failure_is_raised():
    slept: list[float] = []
    attempt = Script(*[RetryableFailure(f"HTTP 50{n}") for n in range(9)])
    with pytest.raises(RetryableFailure, match="HTTP 503"):
        call_with_retries(attempt, attempts=4, backoff=lambda n: 1.0, sleep=slept.append)
    assert attempt.calls == 4 and slept == [1.0, 1.0, 1.0]


def test_any_other_error_goes_through_at_once():
    slept: list[float] = []
    attempt = Script(RetryableFailure("timed out"), ValueError("refused"))
    with pytest.raises(ValueError, match="refused"):
        call_with_retries(attempt, attempts=5, backoff=lambda n: 0.5, sleep=slept.append)
    assert attempt.calls == 2 and slept == [0.5]


def test_at_least_one_attempt():
    with pytest.raises(ValueError, match="attempts must be >= 1"):
        call_with_retries(Script(), attempts=0, backoff=lambda n: 0, sleep=lambda s: None)


def test_the_backoff_doubles_up_to_its_cap_and_jitters_within_half():
    assert [exponential_backoff(1.0, cap=5)(n) for n in range(5)] == [1, 2, 4, 5, 5]
    jittered = exponential_backoff(4.0, jitter=True, rng=random.Random(1))
    waits = [jittered(1) for _ in range(200)]
    assert all(4.0 <= w <= 8.0 for w in waits) and len(set(waits)) > 100


def test_call_when_told_raises_the_clients_own_error_when_retries_run_out():
    final = ConnectionRefusedError("rate limited, retry after 1s")
    slept: list[float] = []
    attempt = Script(*[RetryableFailure("rate limited", wait=1, final=final)] * 3)
    with pytest.raises(ConnectionRefusedError) as caught:
        call_when_told(attempt, retries=2, sleep=slept.append)
    assert caught.value is final and attempt.calls == 3 and slept == [1, 1]
    assert call_when_told(Script(), retries=0, sleep=slept.append) == "ok"
