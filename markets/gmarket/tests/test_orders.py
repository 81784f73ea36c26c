"""ESM (Gmarket / Auction) orders against the shared order contract suite, on the local server,
and what is ESM's own: one token per site, the 31-day window, the site's order numbers, the
parcel company numbers, a second dispatch refused."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from markets.contract import ListingState, Operation, connector_for, order_connector_for
from markets.contract_server import state_load, state_save
from markets.gmarket.auth import Signer
from markets.gmarket.order_testing import GmarketOrderServer
from markets.gmarket.orders import (
    KOREA,
    ORDERS_PATH,
    PAGE_SIZE,
    SHIPPING_PATH,
    STATUS_OF,
    EsmOrderClient,
)
from markets.listing import ListingRejected, MarketAuthError
from markets.orders import MarketLineStatus, Tracking
from markets.orders_testing import OrderContract, collect_all
from markets.testing import send

from .conftest import config_for, make_content

REFERENCE = "okmall-order-001"
CODES = {"delivery_company_codes": {"CJGLS": 10013}}


def listed(server) -> None:
    with connector_for(config_for(server)) as listings:
        send(listings, Operation.CREATE, make_content(REFERENCE), ListingState(REFERENCE))


def orders_config(server, **settings):
    return config_for(server, settings={**CODES, **settings})


class TestEsmOrders(OrderContract):
    page_size = PAGE_SIZE

    @pytest.fixture
    def server(self):
        with GmarketOrderServer(stall_seconds=0.5) as running:
            listed(running)
            yield running

    @pytest.fixture
    def orders(self, server):
        with order_connector_for(orders_config(server)) as live:
            yield live

    @pytest.fixture
    def secrets(self, server):
        return [server.secret_key]

    def place(self, server, quantity: int = 1) -> str:
        return server.place(REFERENCE, quantity)

    def deliver(self, server, line_id: str) -> None:
        server.deliver(line_id)

    def market_status(self, server, line_id: str) -> str:
        return STATUS_OF[server.status_of(line_id)]

    def bad_token(self) -> dict:
        # In shape, but never given: ESM reads 31 days at most, and a token always starts
        # within the last pass's day.
        start = (datetime.now(KOREA) - timedelta(days=40)).strftime("%Y-%m-%d %H:%M")
        return {"from": start, "site": "gmarket", "status": 1, "page": 1}


@pytest.fixture
def server():
    with GmarketOrderServer(stall_seconds=0.5) as running:
        listed(running)
        yield running


def client_for(server, sellers) -> EsmOrderClient:
    signer = Signer(server.master_id, server.secret_key, server.domain, sellers)
    return EsmOrderClient(base_url=server.base_url, signer=signer, max_wait=0)


def lookup(**changes):
    now = datetime.now(KOREA)
    body = {
        "siteType": 2,
        "orderStatus": 1,
        "requestDateFrom": (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "requestDateTo": now.strftime("%Y-%m-%d %H:%M"),
        "pageIndex": 1,
        "pageSize": 50,
    }
    return {**body, **changes}


def test_both_sites_are_read_each_with_its_own_seller(server):
    gmarket, auction = server.place(REFERENCE), server.place(REFERENCE, site="auction")
    with order_connector_for(orders_config(server)) as orders:
        lines, token, pages = collect_all(orders)
    assert {gmarket, auction} <= set(lines)
    assert lines[auction].market_data["site"] == "auction"
    assert pages == 4, "paid and delivered orders, on each of the two sites"
    assert set(token) == {"from"}
    sites = [body["siteType"] for _, path, body in server.bodies if path == ORDERS_PATH]
    assert sites == [2, 2, 1, 1]


def test_a_site_is_only_read_with_a_token_naming_its_seller_alone(server):
    server.place(REFERENCE)
    both = client_for(server, {"gmarket": "gm-seller", "auction": "ac-seller"})
    with pytest.raises(MarketAuthError, match="gmarket seller alone"):
        both.call("POST", ORDERS_PATH, lookup())
    auction_only = client_for(server, {"auction": "ac-seller"})
    with pytest.raises(MarketAuthError):
        auction_only.call("POST", ORDERS_PATH, lookup(siteType=2))
    gmarket_only = client_for(server, {"gmarket": "gm-seller"})
    answer = gmarket_only.call("POST", ORDERS_PATH, lookup())
    assert answer.body["Data"]["TotalCount"] == 1
    for client in (both, auction_only, gmarket_only):
        client.close()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"requestDateFrom": "2020-01-01 00:00"}, "31일"),
        ({"requestDateTo": "2020-01-01"}, "requestDateTo"),
        ({"orderStatus": 9}, "orderStatus"),
        ({"pageIndex": 0}, "pageIndex"),
        ({"pageSize": 500}, "pageSize"),
        ({"siteType": 3}, "siteType"),
    ],
)
def test_the_lookup_contract_is_enforced_with_result_codes(server, changes, field):
    client = client_for(server, {"gmarket": "gm-seller"})
    with pytest.raises(ListingRejected) as refused:
        client.call("POST", ORDERS_PATH, lookup(**changes))
    client.close()
    assert field in str(refused.value.errors)
    assert "ResultCode 2000" in str(refused.value.errors)


def test_a_window_older_than_31_days_is_refused_before_sending(server):
    refused = pytest.raises(ListingRejected, match="reset this account's order token")
    with order_connector_for(orders_config(server)) as orders, refused:
        orders.changed_orders({"from": "2020-01-01 00:00", "site": "gmarket", "status": 1})
    assert not [p for _, p, _ in server.bodies if p == ORDERS_PATH]


def test_a_second_dispatch_of_the_same_order_is_refused(server):
    line_id = server.place(REFERENCE)
    with order_connector_for(orders_config(server)) as orders:
        lines, _, _ = collect_all(orders)
        line = lines[line_id]
        assert orders.acknowledge([line])[0].ok
        assert orders.ship(line, Tracking("CJGLS", "640012345678")).ok
        again = orders.ship(line, Tracking("10013", "640099999999"))
    assert not again.ok and "이미 발송처리" in again.message
    assert server.invoices_of(line_id) == 1
    assert server.orders[int(line_id[2:])]["InvoiceNo"] == "640012345678"


def test_a_confirmed_order_is_not_confirmed_twice(server):
    line_id = server.place(REFERENCE)
    with order_connector_for(orders_config(server)) as orders:
        line = collect_all(orders)[0][line_id]
        first, second = orders.acknowledge([line, line])
    assert first.ok and not second.ok and "8668" in second.message
    assert server.status_of(line_id) == 2


def test_a_parcel_company_without_an_esm_number_is_refused_before_sending(server):
    line_id = server.place(REFERENCE)
    with order_connector_for(config_for(server, settings={"delivery_company_no": None})) as orders:
        line = collect_all(orders)[0][line_id]
        orders.acknowledge([line])
        outcome = orders.ship(line, Tracking("CJGLS", "640012345678"))
    assert not outcome.ok and "delivery_company_codes" in outcome.message
    assert not [p for _, p, _ in server.bodies if p == SHIPPING_PATH]


def test_an_empty_company_is_the_accounts_parcel_company(server):
    line_id = server.place(REFERENCE)
    with order_connector_for(config_for(server)) as orders:  # delivery_company_no 10013
        line = collect_all(orders)[0][line_id]
        orders.acknowledge([line])
        assert orders.ship(line, Tracking("", "640012345678")).ok
    sent = [b for _, p, b in server.bodies if p == SHIPPING_PATH]
    assert sent[-1]["DeliveryCompCode"] == 10013


def test_the_line_carries_the_buyer_the_option_and_the_sites_order_number(server):
    line_id = server.place(REFERENCE, quantity=2, site="auction")
    with order_connector_for(orders_config(server)) as orders:
        page = orders.changed_orders({"site": "auction", "status": 1})
    (order,) = page.orders
    (line,) = order.lines
    assert line.line_id == line_id and line_id.startswith("A-")
    assert line.reference_number == REFERENCE and line.quantity == 2
    assert line.option == "화이트 / 260"
    assert line.status is MarketLineStatus.NEW
    assert order.buyer.phone == "010-1234-5678" and order.buyer.zip_code == "04524"
    assert "010-1234-5678" not in repr(page)


def test_an_unreadable_order_is_named_and_the_others_are_read(server):
    broken, good = server.place(REFERENCE), server.place(REFERENCE)
    del server.orders[int(broken[2:])]["ContrAmount"]
    with order_connector_for(orders_config(server)) as orders:
        page = orders.changed_orders({})
    assert [line.line_id for o in page.orders for line in o.lines] == [good]
    assert page.rejected == (f"gmarket order {broken[2:]}: missing ContrAmount",)


def test_the_order_book_is_kept_between_two_server_processes(tmp_path):
    path = tmp_path / "gmarket.pickle"
    with GmarketOrderServer() as first:
        listed(first)
        line_id = first.place(REFERENCE)
        state_save(first, path)
    second = GmarketOrderServer()
    assert state_load(second, path)
    assert second.status_of(line_id) == 1
