"""The engine's pure logic: graph, modes, retry math, breaker, rate limit. No database."""

import random
from datetime import timedelta

import pytest

from orchestrator import ALL, BreakerPolicy, RateLimit, Retry, Workflow
from orchestrator.core import breaker as br
from orchestrator.core.clock import ManualClock
from orchestrator.core.dag import CycleError, downstream_closure, topological_order
from orchestrator.core.ratelimit import refill, seconds_until_token
from orchestrator.core.workflow import DefinitionError


def _noop(ctx, partition):
    return None


def test_topological_order_keeps_declaration_order_and_finds_cycles():
    assert topological_order({"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]}) == [
        "a",
        "b",
        "c",
        "d",
    ]
    with pytest.raises(CycleError, match="a -> b -> a|b -> a -> b"):
        topological_order({"a": ["b"], "b": ["a"]})
    with pytest.raises(KeyError, match="unknown stage 'x'"):
        topological_order({"a": ["x"]})
    assert downstream_closure({"a": [], "b": ["a"], "c": ["b"], "d": []}, "a") == {"b", "c"}


def _pipeline(modes=None):
    wf = Workflow("t", modes=modes, register=False)
    for name, after in [
        ("collect", None),
        ("convert", "collect"),
        ("image", "convert"),
        ("price", "image"),
        ("register", "price"),
    ]:
        wf.stage(_noop, name=name, after=after)
    return wf


def test_skipped_stages_are_transparent_in_a_mode():
    wf = _pipeline({"full": ALL, "partial": ["collect", "price", "register"]})
    assert wf.effective_deps("partial") == {
        "collect": frozenset(),
        "price": frozenset({"collect"}),
        "register": frozenset({"price"}),
    }
    assert wf.effective_deps("full")["image"] == frozenset({"convert"})
    with pytest.raises(DefinitionError, match="no mode 'nightly'"):
        wf.stages_in_mode("nightly")


def test_declaring_mistakes_are_clear():
    wf = Workflow("t", register=False)
    wf.stage(_noop, name="a")
    with pytest.raises(DefinitionError, match="already has a stage 'a'"):
        wf.stage(_noop, name="a")
    with pytest.raises(DefinitionError, match="runs after 'zzz'"):
        wf.stage(_noop, name="b", after="zzz")
    bad = Workflow("m", modes={"x": ["a", "nope"]}, register=False)
    bad.stage(_noop, name="a")
    with pytest.raises(DefinitionError, match="unknown stages"):
        bad.validate()
    empty = Workflow("e", partitions=[], register=False)
    with pytest.raises(DefinitionError, match="no partitions"):
        empty.partitions({})


def test_partitions_are_deduplicated_and_may_depend_on_params():
    wf = Workflow("p", partitions=lambda params: params["brands"].split(","), register=False)
    assert wf.partitions({"brands": "NIKE,ADIDAS,NIKE"}) == ["NIKE", "ADIDAS"]
    assert Workflow("single", register=False).partitions({}) == ["-"]


@pytest.mark.parametrize(
    ("retry", "failures", "expected"),
    [
        (Retry(backoff="fixed", base_delay=5, jitter=0), 1, 5),
        (Retry(backoff="fixed", base_delay=5, jitter=0), 3, 5),
        (Retry(backoff="exponential", base_delay=2, jitter=0), 1, 2),
        (Retry(backoff="exponential", base_delay=2, jitter=0), 3, 8),
        (Retry(backoff="exponential", base_delay=2, max_delay=10, jitter=0), 6, 10),
    ],
)
def test_retry_delays(retry, failures, expected):
    assert retry.delay(failures) == expected


def test_retry_jitter_only_shortens_and_spreads():
    retry = Retry(base_delay=10, backoff="fixed", jitter=0.5)
    rng = random.Random(7)
    delays = [retry.delay(1, rng) for _ in range(200)]
    assert all(5 <= d <= 10 for d in delays)
    assert len({round(d, 3) for d in delays}) > 100


def test_retry_attempts_and_exceptions_not_retried():
    retry = Retry(attempts=3, no_retry_on=(ValueError,))
    assert retry.should_retry(1, RuntimeError()) and retry.should_retry(2, None)
    assert not retry.should_retry(3, RuntimeError())
    assert not retry.should_retry(1, ValueError())
    with pytest.raises(ValueError, match="attempts"):
        Retry(attempts=0)


def test_breaker_state_machine():
    policy = BreakerPolicy(threshold=3, reset_after=60)
    clock = ManualClock()
    state = br.BreakerState()
    for _ in range(2):
        state = br.on_failure(state, policy, clock.now())
    assert state.status == br.CLOSED and br.allows(state, policy, clock.now(), running=5) > 0
    state = br.on_failure(state, policy, clock.now())
    assert state.status == br.OPEN
    assert br.allows(state, policy, clock.now(), running=0) == 0
    clock.advance(59)
    assert br.effective_status(state, policy, clock.now()) == br.OPEN
    clock.advance(1)
    assert br.effective_status(state, policy, clock.now()) == br.HALF_OPEN
    assert br.allows(state, policy, clock.now(), running=0) == 1  # one trial
    assert br.allows(state, policy, clock.now(), running=1) == 0
    reopened = br.on_failure(state, policy, clock.now())
    assert reopened.status == br.OPEN and reopened.opened_at == clock.now()
    closed = br.on_success(state, policy, clock.now())
    assert closed == br.BreakerState()
    # a success in CLOSED forgets earlier failures: the threshold counts consecutive ones
    assert br.on_success(br.BreakerState(failures=2), policy, clock.now()).failures == 0


def test_token_bucket():
    limit = RateLimit(rate=2, per=1.0, burst=4)
    clock = ManualClock()
    assert refill(limit, 0, None, clock.now()) == 4  # a new bucket starts full
    later = clock.now() + timedelta(seconds=0.5)
    assert refill(limit, 0, clock.now(), later) == 1
    assert refill(limit, 3, clock.now(), later + timedelta(seconds=10)) == 4
    assert seconds_until_token(limit, 0.5) == 0.25
