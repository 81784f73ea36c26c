"""The steps of order_processing against the local Coupang order server and the local ownerclan
GraphQL server: collected once, acknowledged, bought once, shipped with the supplier's number."""

from __future__ import annotations

import logging

import pytest
from django.utils import timezone

from orders import processing
from orders.models import LineStatus, OrderLine, OrderRequest, Purchase, PurchaseStatus
from orders.purchase import request_key
from orders.services import line_transition

from .conftest import BUYER_ADDRESS, BUYER_NAME, BUYER_PHONE, REFERENCE

pytestmark = pytest.mark.django_db(transaction=True)


def run_steps(account, *, run: str = "r1") -> dict:
    suppliers = processing.SupplierConnectors()
    try:
        with processing.order_connector(account) as connector:
            return {
                "collect": processing.collect(account, connector),
                "acknowledge": processing.acknowledge(account, connector),
                "purchase": processing.purchase(account, suppliers, run=run),
                "tracking": processing.tracking(account, connector, suppliers),
            }
    finally:
        suppliers.close()


def timeline(line: OrderLine) -> list[str]:
    return [e.status_to for e in line.events.all() if e.status_to != e.status_from]


def test_an_order_goes_round_once(account, listing, market, ownerclan, caplog):
    caplog.set_level(logging.DEBUG)
    box = market.place(REFERENCE, quantity=2)
    counts = run_steps(account)
    assert counts["collect"]["created"] == 1
    assert counts["acknowledge"] == {"acknowledged": 1}
    assert counts["purchase"] == {"placed": 1}
    line = OrderLine.objects.get()
    assert line.status == LineStatus.PURCHASED
    assert market.status_of(box) == "INSTRUCT"
    assert ownerclan.purchases[request_key(line)] == 1
    order = next(iter(ownerclan.orders.values()))
    assert order["quantity"] == 2 and order["itemKey"] == "W000001"

    ownerclan.ship(order["key"], "CJGLS", "640099998888")
    counts = run_steps(account, run="r2")
    assert counts["purchase"] == {}
    assert counts["tracking"] == {"shipped": 1}
    line.refresh_from_db()
    assert line.status == LineStatus.SHIPPED
    assert market.invoices[box] == 1 and market.status_of(box) == "DEPARTURE"
    assert timeline(line) == ["new", "acknowledged", "purchased", "shipped"]

    again = run_steps(account, run="r3")
    assert again["purchase"] == {} and again["tracking"] == {}
    assert ownerclan.duplicates == 0 and market.invoices[box] == 1
    assert OrderLine.objects.count() == 1
    kinds = list(OrderRequest.objects.values_list("kind", flat=True))
    assert kinds == ["acknowledge", "purchase", "tracking"]
    # The buyer is stored encrypted and written nowhere in clear.
    raw = OrderLine.objects.select_related("order").get().order.buyer_encrypted
    logged = caplog.text + str(list(OrderRequest.objects.values()))
    for secret in (BUYER_NAME, BUYER_PHONE, BUYER_ADDRESS):
        assert secret not in raw and secret not in logged


def test_a_cancel_requested_before_purchase_never_purchases(account, listing, market, ownerclan):
    box = market.place(REFERENCE)
    with processing.order_connector(account) as connector:
        processing.collect(account, connector)
    line = OrderLine.objects.get()
    line.cancel_requested = True
    line.save()
    counts = run_steps(account)
    assert counts["acknowledge"] == {} and counts["purchase"] == {}
    assert not Purchase.objects.exists() and not ownerclan.purchases
    assert market.status_of(box) == "ACCEPT"


def test_a_lost_answer_is_found_by_its_note_and_never_sent_again(
    account, listing, market, ownerclan
):
    market.place(REFERENCE)
    ownerclan.lose_answers(1)
    counts = run_steps(account)
    assert counts["purchase"] == {"unknown": 1}
    held = Purchase.objects.get()
    assert held.status == PurchaseStatus.REQUESTED
    counts = run_steps(account, run="r2")
    assert counts["purchase"] == {"resolved_placed": 1}
    held.refresh_from_db()
    assert held.status == PurchaseStatus.PLACED and held.supplier_order_id
    assert sum(ownerclan.purchases.values()) == 1
    assert OrderLine.objects.get().status == LineStatus.PURCHASED


