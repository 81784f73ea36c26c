"""Kind ``http`` against a real local REST server; also the transport's retries and the registry.

No mocks: ``RestApi`` (local_servers.py) checks the bearer token, pages, filters by
``updated_since`` and answers 429 / 503 as told. Waits are bounded: timeouts of about a second,
``Retry-After`` of at most 1 s.
"""

from __future__ import annotations

import socket
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from suppliers.connectors import (
    AuthError,
    ConfigError,
    SourceError,
    TransientError,
    connector_for,
    kinds,
    register,
    unregister,
)
from suppliers.connectors.http_api import HttpApiConnector, parse_retry_after
from suppliers.connectors.testing import ConnectorContract, read_all, source_ids
from suppliers.tests.local_servers import RestApi

TOKEN = "rest-token-5f1c9a77e2"
WRONG_TOKEN = "wrong-token-0b8d4e11"


def _product(n: int, **changes) -> dict:
    return {
        "id": f"P{n:03}",
        "name": f"테스트 상품 {n}",
        "price": 1000 * n,
        "stock": n % 4,
        "images": [f"https://img.example.com/{n}.jpg"],
        "category": "생활 > 주방",
        "options": [{"key": f"P{n:03}-1", "name": "블랙", "quantity": 2}],
        "updated_at": f"2025-01-{n:02}T09:00:00+09:00",
        **changes,
    }


GOOD = [_product(n) for n in range(1, 8)]
BAD = [
    _product(20, price="문의"),  # text where a number belongs
    _product(21, name=""),
    _product(22, id=None),
]
PRODUCTS = GOOD + BAD


def _settings(api: RestApi, **extra) -> dict:
    return {
        "url": f"{api.url}/v1/products",
        "items_path": "data.items",
        "page_size": 3,
        "since_param": "updated_since",
        "timeout": 1,
        "backoff_seconds": 0.01,
        "max_wait_seconds": 1,
        **extra,
    }


def _cursor_settings(api: RestApi, **extra) -> dict:
    return _settings(
        api,
        url=f"{api.url}/v2/products",
        items_path="items",
        pagination="cursor",
        cursor_param="cursor",
        size_param="limit",
        next_cursor_path="paging.next",
        **extra,
    )


@pytest.fixture
def api():
    # A contract run still meets a 429 and a 503 first; Retry-After 0 keeps it fast.
    with RestApi(
        token=TOKEN, products=PRODUCTS, faults=((429, {"Retry-After": "0"}), (503, {}))
    ) as server:
        yield server


class TestHttpPagedContract(ConnectorContract):
    expected_count = len(GOOD)

    @pytest.fixture
    def connector(self, api):
        with connector_for("http", _settings(api), {"token": TOKEN}) as connector:
            yield connector

    @pytest.fixture
    def broken_connector(self, api):
        with connector_for("http", _settings(api), {"token": WRONG_TOKEN}) as connector:
            yield connector

    @pytest.fixture
    def secrets(self):
        return [TOKEN, WRONG_TOKEN]


class TestHttpCursorContract(TestHttpPagedContract):
    @pytest.fixture
    def connector(self, api):
        with connector_for("http", _cursor_settings(api), {"token": TOKEN}) as connector:
            yield connector

    @pytest.fixture
    def broken_connector(self, api):
        with connector_for("http", _cursor_settings(api), {"token": WRONG_TOKEN}) as connector:
            yield connector


# --- retries -------------------------------------------------------------------------------


def test_429_with_retry_after_then_503_are_retried_and_retry_after_is_honoured():
    faults = ((429, {"Retry-After": "1"}), (503, {}))
    with RestApi(token=TOKEN, products=GOOD, faults=faults) as api:
        with connector_for("http", _settings(api), {"token": TOKEN}) as connector:
            started = time.monotonic()
            result = connector.read(None)
            elapsed = time.monotonic() - started
        assert api.statuses("/v1/products") == [429, 503, 200]
    assert [r.source_id for r in result.records] == ["P001", "P002", "P003"]
    assert 0.95 <= elapsed < 4


def test_a_retry_after_beyond_the_bound_is_raised_for_the_engine_not_slept():
    with RestApi(token=TOKEN, products=GOOD, faults=((429, {"Retry-After": "120"}),)) as api:
        with connector_for("http", _settings(api), {"token": TOKEN}) as connector:
            started = time.monotonic()
            with pytest.raises(TransientError) as info:
                connector.read(None)
            assert time.monotonic() - started < 10  # not the 120 s asked for
        assert api.statuses() == [429]
    assert info.value.retryable and info.value.retry_after == 120


