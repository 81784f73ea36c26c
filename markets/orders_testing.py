"""The order contract suite every market's order tests inherit (as ``markets.testing`` is for
listings).

Subclass ``OrderContract`` in a ``Test...`` class and provide::

    @pytest.fixture
    def server(self): ...         # the market's local order server, started
    @pytest.fixture
    def orders(self, server): ... # a live OrderConnector to it (closed after the test)
    @pytest.fixture
    def secrets(self): ...        # every credential value the connector was given

    def place(self, server, quantity=1) -> str: ...   # a buyer orders: the market's line id
    def deliver(self, server, line_id): ...           # the parcel arrives
    def market_status(self, server, line_id) -> str:  # the market's neutral status of the line
    def bad_token(self) -> dict: ...                  # a paging token the market never gave

and the server has ``invoices_of(line_id)``: tracking numbers it accepted for the line.

``page_size`` (class attribute) is how many orders a page holds at the server.

The suite checks what ``order_processing`` relies on: paging through every new order with the
market's own token, each line once, no personal data in a ``repr``; acknowledging; tracking
accepted once and refused when malformed (naming the field) or before the market allows it;
delivery reported; 429 and 5xx raised as ``MarketUnavailable``; no credential in an error.
"""

from __future__ import annotations

import traceback

import pytest

from markets.listing import MarketError, MarketUnavailable
from markets.orders import MarketLineStatus, OrderConnector, Tracking

BUYER_NAME = "김구매"


def collect_all(orders, token=None, *, limit: int = 100):
    """Every page until the market has no more now: (lines by id, last token, pages read)."""
    token = dict(token or {})
    lines, pages = {}, 0
    while pages < limit:
        page = orders.changed_orders(token)
        pages += 1
        for order in page.orders:
            for line in order.lines:
                lines[line.line_id] = line
        token = dict(page.token)
        if not page.more:
            break
    return lines, token, pages


class OrderContract:
    page_size = 50
    ship_needs_acknowledge = True

    # The hooks each market's subclass provides (see the module docstring); the suite cannot
    # run without them, so a subclass that forgets one fails with its name.

    def place(self, server, quantity: int = 1) -> str:
        raise NotImplementedError(f"{type(self).__name__} must provide place(server, quantity)")

    def deliver(self, server, line_id: str) -> None:
        raise NotImplementedError(f"{type(self).__name__} must provide deliver(server, line_id)")

    def market_status(self, server, line_id: str) -> str:
        raise NotImplementedError(
            f"{type(self).__name__} must provide market_status(server, line_id)"
        )

    def tracking(self) -> Tracking:
        return Tracking("CJGLS", "640012345678")

    def line(self, orders, line_id: str):
        lines, _, _ = collect_all(orders)
        assert line_id in lines, f"line {line_id} not listed"
        return lines[line_id]

    # --- listing --------------------------------------------------------------------------

    def test_is_an_order_connector(self, orders):
        assert isinstance(orders, OrderConnector)

    def test_pages_through_every_new_order_once_each(self, orders, server):
        placed = [self.place(server) for _ in range(self.page_size + 2)]
        lines, token, pages = collect_all(orders)
        assert set(placed) <= set(lines)
        assert pages >= 2, "more orders than a page: the token must page on"
        assert all(lines[i].status is MarketLineStatus.NEW for i in placed)
        assert all(lines[i].quantity == 1 and lines[i].unit_price > 0 for i in placed)
        assert all(lines[i].reference_number for i in placed)
        assert token, "the last page gives a token to start from next time"

    def test_buyer_is_not_in_any_repr(self, orders, server):
        self.place(server)
        page = orders.changed_orders({})
        assert page.orders
        order = page.orders[0]
        assert order.buyer.name == BUYER_NAME
        assert BUYER_NAME not in repr(page)

    # --- acknowledging and shipping ---------------------------------------------------------

    def test_acknowledge_reaches_the_market(self, orders, server):
        line_id = self.place(server)
        line = self.line(orders, line_id)
        outcomes = orders.acknowledge([line])
        assert [(o.line_id, o.ok) for o in outcomes] == [(line_id, True)]
        assert self.market_status(server, line_id) == MarketLineStatus.ACKNOWLEDGED

    def test_tracking_is_taken_once(self, orders, server):
        line_id = self.place(server)
        line = self.line(orders, line_id)
        assert all(o.ok for o in orders.acknowledge([line]))
        assert orders.ship(line, self.tracking()).ok
        assert self.market_status(server, line_id) == MarketLineStatus.SHIPPED
        again = orders.ship(line, self.tracking())
        assert not again.ok and again.message
        assert server.invoices_of(line_id) == 1

    def test_tracking_before_acknowledge_follows_the_market(self, orders, server):
        line_id = self.place(server)
        line = self.line(orders, line_id)
        outcome = orders.ship(line, self.tracking())
        assert outcome.ok is not self.ship_needs_acknowledge

    def test_malformed_tracking_is_refused_naming_the_field(self, orders, server):
        line_id = self.place(server)
        line = self.line(orders, line_id)
        orders.acknowledge([line])
        outcome = orders.ship(line, Tracking(self.tracking().company, "12"))
        assert not outcome.ok
        assert "invoice" in outcome.message.lower() or "tracking" in outcome.message.lower()
        assert server.invoices_of(line_id) == 0

    def test_delivery_is_reported(self, orders, server):
        line_id = self.place(server)
        line = self.line(orders, line_id)
        orders.acknowledge([line])
        assert orders.ship(line, self.tracking()).ok
        self.deliver(server, line_id)
        lines, _, _ = collect_all(orders)
        assert lines[line_id].status is MarketLineStatus.DELIVERED

    # --- faults -------------------------------------------------------------------------------

    def test_rate_limit_and_server_errors_are_retryable(self, orders, server, secrets):
        server.fail_next(429, times=10)
        with pytest.raises(MarketUnavailable):
            orders.changed_orders({})
        server.fail_next(503, times=10)
        with pytest.raises(MarketUnavailable) as caught:
            orders.changed_orders({})
        text = "".join(traceback.format_exception(caught.value))
        assert not any(secret in text for secret in secrets)

    def test_a_token_the_market_never_gave_is_refused(self, orders, server):
        self.place(server)
        with pytest.raises(MarketError):
            orders.changed_orders(self.bad_token())

    def bad_token(self) -> dict:
        """A paging token in the market's shape that the market never gave (a hook)."""
        raise NotImplementedError(f"{type(self).__name__} must provide bad_token()")
