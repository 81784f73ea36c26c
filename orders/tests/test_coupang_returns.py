"""Cancellations and returns from Coupang's return requests through order_processing: a release
stop asked before the purchase never buys and ends cancelled; a return after shipping ends
returned; both on the line's timeline."""

from __future__ import annotations

import pytest

from orders import processing
from orders.models import LineStatus, OrderLine

from .conftest import REFERENCE
from .test_processing import run_steps, timeline

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_release_stop_before_the_purchase_never_buys(account, listing, market, ownerclan):
    box = market.place(REFERENCE)
    with processing.order_connector(account) as connector:
        processing.collect(account, connector)
        processing.acknowledge(account, connector)
    receipt = market.buyer_cancels(box)  # acknowledged: a request to stop the release
    counts = run_steps(account, run="r1")
    assert counts["purchase"] == {}
    line = OrderLine.objects.get()
    assert line.cancel_requested and line.status == LineStatus.ACKNOWLEDGED
    assert ownerclan.orders == {}

    market.complete_return(receipt)
    run_steps(account, run="r2")
    line.refresh_from_db()
    assert line.status == LineStatus.CANCELLED
    assert timeline(line) == ["new", "acknowledged", "cancelled"]
    assert ownerclan.orders == {}


def test_a_return_after_shipping_ends_returned(account, listing, market, ownerclan):
    box = market.place(REFERENCE)
    run_steps(account, run="r1")
    order = next(iter(ownerclan.orders.values()))
    ownerclan.ship(order["key"], "CJGLS", "640099998888")
    run_steps(account, run="r2")
    receipt = market.buyer_cancels(box)
    run_steps(account, run="r3")
    line = OrderLine.objects.get()
    assert line.status == LineStatus.SHIPPED and line.cancel_requested
    market.complete_return(receipt)
    run_steps(account, run="r4")
    line.refresh_from_db()
    assert timeline(line) == ["new", "acknowledged", "purchased", "shipped", "returned"]
