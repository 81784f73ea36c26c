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
