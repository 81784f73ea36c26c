"""Each answer shape of the ESM Trading API maps to the right error, over real HTTP against a
loopback server that answers exactly those shapes."""

from __future__ import annotations

import dataclasses
import time
from collections import deque

import pytest

from markets.contract import (
    ListingRejected,
    ListingState,
    MarketAuthError,
    MarketUnavailable,
    Operation,
    connector_for,
)
from markets.contract_server import Answer, Call
from markets.gmarket.testing import GmarketContractServer
from markets.testing import send

from .conftest import config_for, make_content


class ScriptedEsm(GmarketContractServer):
    """Answers the queued ``(status, headers, body)`` in order, optionally after a pause,
    instead of the contract (whose token and body checks are covered elsewhere)."""

    def __init__(self) -> None:
        super().__init__(stall_seconds=0.5)
        self.script: deque[tuple[Answer, float]] = deque()

    def then(self, status: int, body, headers=None, pause: float = 0.0) -> ScriptedEsm:
        self.script.append(((status, dict(headers or {}), body), pause))
        return self

    def route(self, call: Call) -> Answer:
        answer, pause = self.script.popleft()
        time.sleep(pause)
        return answer


@pytest.fixture
def scripted():
    with ScriptedEsm() as server:
        yield server


def create_against(server, **config):
    content = make_content()
    state = ListingState(content.reference_number)
    with connector_for(config_for(server, **config)) as connector:
        return connector.send(connector.request_for(Operation.CREATE, content, state), state)


def test_a_non_zero_result_code_with_http_200_is_a_rejection(scripted):
    scripted.then(200, {"resultCode": 1000, "message": "카테고리 정보가 올바르지 않습니다."})
    with pytest.raises(ListingRejected) as caught:
        create_against(scripted)
    assert caught.value.errors == {
        "goods": ["카테고리 정보가 올바르지 않습니다. (resultCode 1000)"]
    }
    assert caught.value.conflict is None


def test_a_400_with_a_result_code_is_a_rejection(scripted):
    scripted.then(
        400, {"resultCode": 1000, "message": "판매기간은 -1, 0, 15, 30, 60, 90만 가능합니다."}
    )
    with pytest.raises(ListingRejected) as caught:
        create_against(scripted)
    assert caught.value.status_code == 400
    assert "판매기간" in caught.value.errors["goods"][0]


def test_goods_the_market_does_not_have_is_a_missing_conflict(server, connector, content):
    state = ListingState(content.reference_number, external_id="999")
    request = connector.request_for(Operation.UPDATE, content, state)
    assert connector.validate(request, state) == {}
    with pytest.raises(ListingRejected) as caught:
        connector.send(request, state)
    assert caught.value.conflict == "missing"
    assert "상품이 없습니다" in caught.value.errors["goods"][0]


def test_a_404_without_a_result_code_is_a_missing_conflict(scripted):
    scripted.then(404, {"message": "not found"})
    content = make_content()
    state = ListingState(content.reference_number, external_id="12")
    with connector_for(config_for(scripted)) as connector, pytest.raises(ListingRejected) as caught:
        connector.send(connector.request_for(Operation.PRICE, content, state), state)
    assert caught.value.conflict == "missing"


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_raise_auth_error(scripted, status):
    scripted.then(
        status, {"status": {"message": "허용되지 않은 IP 입니다.", "status_code": status}}
    )
    with pytest.raises(MarketAuthError) as caught:
        create_against(scripted)
    assert "허용되지 않은 IP" in str(caught.value)
    assert scripted.secret_key not in str(caught.value)


def test_a_429_gives_its_retry_after(scripted):
    scripted.then(429, {"resultCode": 3000, "message": "limit"}, {"Retry-After": "7"})
    with pytest.raises(MarketUnavailable) as caught:
        create_against(scripted)
    assert caught.value.retry_after == 7
    assert caught.value.status_code == 429


def test_result_code_3000_without_retry_after_waits_a_minute(scripted):
    scripted.then(200, {"resultCode": 3000, "message": "호출 한도 초과"})
    with pytest.raises(MarketUnavailable) as caught:
        create_against(scripted)
    assert caught.value.retry_after == 60


def test_a_short_rate_limit_is_waited_for_then_the_call_goes_through(server, content):
    server.retry_after = 0.05
    server.fail_next(429, times=1)
    answer = create_against(server, settings={"rate_limit_max_wait": 1})
    assert answer.external_id
    assert server.creates[content.reference_number] == 1
    assert [status for _, _, status in server.hits] == [429, 200]


def test_a_5xx_is_retryable_with_its_retry_after(scripted):
    scripted.then(503, {"message": "maintenance"}, {"Retry-After": "30"})
    with pytest.raises(MarketUnavailable) as caught:
        create_against(scripted)
    assert caught.value.retry_after == 30 and caught.value.status_code == 503


def test_a_timeout_is_retryable(scripted):
    scripted.then(200, {"resultCode": 0, "goodsNo": 1}, pause=0.6)
    started = time.monotonic()
    with pytest.raises(MarketUnavailable, match="timed out"):
        create_against(scripted, timeout=0.2)
    assert time.monotonic() - started < 2


def test_a_register_answer_without_goods_no_is_retryable(scripted):
    scripted.then(200, {"resultCode": 0, "message": None})
    with pytest.raises(MarketUnavailable, match="goodsNo"):
        create_against(scripted)


def test_a_stopped_listing_refuses_a_price_change(server, connector, content):
    state = send(connector, Operation.CREATE, content, ListingState(content.reference_number))
    send(connector, Operation.SUSPEND, content, state)
    dearer = dataclasses.replace(content, price=content.price + 1000)
    request = connector.request_for(Operation.PRICE, dearer, state)
    with pytest.raises(ListingRejected, match="판매중지"):
        connector.send(request, state)


def test_the_server_refuses_what_the_validator_refuses(server, connector, content):
    blank = dataclasses.replace(content, name="", price=12345)
    state = ListingState(content.reference_number)
    request = connector.request_for(Operation.CREATE, blank, state)
    errors = connector.validate(request, state)
    assert set(errors) == {
        "itemBasicInfo.goodsName.kor",
        "itemAddtionalInfo.price.Gmkt",
        "itemAddtionalInfo.price.Iac",
    }
    with pytest.raises(ListingRejected) as caught:
        connector.send(request, state)
    assert caught.value.status_code == 400
    for field in errors:
        assert field in caught.value.errors["goods"][0]
    assert server.creates[content.reference_number] == 0
