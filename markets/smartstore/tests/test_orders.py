"""SmartStore's pay-order API against the shared order contract suite, on the local server."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from markets.contract import order_connector_for
from markets.orders import MarketLineStatus
from markets.orders_testing import OrderContract, collect_all
from markets.smartstore import orders as api
from markets.smartstore.order_testing import NaverOrderServer
from markets.smartstore.orders import SmartStoreOrders, status_of

from .conftest import config_for

REFERENCE = "ss-order-001"


class TestSmartStoreOrders(OrderContract):
    page_size = 300
    ship_needs_acknowledge = False

    @pytest.fixture
    def server(self):
        with NaverOrderServer(stall_seconds=1.0) as running:
            yield running

    @pytest.fixture
    def orders(self, server):
        with order_connector_for(config_for(server, max_wait=0.0)) as live:
            yield live

    @pytest.fixture
    def secrets(self, server):
        return [server.client_secret]

    def place(self, server, quantity: int = 1) -> str:
        return server.place(REFERENCE, quantity, name="나이키 에어포스 1", price=129000)

    def deliver(self, server, line_id: str) -> None:
        server.deliver(line_id)

    def market_status(self, server, line_id: str) -> str:
        return status_of(server.line(line_id))

    def bad_token(self) -> dict:
        return {"from": api.iso(datetime.now(api.KST)), "sequence": "never-given"}


def test_a_cancel_request_and_a_cancel_are_reported(server_orders):
    server, orders = server_orders
    line_id = server.place(REFERENCE, name="셔츠", price=39000)
    lines, token, _ = collect_all(orders)
    assert lines[line_id].status is MarketLineStatus.NEW
    server.request_cancel(line_id)
    lines, token, _ = collect_all(orders, token)
    assert lines[line_id].status is MarketLineStatus.CANCEL_REQUESTED
    server.cancel(line_id)
    lines, _, _ = collect_all(orders, token)
    assert lines[line_id].status is MarketLineStatus.CANCELLED


def test_the_token_moves_on_so_an_unchanged_line_is_not_read_again(server_orders):
    server, orders = server_orders
    server.place(REFERENCE, name="셔츠", price=39000)
    first, token, _ = collect_all(orders)
    assert len(first) == 1
    second_id = server.place(REFERENCE, name="셔츠", price=39000)
    again, _, _ = collect_all(orders, token)
    assert second_id in again
    # The boundary change may be read again (harmless); nothing older is.
    assert set(again) <= set(first) | {second_id}


def test_an_old_token_walks_forward_a_day_at_a_time(server_orders):
    server, _ = server_orders
    line_id = server.place(REFERENCE, name="셔츠", price=39000)
    start = datetime.now(api.KST) - timedelta(days=3)
    with SmartStoreOrders(config_for(server)) as orders:
        lines, token, pages = collect_all(orders, {"from": api.iso(start)})
    assert line_id in lines and pages >= 3


@pytest.fixture
def server_orders():
    with (
        NaverOrderServer(stall_seconds=1.0) as server,
        order_connector_for(config_for(server)) as orders,
    ):
        yield server, orders
