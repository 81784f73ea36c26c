"""The market's rate limits: a burst beyond the goods-call limit and beyond the goods search's
limit gets the market's 429, and the connector says when to come back (bounded, fast)."""

from __future__ import annotations

import dataclasses
import time

import pytest

from markets.contract import ListingState, MarketUnavailable, Operation
from markets.testing import send


def test_a_burst_beyond_the_limit_is_refused_with_a_wait(server, connector, content):
    state = send(connector, Operation.CREATE, content, ListingState(content.reference_number))
    server.rate_limit(5, burst=5)
    accepted, refused = 0, []
    started = time.monotonic()
    for step in range(1, 11):
        dearer = dataclasses.replace(content, price=content.price + step * 10)
        request = connector.request_for(Operation.PRICE, dearer, state)
        try:
            connector.send(request, state)
            accepted += 1
        except MarketUnavailable as exc:
            refused.append(exc)
    assert time.monotonic() - started < 3
    assert 5 <= accepted < 10
    assert refused and all(e.status_code == 429 for e in refused)
    assert all(e.retry_after == server.retry_after for e in refused)
    assert server.creates[content.reference_number] == 1


def test_the_goods_search_is_limited_per_minute(server, connector, content):
    server.search_per_minute = 3
    for _ in range(3):
        assert connector.find(content.reference_number) is None
    with pytest.raises(MarketUnavailable) as caught:
        connector.find(content.reference_number)
    assert caught.value.status_code == 429
    assert 0 < caught.value.retry_after <= 61


def test_find_answers_the_goods_and_site_numbers(server, connector, content):
    state = send(connector, Operation.CREATE, content, ListingState(content.reference_number))
    found = connector.find(content.reference_number)
    assert found is not None
    assert found.external_id == state.external_id
    assert found.external_ids == state.external_ids
    assert set(found.external_ids) == {"gmarket_goods_no", "auction_goods_no"}
