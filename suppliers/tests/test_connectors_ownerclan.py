"""Kind ``ownerclan`` against a local login + GraphQL server that issues and verifies real JWTs."""

from __future__ import annotations

import time

import httpx
import pytest

from suppliers.connectors import AuthError, ConfigError, SourceError, StockInfo, connector_for
from suppliers.connectors.ownerclan import ALL_ITEMS
from suppliers.connectors.testing import ConnectorContract, read_all, source_ids
from suppliers.tests.local_servers import OwnerclanApi

USERNAME = "seller-kim"
PASSWORD = "pw-9f2e7c41b0"
WRONG_PASSWORD = "pw-wrong-1d3a5b"
NOW = int(time.time())


def _item(n: int, *, quantities=(3, 2), status="available", **changes) -> dict:
    return {
        "key": f"W{n:06}",
        "name": f"오너클랜 상품 {n}",
        "model": f"M-{n}",
        "production": "제조사",
        "origin": "대한민국",
        "price": 1500 * n,
        "fixedPrice": 3000 * n,
        "status": status,
        "updatedAt": NOW - n * 60,
        "category": {"key": "50000123", "name": "생활용품"},
        "options": [
            {
                "key": f"W{n:06}-{i}",
                "price": 1500 * n,
                "quantity": quantity,
                "optionAttributes": [{"name": "색상", "value": colour}],
            }
            for i, (quantity, colour) in enumerate(
                zip(quantities, ("블랙", "화이트"), strict=False)
            )
        ],
        "images": [f"https://cdn.example.com/ownerclan/{n}/large.jpg"],
        **changes,
    }


ITEMS = [
    _item(1),
    _item(2),
    _item(3, quantities=(0, 0), status="soldout"),
    _item(4, price=None),  # no price: rejected
    _item(5),
    _item(6),
    _item(7, quantities=()),
    _item(8),
]
GOOD_KEYS = [i["key"] for i in ITEMS if i["price"]]
HISTORIES = [
    {"itemKey": "W000003", "kind": "OUT_OF_STOCK", "createdAt": NOW - 300},
    {"itemKey": "W000999", "kind": "OUT_OF_STOCK", "createdAt": NOW - 200},  # gone from items
    {"itemKey": "W000005", "kind": "OUT_OF_STOCK", "createdAt": NOW - 10 * 86400},  # too old
]


@pytest.fixture
def server():
    with OwnerclanApi(
        username=USERNAME, password=PASSWORD, items=ITEMS, histories=HISTORIES
    ) as api:
        yield api


def _settings(server: OwnerclanApi, **extra) -> dict:
    return {
        "auth_url": f"{server.url}/auth",
        "graphql_url": f"{server.url}/v1/graphql",
        "page_size": 3,
        "timeout": 2,
        "backoff_seconds": 0.01,
        **extra,
    }


def _connector(server, password=PASSWORD, **extra):
    return connector_for(
        "ownerclan", _settings(server, **extra), {"username": USERNAME, "password": password}
    )


class TestOwnerclanContract(ConnectorContract):
    expected_count = len(GOOD_KEYS)

    @pytest.fixture
    def connector(self, server):
        with _connector(server) as connector:
            yield connector

    @pytest.fixture
    def broken_connector(self, server):
        with _connector(server, WRONG_PASSWORD) as connector:
            yield connector

    @pytest.fixture
    def secrets(self):
        return [PASSWORD, WRONG_PASSWORD]


def test_items_are_read_with_options_stock_and_the_bad_one_reported(server):
    with _connector(server) as connector:
        pages = read_all(connector)
    assert source_ids(pages) == GOOD_KEYS
    first = pages[0].records[0]
    assert (first.name, first.price, first.stock) == ("오너클랜 상품 1", 1500, 5)
    assert first.category == ("생활용품",)
    assert first.images == ("https://cdn.example.com/ownerclan/1/large.jpg",)
    assert [(o.key, o.name, o.stock, o.attributes) for o in first.options] == [
        ("W000001-0", "블랙", 3, (("색상", "블랙"),)),
        ("W000001-1", "화이트", 2, (("색상", "화이트"),)),
    ]
    assert first.updated_at.endswith("+00:00")
    no_options = next(r for p in pages for r in p.records if r.source_id == "W000007")
    assert no_options.stock is None
    assert [(r.row, r.column, r.reason) for p in pages for r in p.rejected] == [
        ("W000004", "price", "price not a number")
    ]


def test_one_login_serves_every_page(server):
    with _connector(server) as connector:
        read_all(connector)
        connector.read_stock(["W000001"])
    assert server.logins == 1
    assert server.statuses("/auth") == [200]


def test_a_token_the_server_no_longer_accepts_is_replaced_by_logging_in_again(server):
    with _connector(server) as connector:
        first = connector.read(None)
        server.rotate_secret()  # every issued token is now invalid
        second = connector.read(first.next_cursor)
    assert second.records
    assert server.rejected_tokens == 1 and server.logins == 2


def test_the_server_rejects_forged_and_missing_tokens(server):
    body = {"query": ALL_ITEMS, "variables": {"first": 1, "after": None}}
    forged = server.issue().rsplit(".", 1)[0] + ".c2lnbmF0dXJl"
    with httpx.Client(timeout=2) as client:
        assert client.post(f"{server.url}/v1/graphql", json=body).status_code == 401
        headers = {"Authorization": f"Bearer {forged}"}
        assert (
            client.post(f"{server.url}/v1/graphql", json=body, headers=headers).status_code == 401
        )
        login = {
            "service": "ownerclan",
            "userType": "seller",
            "username": USERNAME,
            "password": PASSWORD,
        }
        token = client.post(f"{server.url}/auth", json=login).text
        headers = {"Authorization": f"Bearer {token}"}
        assert (
            client.post(f"{server.url}/v1/graphql", json=body, headers=headers).status_code == 200
        )


def test_a_wrong_password_is_an_auth_error_that_never_shows_the_password(server):
    with _connector(server, WRONG_PASSWORD) as connector:
        with pytest.raises(AuthError) as info:
            connector.read(None)
        result = connector.check()
    assert "HTTP 401" in str(info.value) and WRONG_PASSWORD not in str(info.value)
    assert not result.ok and not result.retryable
    assert server.statuses("/v1/graphql") == []  # never got past the login


def test_stock_comes_from_items_and_the_out_of_stock_history(server):
    with _connector(server) as connector:
        stock = connector.read_stock(["W000001", "W000003", "W000005", "W000999", "W000404"])
    sold_out_at = stock["W000003"].changed_at
    assert stock["W000001"] == StockInfo(available=True, quantity=5)
    assert stock["W000003"].available is False and stock["W000003"].quantity == 0
    assert sold_out_at is not None and sold_out_at.endswith("+00:00")
    # The event for W000005 is older than the lookback, and the item has stock: available.
    assert stock["W000005"] == StockInfo(available=True, quantity=5)
    # Gone from items(keys) but sold out within the window: reported sold out.
    assert stock["W000999"].available is False and stock["W000999"].changed_at
    assert "W000404" not in stock  # neither: unknown, not guessed


def test_graphql_errors_are_source_errors(server):
    with (
        _connector(server, page_size=500) as connector,  # the server allows first <= 100
        pytest.raises(SourceError, match="first must be 1..100"),
    ):
        connector.read(None)


def test_missing_credentials_are_a_config_error(server):
    with pytest.raises(ConfigError, match="password"):
        connector_for("ownerclan", _settings(server), {"username": USERNAME})
