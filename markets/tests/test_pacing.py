"""The pacer keeps one account's calls within its rate, however many threads share it."""

from __future__ import annotations

import threading

import pytest

from markets.pacing import Pacer, pacer_for


class FakeTime:
    """A clock that moves only when a test moves it; sleeping does nothing."""

    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        return None


def test_a_burst_then_one_call_per_interval():
    time = FakeTime()
    pacer = Pacer(10, burst=3, clock=time.clock, sleep=time.sleep)
    waits = [pacer.wait() for _ in range(6)]
    assert waits[:3] == [0, 0, 0]
    # The clock stood still: each call reserves the next tenth of a second.
    assert waits[3:] == pytest.approx([0.1, 0.2, 0.3])


def test_tokens_come_back_with_time_up_to_the_burst():
    time = FakeTime()
    pacer = Pacer(10, burst=2, clock=time.clock, sleep=time.sleep)
    pacer.wait(), pacer.wait()
    time.now += 60  # a long pause refills no more than the burst
    assert [pacer.wait() for _ in range(3)] == pytest.approx([0, 0, 0.1])


def test_threads_sharing_a_pacer_reserve_distinct_turns():
    time = FakeTime()
    pacer = Pacer(5, burst=1, clock=time.clock, sleep=time.sleep)
    waits: list[float] = []
    lock = threading.Lock()

    def call() -> None:
        waited = pacer.wait()
        with lock:
            waits.append(waited)

    threads = [threading.Thread(target=call) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == pytest.approx([0.2 * i for i in range(10)])


def test_one_pacer_per_key_and_a_new_one_when_the_rate_changes():
    first = pacer_for(("coupang", "http://a", "v1"), 10)
    assert pacer_for(("coupang", "http://a", "v1"), 10) is first
    assert pacer_for(("coupang", "http://a", "v2"), 10) is not first
    changed = pacer_for(("coupang", "http://a", "v1"), 20)
    assert changed is not first and changed.per_second == 20


def test_a_rate_must_be_positive():
    with pytest.raises(ValueError, match="per_second"):
        Pacer(0)
