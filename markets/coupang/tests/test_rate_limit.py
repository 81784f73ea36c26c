"""Coupang's rate (about 10 calls a second per vendor): the connector paces its own calls to it
(every thread of the process in turn); a burst beyond it (another process's calls) gets 429,
which the connector waits out when the wait is short, and raises as retryable otherwise."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from markets.contract import MarketUnavailable, connector_for

from .conftest import config_for


def test_calls_from_many_threads_keep_within_the_vendors_rate(server):
    # One token of slack: the market's bucket starts at the first call's arrival, a little
    # after the connector's.
    server.rate_limit(10, burst=11)
    started = time.monotonic()
    config = config_for(server, settings={"rate_limit_max_wait": 0})
    with connector_for(config) as connector, ThreadPoolExecutor(max_workers=20) as pool:
        found = list(pool.map(lambda index: connector.find(f"ref-{index}"), range(25)))
    assert found == [None] * 25
    assert [status for _, _, status in server.hits] == [200] * 25  # never a 429
    assert time.monotonic() - started >= 1.3  # 10 at once, then 10 a second


def test_the_rate_setting_overrides_coupangs(connector, server):
    config = config_for(server, settings={"rate_limit": 200})
    with connector_for(config) as fast:
        started = time.monotonic()
        for index in range(40):
            fast.find(f"ref-{index}")
        assert time.monotonic() - started < 2.5  # Coupang's own 10 a second would take 4 s
    assert "rate_limit" not in " ".join(fast.settings_problems())
    bad = config_for(server, settings={"rate_limit": "0"})
    assert connector_for(bad).settings_problems() == [
        "rate_limit must be calls per second above 0, not '0'."
    ]


def test_a_burst_beyond_the_limit_is_refused_with_a_wait(server):
    # Another process's calls: this one believes it may make 1,000 a second.
    server.rate_limit(10, burst=10)
    refused = []

    def lookup(connector, index: int) -> None:
        try:
            connector.find(f"ref-{index}")
        except MarketUnavailable as exc:
            refused.append(exc)

    started = time.monotonic()
    config = config_for(server, settings={"rate_limit_max_wait": 0, "rate_limit": 1000})
    with connector_for(config) as connector, ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda index: lookup(connector, index), range(20)))
    assert time.monotonic() - started < 3
    assert len(refused) >= 5, "20 calls at once must pass a limit of 10 a second"
    assert all(exc.status_code == 429 and exc.retry_after == 1.0 for exc in refused)
    assert sum(1 for _, _, status in server.hits if status == 429) == len(refused)


def test_a_short_wait_is_waited_out_and_the_call_succeeds(server):
    server.rate_limit(10, burst=1)
    settings = {"rate_limit_max_wait": 1.5, "rate_limit": 1000}
    with connector_for(config_for(server, settings=settings)) as connector:
        assert connector.find("ref-a") is None
        started = time.monotonic()
        assert connector.find("ref-b") is None  # 429 first, then after Retry-After: 1
        assert 0.9 <= time.monotonic() - started < 3
    assert [status for _, _, status in server.hits] == [200, 429, 200]


def test_429_beyond_the_retries_is_raised(server):
    server.fail_next(429, times=5)
    config = config_for(server, settings={"rate_limit_max_wait": 0})
    with connector_for(config) as connector, pytest.raises(MarketUnavailable) as caught:
        connector.find("ref-a")
    assert caught.value.retry_after == 1.0
