"""Coupang's order sheets against the shared order contract suite, on the local server."""

from __future__ import annotations

import pytest

from markets.contract import ListingState, Operation, connector_for, order_connector_for
from markets.contract_server import state_load, state_save
from markets.coupang.order_testing import CoupangOrderServer
from markets.coupang.orders import STATUS_OF
from markets.orders_testing import OrderContract
from markets.testing import send

from .conftest import config_for, make_content

REFERENCE = "ref-order-001"


def listed(server) -> None:
    with connector_for(config_for(server)) as listings:
        send(listings, Operation.CREATE, make_content(REFERENCE), ListingState(REFERENCE))


class TestCoupangOrders(OrderContract):
    page_size = 50

    @pytest.fixture
    def server(self):
        with CoupangOrderServer() as running:
            listed(running)
            yield running

    @pytest.fixture
    def orders(self, server):
        with order_connector_for(config_for(server)) as live:
            yield live

    @pytest.fixture
    def secrets(self, server):
        return [server.secret_key, server.access_key]

    def place(self, server, quantity: int = 1) -> str:
        box = server.place(REFERENCE, quantity)
        item = server.sheets[box]["orderItems"][0]["vendorItemId"]
        return f"{box}-{item}"

    def deliver(self, server, line_id: str) -> None:
        server.deliver(int(line_id.split("-")[0]))

    def market_status(self, server, line_id: str) -> str:
        return STATUS_OF[server.status_of(int(line_id.split("-")[0]))]

    def bad_token(self) -> dict:
        return {"status": "ACCEPT", "next": "never-given"}


def test_the_order_book_is_kept_between_two_server_processes(tmp_path):
    path = tmp_path / "coupang.pickle"
    with CoupangOrderServer() as first:
        listed(first)
        box = first.place(REFERENCE)
        state_save(first, path)
    second = CoupangOrderServer()
    assert state_load(second, path)
    assert second.sheets[box]["status"] == "ACCEPT"


def test_an_unreadable_order_sheet_is_named_and_the_others_are_read():
    with CoupangOrderServer() as server:
        listed(server)
        broken, good = server.place(REFERENCE), server.place(REFERENCE)
        del server.sheets[broken]["orderItems"][0]["vendorItemId"]
        with order_connector_for(config_for(server)) as orders:
            page = orders.changed_orders({})
    assert [o.order_id for o in page.orders] == [str(server.sheets[good]["orderId"])]
    assert page.rejected == (f"order sheet {broken}: missing vendorItemId",)


def line_of(server, box: int) -> str:
    return f"{box}-{server.sheets[box]['orderItems'][0]['vendorItemId']}"


def test_cancels_and_returns_are_read_from_the_return_requests():
    from markets.orders import MarketLineStatus, Tracking
    from markets.orders_testing import collect_all

    with CoupangOrderServer() as server:
        listed(server)
        paid, preparing, shipped = (server.place(REFERENCE) for _ in range(3))
        with order_connector_for(config_for(server)) as orders:
            lines, _, _ = collect_all(orders)
            orders.acknowledge([lines[line_of(server, preparing)], lines[line_of(server, shipped)]])
            assert orders.ship(lines[line_of(server, shipped)], Tracking("CJGLS", "6400123456")).ok
            server.buyer_cancels(paid)
            stop = server.buyer_cancels(preparing)
            back = server.buyer_cancels(shipped)
            lines, token, _ = collect_all(orders)
            assert lines[line_of(server, paid)].status is MarketLineStatus.CANCELLED
            assert lines[line_of(server, preparing)].status is MarketLineStatus.CANCEL_REQUESTED
            assert lines[line_of(server, shipped)].status is MarketLineStatus.CANCEL_REQUESTED
            assert lines[line_of(server, shipped)].market_data["receiptId"] == back
            assert set(token) == {"from"}
            server.complete_return(stop)
            server.complete_return(back)
            lines, _, _ = collect_all(orders)
    assert lines[line_of(server, preparing)].status is MarketLineStatus.CANCELLED
    assert lines[line_of(server, shipped)].status is MarketLineStatus.RETURNED


def test_the_return_request_list_enforces_its_contract():
    from markets.coupang.api import CoupangClient
    from markets.coupang.orders import returns_path
    from markets.listing import ListingRejected

    with CoupangOrderServer() as server:
        client = CoupangClient(
            base_url=server.base_url,
            access_key=server.access_key,
            secret_key=server.secret_key,
            vendor_id=server.vendor_id,
        )
        path = returns_path(server.vendor_id)
        window = "searchType=timeFrame&createdAtFrom=2026-01-01T00:00&createdAtTo=2026-01-02T00:00"
        assert client.call("GET", f"{path}?{window}&status=UC")["data"] == []
        for query, field in (
            (f"{window}&status=XX", "status"),
            (f"{window}&status=UC&cancelType=CANCEL", "cancelType"),
            (window.replace("2026-01-02", "2026-03-02"), "31 days"),
            (window.replace("timeFrame", "daily") + "&status=UC", "searchType"),
        ):
            with pytest.raises(ListingRejected, match=field):
                client.call("GET", f"{path}?{query}")
        client.close()
