"""Cancellations from SmartStore through order_processing: a cancel asked before the purchase
never buys; a cancel after it cancels the supplier's order; both recorded on the timeline."""

from __future__ import annotations

import pytest
from django.utils import timezone

from markets.models import Listing
from markets.services import market_account_create
from markets.smartstore.order_testing import NaverOrderServer
from markets.smartstore.tests.conftest import config_for
from orders.models import LineStatus, OrderLine, Purchase, PurchaseStatus

from .conftest import ITEM, REFERENCE, SUPPLIER
from .test_processing import run_steps

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def naver():
    with NaverOrderServer(stall_seconds=1.0) as server:
        yield server


@pytest.fixture
def naver_account(naver, supplier):
    config = config_for(naver, timeout=1.0)
    account = market_account_create(
        name="live-smartstore",
        market="smartstore",
        dry_run=False,
        settings=dict(config.settings),
        credentials=dict(config.credentials),
    )
    Listing.objects.create(
        account=account,
        reference_number=REFERENCE,
        source_key=f"{SUPPLIER}:{ITEM}",
        currency="KRW",
        status="published",
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return account


def place(naver) -> str:
    return naver.place(REFERENCE, name="오너클랜 스니커즈", price=79000, option="블랙")


def test_a_cancel_asked_before_the_purchase_never_buys(naver_account, naver, ownerclan):
    line_id = place(naver)
    naver.request_cancel(line_id)
    counts = run_steps(naver_account)
    assert counts["collect"]["created"] == 1
    assert counts["acknowledge"] == {} and counts["purchase"] == {}
    line = OrderLine.objects.get()
    assert line.cancel_requested and not Purchase.objects.exists() and not ownerclan.purchases
    naver.cancel(line_id)
    run_steps(naver_account, run="r2")
    line.refresh_from_db()
    assert line.status == LineStatus.CANCELLED
    assert not ownerclan.purchases
    causes = [e.cause for e in line.events.all()]
    assert "the buyer asked the market to cancel" in causes
    assert "smartstore reports cancelled" in causes


def test_a_cancel_after_the_purchase_cancels_at_the_supplier(naver_account, naver, ownerclan):
    line_id = place(naver)
    assert run_steps(naver_account)["purchase"] == {"placed": 1}
    assert naver.line(line_id)["placeOrderStatus"] == "OK"
    naver.cancel(line_id)
    counts = run_steps(naver_account, run="r2")
    assert counts["purchase"] == {"cancel_cancelled": 1}
    assert Purchase.objects.get().status == PurchaseStatus.CANCELLED
    assert next(iter(ownerclan.orders.values()))["status"] == "CANCELLED"
    assert OrderLine.objects.get().status == LineStatus.CANCELLED
    assert sum(ownerclan.purchases.values()) == 1


# --- a seller's cancel (dashboard, API) ---------------------------------------------------------


def acknowledged(account) -> dict:
    """Collect and acknowledge only: the lines wait for their purchase."""
    from orders import processing

    with processing.order_connector(account) as connector:
        processing.collect(account, connector)
        return processing.acknowledge(account, connector)


def test_a_seller_cancel_before_the_purchase_never_buys(naver_account, naver, ownerclan):
    from orders.services import line_cancel_by_seller

    place(naver)
    assert acknowledged(naver_account) == {"acknowledged": 1}
    line = OrderLine.objects.get()
    assert line_cancel_by_seller(line, actor="kim (dashboard)") == (
        "cancelled: it will not be bought"
    )
    run_steps(naver_account, run="r2")
    line.refresh_from_db()
    assert line.status == LineStatus.CANCELLED and not ownerclan.purchases
    causes = [e.cause for e in line.events.all()]
    assert "cancelled by kim (dashboard)" in causes
    assert "cancel the order on smartstore as well: it is not sent from here" in causes


def test_a_seller_cancel_after_the_purchase_cancels_at_the_supplier(
    naver_account, naver, ownerclan
):
    from orders.services import line_cancel_by_seller

    place(naver)
    assert run_steps(naver_account)["purchase"] == {"placed": 1}
    line = OrderLine.objects.get()
    assert "cancels the purchase at the supplier" in line_cancel_by_seller(line, actor="kim")
    assert run_steps(naver_account, run="r2")["purchase"] == {"cancel_cancelled": 1}
    assert next(iter(ownerclan.orders.values()))["status"] == "CANCELLED"


def test_a_seller_cancel_is_refused_once_shipped_or_while_buying(naver_account, naver):
    from orders.services import TransitionRefused, line_cancel_by_seller, line_transition

    place(naver)
    acknowledged(naver_account)
    line = OrderLine.objects.get()
    Purchase.objects.create(
        line=line,
        supplier=SUPPLIER,
        item_key=ITEM,
        quantity=1,
        request_key="k" * 20,
        status=PurchaseStatus.REQUESTED,
        requested_at=timezone.now(),
    )
    with pytest.raises(TransitionRefused, match="being bought right now"):
        line_cancel_by_seller(line, actor="kim")
    Purchase.objects.all().delete()
    line_transition(line, LineStatus.PURCHASED, cause="test", source="purchase")
    line_transition(line, LineStatus.SHIPPED, cause="test", source="tracking")
    with pytest.raises(TransitionRefused, match="only a line not yet shipped"):
        line_cancel_by_seller(line, actor="kim")


def test_a_status_changed_meanwhile_is_not_overwritten(naver_account, naver):
    """A purchase answer arriving after a person's cancel leaves the line cancelled (the next
    run cancels that purchase at the supplier)."""
    from orders.services import line_cancel_by_seller, line_transition

    place(naver)
    acknowledged(naver_account)
    stale = OrderLine.objects.get()  # read by the purchase step before the cancel
    line_cancel_by_seller(OrderLine.objects.get(), actor="kim")
    assert line_transition(stale, LineStatus.PURCHASED, cause="bought", source="purchase") is False
    assert OrderLine.objects.get().status == LineStatus.CANCELLED
