"""Kind ``domeggook`` against a local ``/ssl/api/`` that checks aid, mode, ver, om and market."""

from __future__ import annotations

import time

import pytest

from suppliers.connectors import AuthError, ConfigError, StockInfo, connector_for
from suppliers.connectors.domeggook import dome_price
from suppliers.connectors.testing import ConnectorContract, read_all, source_ids
from suppliers.tests.local_servers import DomeggookApi

AID = "aid-6e0f2b9d4c8a1357"
WRONG_AID = "aid-bad-00ff11ee22dd"


def _item(no: int, **changes) -> dict:
    return {
        "no": no,
        "title": f"도매꾹 상품  {no}",
        "price": 1000 + no,
        "thumb": f"https://cdn1.domeggook.com/upload/item/{no}_stt_150.png",
        "unitQty": 1,
        "id": "supplier01",
        "deli": {"who": "S", "fee": 0},
        **changes,
    }


ITEMS = [
    _item(101),
    _item(102, price="1+3800|20+3500|50+3300"),  # quantity tiers: the single-piece price
    _item(103, price="4,500"),
    _item(104, price="문의"),  # not a price: rejected
    _item(105),
    _item(106),
    _item(107),  # alone on the last page of 3: arrives as an object, not a list
]
GOOD = ["101", "102", "103", "105", "106", "107"]
VIEWS = {
    "101": {
        "basis": {"no": 101, "status": "판매중", "title": "도매꾹 상품 101"},
        "price": {"dome": 1101},
        "qty": {"inventory": 40},
    },
    "102": {
        "basis": {"no": 102, "status": "판매중", "title": "도매꾹 상품 102"},
        "price": {"dome": "1+3800|20+3500"},
        "qty": {"inventory": 0},
    },
    "103": {
        "basis": {"no": 103, "status": "판매종료", "title": "도매꾹 상품 103"},
        "price": {"dome": 4500},
        "qty": {"inventory": 12},
    },
}


@pytest.fixture
def server():
    with DomeggookApi(aid=AID, items=ITEMS, views=VIEWS) as api:
        yield api


def _connector(server, aid=AID, **extra):
    settings = {
        "base_url": f"{server.url}/ssl/api/",
        "page_size": 3,
        "rate_limit": None,
        "timeout": 2,
        "backoff_seconds": 0.01,
        **extra,
    }
    return connector_for("domeggook", settings, {"aid": aid})


class TestDomeggookContract(ConnectorContract):
    expected_count = len(GOOD)

    @pytest.fixture
    def connector(self, server):
        with _connector(server) as connector:
            yield connector

    @pytest.fixture
    def broken_connector(self, server):
        with _connector(server, WRONG_AID) as connector:
            yield connector

    @pytest.fixture
    def secrets(self):
        return [AID, WRONG_AID]


@pytest.mark.parametrize(
    ("value", "price"),
    [
        (3800, 3800),
        ("3800", 3800),
        ("3,800", 3800),
        ("1+3800|20+3500|50+3300", 3800),
        ("20+3500|1+3800", 3800),
        ("1 + 3,800 | 20 + 3,500", 3800),
    ],
)
def test_dome_price_takes_the_single_piece_tier(value, price):
    assert dome_price(value) == price


@pytest.mark.parametrize("value", ["문의", "1+abc|20+3500", "1+3800|", None, ""])
def test_dome_price_refuses_what_is_not_a_price(value):
    with pytest.raises(ValueError):
        dome_price(value)


def test_list_pages_are_read_and_the_bad_item_reported(server):
    with _connector(server) as connector:
        pages = read_all(connector)
    assert len(pages) == 3 and source_ids(pages) == GOOD
    records = {r.source_id: r for p in pages for r in p.records}
    assert records["102"].price == 3800 and records["103"].price == 4500
    assert records["101"].name == "도매꾹 상품 101"  # whitespace collapsed
    assert records["101"].images == ("https://cdn1.domeggook.com/upload/item/101_stt_150.png",)
    assert records["101"].raw["deli"] == {"who": "S", "fee": 0}
    assert [(r.row, r.column, r.value, r.reason) for p in pages for r in p.rejected] == [
        ("104", "price", "문의", "price not a number")
    ]


def test_stock_comes_from_get_item_view(server):
    with _connector(server) as connector:
        stock = connector.read_stock(["101", "102", "103", "999"])
    assert stock == {
        "101": StockInfo(available=True, quantity=40),
        "102": StockInfo(available=False, quantity=0),
        "103": StockInfo(available=False, quantity=12),  # 판매종료: no longer sold
    }


def test_a_refused_aid_is_an_auth_error_and_the_echoed_key_is_hidden(server):
    with _connector(server, WRONG_AID) as connector:
        with pytest.raises(AuthError) as info:
            connector.read(None)
        with pytest.raises(AuthError):
            connector.read_stock(["101"])
    assert "invalid aid ***" in str(info.value)
    assert WRONG_AID not in str(info.value)


def test_the_supply_market_is_sent_and_accepted(server):
    with _connector(server, market="supply") as connector:
        assert connector.check().ok


def test_the_rate_limit_paces_requests(server):
    with _connector(server, rate_limit=10) as connector:
        assert connector.capabilities.rate_limit == 10
        started = time.monotonic()
        connector.read_stock(["101", "102", "103", "101"])
        assert time.monotonic() - started >= 0.29  # 4 calls at 10/s: 3 gaps of 0.1 s


@pytest.mark.parametrize(
    ("settings", "credentials", "message"),
    [
        ({}, {}, "needs credential: aid"),
        ({"market": "retail"}, {"aid": AID}, "dome or supply"),
        ({"page_size": 500}, {"aid": AID}, "between 1 and 200"),
    ],
)
def test_bad_settings_are_config_errors(settings, credentials, message):
    with pytest.raises(ConfigError, match=message):
        connector_for("domeggook", settings, credentials)