def test_an_http_date_retry_after_is_understood():
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= parse_retry_after(soon) <= 31
    assert parse_retry_after("3") == 3
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_server_errors_stop_after_the_bounded_retries():
    with RestApi(token=TOKEN, products=GOOD, faults=((503, {}),) * 5) as api:
        settings = _settings(api, max_retries=2)
        with (
            connector_for("http", settings, {"token": TOKEN}) as connector,
            pytest.raises(TransientError, match="HTTP 503 after 3 attempts"),
        ):
            connector.read(None)
        assert api.statuses() == [503, 503, 503]


def test_a_refused_token_is_an_auth_error_and_not_retried(api):
    with connector_for("http", _settings(api), {"token": WRONG_TOKEN}) as connector:
        with pytest.raises(AuthError) as info:
            connector.read(None)
        result = connector.check()
    assert api.statuses() == [401, 401]
    assert not info.value.retryable
    assert not result.ok and "401" in result.message and WRONG_TOKEN not in result.message


def test_a_client_error_is_a_source_error_and_not_retried(api):
    settings = _settings(api, page_param="pg")  # the API wants "page": 400
    with (
        connector_for("http", settings, {"token": TOKEN}) as connector,
        pytest.raises(SourceError, match="HTTP 400"),
    ):
        connector.read(None)
    assert api.statuses() == [429, 503, 400]


def test_a_server_that_never_answers_times_out_within_the_bound():
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1/products"
        settings = {"url": url, "timeout": 0.3, "max_retries": 1, "backoff_seconds": 0.01}
        with connector_for("http", settings, {"token": TOKEN}) as connector:
            started = time.monotonic()
            with pytest.raises(TransientError, match="timed out after 2 attempts"):
                connector.read(None)
            assert time.monotonic() - started < 3


def test_a_closed_port_is_a_transient_connection_failure():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = {"url": f"http://127.0.0.1:{port}/x", "max_retries": 1, "backoff_seconds": 0.01}
    with connector_for("http", settings, {"token": TOKEN}) as connector:
        result = connector.check()
    assert not result.ok and result.retryable and "connection failed" in result.message


# --- records, rejections, incremental reads ------------------------------------------------


def test_records_are_normalized_and_bad_items_reported_once(api):
    with connector_for("http", _settings(api), {"token": TOKEN}) as connector:
        pages = read_all(connector)
    first = pages[0].records[0]
    assert first.source_id == "P001" and first.price == 1000 and first.stock == 1
    assert first.category == ("생활", "주방")
    assert first.images == ("https://img.example.com/1.jpg",)
    assert first.options[0].key == "P001-1" and first.options[0].stock == 2
    assert first.updated_at == "2025-01-01T09:00:00+09:00"
    rejected = [row for page in pages for row in page.rejected]
    assert [(r.row, r.column, r.value, r.reason) for r in rejected] == [
        ("P020", "price", "문의", "price not a number"),
        ("P021", "name", "", "missing name"),
        ("page 4 item 1", "id", None, "missing id"),
    ]


def test_a_duplicate_id_on_a_page_is_rejected_and_the_first_kept():
    products = [
        _product(1),
        _product(2),
        _product(1, name="다른 이름", updated_at="2025-01-01T09:00:00+09:00"),
    ]
    with (
        RestApi(token=TOKEN, products=products, faults=()) as api,
        connector_for("http", _settings(api), {"token": TOKEN}) as connector,
    ):
        result = connector.read(None)
    assert [r.name for r in result.records] == ["테스트 상품 1", "테스트 상품 2"]
    assert [(r.row, r.reason) for r in result.rejected] == [
        ("P001", "duplicate id on the same page; kept the first")
    ]


def test_incremental_reads_send_since_and_return_only_what_changed(api):
    with connector_for("http", _settings(api), {"token": TOKEN}) as connector:
        assert connector.capabilities.incremental
        pages = read_all(connector)
        final = pages[-1].next_cursor
        assert final == {"since": "2025-01-22T09:00:00+09:00"}

        api.products.append(_product(30, updated_at="2025-02-01T09:00:00+09:00"))
        changed = read_all(connector, final)
    # ">=" on the server: the boundary item (the bad one without an id) comes again.
    assert source_ids(changed) == ["P030"]
    assert [r.reason for page in changed for r in page.rejected] == ["missing id"]
    assert changed[-1].next_cursor == {"since": "2025-02-01T09:00:00+09:00"}


def test_without_since_param_the_connector_is_not_incremental(api):
    settings = {k: v for k, v in _settings(api).items() if k != "since_param"}
    with connector_for("http", settings, {"token": TOKEN}) as connector:
        assert not connector.capabilities.incremental
        assert read_all(connector)[-1].next_cursor is None


def test_header_auth_sends_the_token_in_the_named_header(api):
    settings = _settings(api, auth="header", auth_header="Authorization")
    with connector_for("http", settings, {"token": f"Bearer {TOKEN}"}) as connector:
        assert connector.check().ok


