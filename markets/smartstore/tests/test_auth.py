"""Getting, caching and renewing the token against the local server, clock skew included."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from markets.contract import ListingState, MarketConfig
from markets.listing import MarketAuthError
from markets.smartstore.connector import SmartStoreConnector
from markets.smartstore.testing import NaverContractServer

from .conftest import config_for


def test_the_token_is_fetched_once_cached_and_stored(connector, server, stored_credentials):
    assert connector.find("nothing-here") is None
    assert connector.find("nothing-here-either") is None
    assert server.tokens_issued == 1
    assert len(stored_credentials) == 1
    stored = stored_credentials[0]
    assert stored["access_token"].startswith("ntk-")
    expires = datetime.fromisoformat(stored["token_expires_at"])
    assert abs((expires - datetime.now(UTC)) - timedelta(seconds=10_800)) < timedelta(seconds=30)


def test_a_stored_token_is_reused_by_another_process(connector, server, stored_credentials):
    connector.find("warm-up")
    again = config_for(server, credentials={**server.credentials(), **stored_credentials[0]})
    with SmartStoreConnector(again) as other:
        assert other.find("warm-up") is None
    assert server.tokens_issued == 1


def test_an_expired_stored_token_is_renewed_before_the_call(server):
    stale = {
        **server.credentials(),
        "access_token": "ntk-old",
        "token_expires_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
    }
    stored = []
    with SmartStoreConnector(
        config_for(server, credentials=stale, on_credentials=stored.append)
    ) as live:
        assert live.find("x") is None
    assert server.tokens_issued == 1
    assert stored and stored[0]["access_token"] != "ntk-old"
    assert all(status != 401 for _, _, status in server.hits)


def test_a_token_refused_with_gw_authn_is_renewed_once(connector, server, stored_credentials):
    connector.find("warm-up")
    server.tokens_revoke()
    assert connector.find("after-revoke") is None
    assert server.tokens_issued == 2
    assert [status for _, _, status in server.hits].count(401) == 1
    assert stored_credentials[-1]["access_token"] != stored_credentials[0]["access_token"]


def test_a_token_refused_again_after_renewal_is_an_auth_error(server):
    with NaverContractServer(token_ttl=0) as dead, SmartStoreConnector(config_for(dead)) as live:
        with pytest.raises(MarketAuthError):
            live.find("x")
        assert dead.tokens_issued == 2  # the first, and the one renewal


def test_a_clock_more_than_five_minutes_off_is_refused_with_advice(server):
    behind = time.time() - 6 * 60
    with (
        SmartStoreConnector(config_for(server), now=lambda: behind) as live,
        pytest.raises(MarketAuthError) as caught,
    ):
        live.find("x")
    assert "clock" in str(caught.value)
    assert server.client_secret not in str(caught.value)
    assert server.tokens_issued == 0


def test_a_clock_within_five_minutes_is_accepted(server):
    behind = time.time() - 4 * 60
    with SmartStoreConnector(config_for(server), now=lambda: behind) as live:
        assert live.find("x") is None
    assert server.tokens_issued == 1


def test_the_token_request_is_a_form_body_and_a_query_string_is_refused(server):
    answer = httpx.post(server.base_url + "/v1/oauth2/token?client_id=x", timeout=2)
    assert answer.status_code == 400
    assert answer.json()["invalidInputs"]


def test_a_seller_token_needs_the_account_id(server):
    config = config_for(server, settings={**server.settings(), "token_type": "SELLER"})
    with SmartStoreConnector(config) as live:
        assert any("account_id" in p for p in live.settings_problems())
        with pytest.raises(MarketAuthError):
            live.find("x")
    seller = config_for(
        server,
        settings={**server.settings(), "token_type": "SELLER"},
        credentials={**server.credentials(), "account_id": "ncp_seller"},
    )
    with SmartStoreConnector(seller) as live:
        assert live.settings_problems() == []
        assert live.find("x") is None


def test_missing_settings_are_named_in_plain_words(server):
    config = MarketConfig(kind="smartstore", account="bare", settings={"base_url": server.base_url})
    with SmartStoreConnector(config) as bare:
        problems = "\n".join(bare.settings_problems())
    for key in (
        "after_service_telephone",
        "delivery_company",
        "shipping_address_id",
        "client_secret",
    ):
        assert key in problems
    assert "반품" in problems


def test_an_update_without_the_product_number_is_not_built(connector, content):
    from markets.contract import Operation
    from markets.listing import ListingRejected

    with pytest.raises(ListingRejected):
        connector.request_for(Operation.UPDATE, content, ListingState(content.reference_number))