def test_a_purchase_the_supplier_never_got_waits_for_a_person(account, listing, market, ownerclan):
    market.place(REFERENCE)
    with processing.order_connector(account) as connector:
        processing.collect(account, connector)
        processing.acknowledge(account, connector)
    line = OrderLine.objects.get()
    # As a process killed between its durable record and the call leaves it.
    Purchase.objects.create(
        line=line,
        supplier="oc",
        item_key="W000001",
        quantity=1,
        request_key=request_key(line),
        status=PurchaseStatus.REQUESTED,
        requested_at=timezone.now(),
    )
    counts = run_steps(account)
    assert counts["purchase"] == {"resolved_attention": 1}
    line.refresh_from_db()
    assert "has no order with note" in line.attention
    assert not ownerclan.purchases
    assert run_steps(account, run="r2")["purchase"] == {}
    assert not ownerclan.purchases


def test_a_sold_out_option_is_refused_and_flagged(account, listing, market, ownerclan):
    for option in ownerclan.items[0]["options"]:
        option["quantity"] = 0
    market.place(REFERENCE)
    counts = run_steps(account)
    assert counts["purchase"] == {"refused": 1}
    line = OrderLine.objects.get()
    assert line.status == LineStatus.ACKNOWLEDGED
    assert line.attention.startswith("oc refused the purchase")
    assert Purchase.objects.get().status == PurchaseStatus.REFUSED


def test_cancelled_after_purchase_is_cancelled_at_the_supplier(account, listing, market, ownerclan):
    market.place(REFERENCE)
    run_steps(account)
    line = OrderLine.objects.get()
    line_transition(line, LineStatus.CANCELLED, cause="test: market cancelled", source="market")
    counts = run_steps(account, run="r2")
    assert counts["purchase"] == {"cancel_cancelled": 1}
    assert next(iter(ownerclan.orders.values()))["status"] == "CANCELLED"
    assert Purchase.objects.get().status == PurchaseStatus.CANCELLED


def test_cancelled_after_shipping_at_the_supplier_is_flagged(account, listing, market, ownerclan):
    market.place(REFERENCE)
    run_steps(account)
    ownerclan.ship(next(iter(ownerclan.orders)))
    line = OrderLine.objects.get()
    line_transition(line, LineStatus.CANCELLED, cause="test: market cancelled", source="market")
    counts = run_steps(account, run="r2")
    assert counts["purchase"] == {"cancel_attention": 1}
    line.refresh_from_db()
    assert "refused the cancel" in line.attention


def test_a_line_with_no_listing_of_ours_is_flagged_and_the_others_go_on(
    account, listing, market, ownerclan
):
    market.place(REFERENCE)
    with processing.order_connector(account) as connector:
        processing.collect(account, connector)
    OrderLine.objects.create(
        order=OrderLine.objects.get().order,
        account=account,
        market_line_id="x-1",
        reference_number="nobody-1",
        quantity=1,
        unit_price=1000,
        currency="KRW",
        status=LineStatus.ACKNOWLEDGED,
        created_at=listing.created_at,
        updated_at=listing.created_at,
    )
    counts = run_steps(account)
    assert counts["purchase"] == {"attention": 1, "placed": 1}
    flagged = OrderLine.objects.get(market_line_id="x-1")
    assert "no listing of ours has the reference number 'nobody-1'" in flagged.attention


def test_a_supplier_without_an_order_api_gets_its_order_sheet(account, supplier, market, settings):
    from markets.contract import ListingState, Operation, connector_for
    from markets.coupang.tests.conftest import config_for, make_content
    from markets.models import Listing
    from markets.testing import send
    from suppliers.services import supplier_create

    supplier_create(name="feedco", kind="excel", settings={"path": "/nowhere.xlsx"})
    with connector_for(config_for(market)) as listings:
        send(listings, Operation.CREATE, make_content("feedco-A1"), ListingState("feedco-A1"))
    Listing.objects.create(
        account=account,
        reference_number="feedco-A1",
        source_key="feedco:A1",
        currency="KRW",
        status="published",
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    market.place("feedco-A1")
    counts = run_steps(account)
    assert counts["purchase"] == {"sheet": 1, "sheets": 1}
    held = Purchase.objects.get()
    assert held.status == PurchaseStatus.SHEET and held.sheet_file.startswith(
        "feedco-live-coupang-"
    )
    assert (settings.VAR_DIR / "orders" / "sheets" / held.sheet_file).exists()
    assert OrderLine.objects.get().status == LineStatus.PURCHASED