def test_the_query_of_the_configured_url_is_kept_beside_the_paging_parameters():
    # A supplier that authenticates by query string: httpx alone would drop ?api_key= when
    # the connector adds page and size.
    with RestApi(token=TOKEN, products=GOOD, faults=(), query_token=True) as api:
        settings = _settings(api, url=f"{api.url}/v1/products?api_key={TOKEN}", auth="none")
        with connector_for("http", settings) as connector:
            assert connector.check().ok
            assert source_ids(read_all(connector)) == [p["id"] for p in GOOD]


def test_values_beyond_the_bounds_reject_their_item_and_the_rest_is_read():
    products = [
        _product(1, price=1e30),
        _product(2, price=9_223_372_036_854_775_807),
        _product(3, stock=10**12),
        _product(4, name="\ud83d 깨진 이모지"),
        _product(5, options=[{"key": "o", "name": "x" * 10_000}]),
        _product(6),
    ]
    with (
        RestApi(token=TOKEN, products=products, faults=()) as api,
        connector_for("http", _settings(api, since_param=None), {"token": TOKEN}) as connector,
    ):
        pages = read_all(connector)
    assert source_ids(pages) == ["P006"]
    rejected = {r.row: (r.column, r.reason) for page in pages for r in page.rejected}
    assert rejected == {
        "P001": ("price", "price is above the limit of 1,000,000,000 won"),
        "P002": ("price", "price is above the limit of 1,000,000,000 won"),
        "P003": ("stock", "stock is above the limit of 1,000,000"),
        "P004": ("name", "name contains a broken character (a lone UTF-16 surrogate)"),
        "P005": ("options", "option name is 10,000 characters long, above the limit of 500"),
    }


def test_a_url_httpx_cannot_use_is_a_config_error_not_retried():
    with connector_for("http", {"url": "ftp://127.0.0.1/products"}) as connector:
        result = connector.check()
    assert not result.ok and not result.retryable and "not a usable URL" in result.message


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "needs setting: url"),
        ({"url": "http://x", "pagination": "offset"}, "page, cursor or none"),
        ({"url": "http://x", "pagination": "cursor"}, "next_cursor_path"),
        ({"url": "http://x", "auth": "bearer"}, "needs credential: token"),
        ({"url": "http://x", "timeout": "soon"}, "bad retry or timeout setting"),
    ],
)
def test_bad_settings_are_config_errors(settings, message):
    with pytest.raises(ConfigError, match=message):
        connector_for("http", settings)


# --- the registry --------------------------------------------------------------------------


def test_built_in_kinds_are_registered():
    assert {"csv", "excel", "http", "ownerclan", "domeggook"} <= set(kinds())


def test_an_unknown_kind_names_the_known_ones():
    with pytest.raises(ConfigError, match="unknown connector kind 'nope'.*http"):
        connector_for("nope")


def test_a_kind_registered_in_code_is_built_and_cannot_shadow_a_built_in():
    class Shop(HttpApiConnector):
        kind = "my-shop"

    register("my-shop", Shop)
    try:
        with connector_for("my-shop", {"url": "http://127.0.0.1:9/x"}) as connector:
            assert isinstance(connector, Shop) and "my-shop" in kinds()
        with pytest.raises(ConfigError, match="already registered"):
            register("http", Shop)
    finally:
        unregister("my-shop")
    assert "my-shop" not in kinds()


def test_a_factory_that_builds_something_else_is_refused():
    register("not-a-connector", lambda config: object())
    try:
        with pytest.raises(ConfigError, match="not a Connector"):
            connector_for("not-a-connector")
    finally:
        unregister("not-a-connector")


def test_third_party_kinds_come_in_through_the_entry_point_group(tmp_path, monkeypatch):
    (tmp_path / "yooini_fake_supplier.py").write_text(
        "from suppliers.connectors.http_api import HttpApiConnector\n\n\n"
        "class FakeSupplier(HttpApiConnector):\n    kind = 'fake-supplier'\n"
    )
    dist = tmp_path / "yooini_fake_supplier-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: yooini-fake-supplier\nVersion: 0.1\n"
    )
    (dist / "entry_points.txt").write_text(
        "[yooini.suppliers]\n"
        "fake-supplier = yooini_fake_supplier:FakeSupplier\n"
        "broken-supplier = yooini_missing_module:Nothing\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "yooini_fake_supplier", raising=False)

    assert {"fake-supplier", "broken-supplier"} <= set(kinds())
    with connector_for("fake-supplier", {"url": "http://127.0.0.1:9/x"}) as connector:
        assert type(connector).__name__ == "FakeSupplier"
    with pytest.raises(ConfigError, match="failed to load: ModuleNotFoundError"):
        connector_for("broken-supplier")
    sys.modules.pop("yooini_fake_supplier", None)
