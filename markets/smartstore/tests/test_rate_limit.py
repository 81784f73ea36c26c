"""The per-application token bucket: Naver's 429 shape, its headers, and the connector's wait."""

from __future__ import annotations

import time

import httpx
import pytest

from markets.listing import MarketUnavailable
from markets.smartstore.connector import SmartStoreConnector

from .conftest import config_for


def test_a_burst_beyond_the_bucket_gets_naver_s_429(server):
    server.rate_limit(1, burst=2)
    token = httpx.post(
        server.base_url + "/v1/oauth2/token", data={}, timeout=2
    )  # refused (400) but counted on its own key; the bucket below is per Authorization
    assert token.status_code == 400
    headers = {"Authorization": "Bearer anything"}
    answers = [
        httpx.get(server.base_url + "/v2/products/origin-products/1", headers=headers, timeout=2)
        for _ in range(3)
    ]
    limited = answers[-1]
    assert limited.status_code == 429
    assert limited.json()["code"] == "GW.RATE_LIMIT"
    assert limited.headers["GNCP-GW-RateLimit-Replenish-Rate"] == "1"
    assert limited.headers["GNCP-GW-RateLimit-Burst-Capacity"] == "2"
    assert limited.headers["GNCP-GW-RateLimit-Remaining"] == "0"


def test_the_connector_raises_unavailable_with_the_bucket_s_wait(server):
    server.rate_limit(1, burst=2)
    started = time.monotonic()
    with SmartStoreConnector(config_for(server), max_wait=0.5) as live:
        live.find("a")
        live.find("b")
        with pytest.raises(MarketUnavailable) as caught:
            live.find("c")
    assert caught.value.retry_after == 1.0
    assert caught.value.status_code == 429
    assert time.monotonic() - started < 2.0


def test_a_short_wait_is_waited_once_and_the_call_goes_through(server):
    server.rate_limit(10, burst=1)
    with SmartStoreConnector(config_for(server)) as live:
        live.find("a")
        assert live.find("b") is None
    statuses = [status for _, path, status in server.hits if path.endswith("/search")]
    assert statuses.count(429) >= 1 and statuses[-1] == 200
