"""The order pages: lines per market and status, a line's timeline and requests, the buyer
masked for viewers, the tracking number entered by operators only."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from markets.services import market_account_create
from orders.models import LineStatus, OrderLine
from orders.services import line_transition, orders_record
from orders.tests.test_lines import BUYER, market_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines(settings):
    settings.YOOINI_CREDENTIALS_KEY = Fernet.generate_key().decode()
    account = market_account_create(name="live-coupang", market="coupang", dry_run=False)
    orders_record(account, [market_order(lines=("L1", "L2"))])
    return list(OrderLine.objects.order_by("id"))


def test_viewers_see_lines_with_the_buyer_masked(client_as, lines):
    viewer = client_as("viewer")
    page = viewer.get("/orders/").content.decode()
    assert page.count('href="/orders/') >= 2 and "홍*동" in page
    assert BUYER.name not in page
    assert "live-coupang" in viewer.get("/orders/?status=new&q=O1").content.decode()
    assert "No order line." in viewer.get("/orders/?status=shipped").content.decode()
    detail = viewer.get(f"/orders/{lines[0].pk}/").content.decode()
    assert "홍*동" in detail and BUYER.phone not in detail and BUYER.address not in detail
    assert "ordered on coupang (order O1)" in detail
    # Today's lines in the sales chart, in their currency.
    assert 'id="sales-charts"' in page and '<svg class="chart"' in page
    assert 'id="tracking-form"' not in detail
    assert viewer.get("/orders/999999/").status_code == 404


def test_operators_see_the_buyer_and_enter_a_tracking_number(client_as, lines):
    operator = client_as("operator")
    line = lines[0]
    line_transition(line, LineStatus.PURCHASED, cause="test", source="person")
    detail = operator.get(f"/orders/{line.pk}/").content.decode()
    assert BUYER.phone in detail and 'id="tracking-form"' in detail
    url = f"/orders/{line.pk}/tracking/"
    operator.post(url, {"company": "CJGLS", "number": "12"})
    line.refresh_from_db()
    assert line.tracking_number == ""
    operator.post(url, {"company": "CJGLS", "number": "640012345678"})
    line.refresh_from_db()
    assert line.tracking_number == "640012345678"
    assert (
        "tracking number CJGLS 640012345678" in operator.get(f"/orders/{line.pk}/").content.decode()
    )
    assert (
        client_as("viewer").post(url, {"company": "CJGLS", "number": "640099"}).status_code == 403
    )


def test_operators_cancel_a_line_and_process_the_account_now(client_as, lines):
    viewer, operator = client_as("viewer"), client_as("operator")
    line = lines[0]
    assert 'id="order-actions"' not in viewer.get(f"/orders/{line.pk}/").content.decode()
    assert viewer.post(f"/orders/{line.pk}/cancel/").status_code == 403
    page = operator.get(f"/orders/{line.pk}/").content.decode()
    assert 'id="cancel-form"' in page
    done = operator.post(f"/orders/{line.pk}/cancel/", follow=True).content.decode()
    assert "cancelled: it will not be bought" in done
    line.refresh_from_db()
    assert line.status == LineStatus.CANCELLED
    assert f"cancelled by {operator.user.username} (dashboard)" in done
    assert 'id="cancel-form"' not in done  # an ended line offers no cancel
    again = operator.post(f"/orders/{line.pk}/cancel/", follow=True).content.decode()
    assert "only a line not yet shipped can be cancelled" in again

    started = operator.post(f"/orders/{lines[1].pk}/process/")
    assert started.status_code == 302 and started["Location"].startswith("/batches/")
    from orchestrator.models import Batch

    batch = Batch.objects.get(workflow="order_processing")
    assert batch.params == {"account": "live-coupang"}
