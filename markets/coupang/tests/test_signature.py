"""Signing as Coupang publishes it, and the contract server's refusals of bad signatures."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from markets.contract import MarketAuthError
from markets.coupang import contract, signature
from markets.coupang.connector import CoupangConnector

from .conftest import config_for

SECRET = "0123456789abcdef0123456789abcdef01234567"
PATH = "/v2/providers/seller_api/apis/api/v1/marketplace/seller-products/123"
QUERY = "createdAtFrom=2024-01-01&status=APPROVED"
# HMAC-SHA256(SECRET, "240102T030405Z" + "GET" + PATH + QUERY), computed apart from our code.
VECTOR = "8b9b77857856f7203d7ec16261bf4ed2f0ae5003fdb1f1583d88d22adb433920"


def test_signature_matches_the_published_recipe_and_a_fixed_vector():
    message = "240102T030405Z" + "GET" + PATH + QUERY
    independent = hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
    assert signature.signature(SECRET, "240102T030405Z", "GET", PATH, QUERY) == independent
    assert independent == VECTOR
    # the query is signed without its "?", and the method in capitals
    assert signature.signature(SECRET, "240102T030405Z", "get", PATH, "?" + QUERY) == VECTOR


def test_signed_date_is_utc_in_coupangs_short_form():
    seoul = timezone(timedelta(hours=9))
    moment = datetime(2024, 1, 2, 12, 4, 5, tzinfo=seoul)  # 03:04:05 UTC
    assert signature.signed_date(moment) == "240102T030405Z"
    assert signature.signed_date_parse("240102T030405Z") == moment.astimezone(UTC)
    assert signature.signed_date_parse("2024-01-02") is None


def test_authorization_header_has_the_published_form_and_parses_back():
    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    header = signature.authorization("my-access", SECRET, "GET", PATH, QUERY, now=moment)
    assert header == (
        f"CEA algorithm=HmacSHA256, access-key=my-access, signed-date=240102T030405Z, "
        f"signature={VECTOR}"
    )
    assert signature.authorization_parse(header) == {
        "algorithm": "HmacSHA256",
        "access_key": "my-access",
        "signed_date": "240102T030405Z",
        "signature": VECTOR,
    }
    assert signature.authorization_parse("Bearer abc") is None


def test_expiry_allows_five_minutes_either_way():
    now = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert not signature.is_expired(signature.signed_date(now - timedelta(minutes=4)), now)
    assert not signature.is_expired(signature.signed_date(now + timedelta(minutes=4)), now)
    assert signature.is_expired(signature.signed_date(now - timedelta(minutes=6)), now)
    assert signature.is_expired("garbage", now)


def _get(server, target: str, header: str) -> httpx.Response:
    return httpx.get(server.base_url + target, headers={"Authorization": header}, timeout=2)


def test_server_refuses_a_query_other_than_the_signed_one(server):
    path = contract.external_sku_path("ref-1")
    signed = signature.authorization(server.access_key, server.secret_key, "GET", path, "a=1")
    assert _get(server, f"{path}?a=1", signed).status_code == 200
    answer = _get(server, f"{path}?a=2", signed)
    assert answer.status_code == 401
    body = answer.json()
    assert body["code"] == "ERROR" and body["message"] == "Invalid signature."
    assert body["transactionId"]


def test_server_refuses_an_unknown_key_and_a_missing_header(server):
    path = contract.external_sku_path("ref-1")
    other = signature.authorization("someone-else", server.secret_key, "GET", path)
    assert _get(server, path, other).status_code == 401
    assert _get(server, path, "").status_code == 401


def test_a_clock_far_off_is_refused_as_expired_and_raised_as_auth(server):
    skewed = lambda: datetime.now(UTC) - timedelta(minutes=10)  # noqa: E731
    path = contract.external_sku_path("ref-1")
    header = signature.authorization(
        server.access_key, server.secret_key, "GET", path, now=skewed()
    )
    answer = _get(server, path, header)
    assert answer.status_code == 401
    assert answer.json()["message"] == "Specified signature is expired."
    with (
        CoupangConnector(config_for(server), now=skewed) as connector,
        pytest.raises(MarketAuthError, match="clock"),
    ):
        connector.find("ref-1")
    # signed once more with a fresh date, then refused again: two calls, no more
    assert [status for _, _, status in server.hits[-2:]] == [401, 401]


def test_an_expired_signature_is_signed_again_once(server):
    dates = iter([datetime.now(UTC) - timedelta(minutes=10)])
    clock = lambda: next(dates, datetime.now(UTC))  # noqa: E731
    with CoupangConnector(config_for(server), now=clock) as connector:
        assert connector.find("ref-unknown") is None
    assert [status for _, _, status in server.hits] == [401, 200]


def test_a_small_skew_is_accepted(server):
    ahead = lambda: datetime.now(UTC) + timedelta(minutes=2)  # noqa: E731
    with CoupangConnector(config_for(server), now=ahead) as connector:
        assert connector.find("ref-unknown") is None
