"""Order lines over the REST API: viewers see the buyer masked, operators in full; an operator
enters a tracking number."""

from __future__ import annotations

import pytest

from markets.services import market_account_create
from orders.models import LineStatus, OrderLine
from orders.services import line_transition, orders_record

from .test_lines import BUYER, market_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines(settings):
    from cryptography.fernet import Fernet

    settings.YOOINI_CREDENTIALS_KEY = Fernet.generate_key().decode()
    account = market_account_create(name="live-coupang", market="coupang", dry_run=False)
    orders_record(account, [market_order(lines=("L1", "L2"))])
    orders_record(account, [market_order(lines=("L3",), order_id="O2")])
    return list(OrderLine.objects.order_by("id"))


def test_viewers_see_the_buyer_masked(api_as, lines):
    viewer = api_as("viewer")
    page = viewer.get("/api/orders/").json()
    assert page["count"] == 3
    assert page["results"][0]["buyer"]["name"] == "홍*동"
    assert BUYER.phone not in str(page) and BUYER.address not in str(page)
    assert viewer.get("/api/orders/?q=O2").json()["count"] == 1
    assert viewer.get("/api/orders/?status=shipped").json()["count"] == 0
    assert viewer.get("/api/orders/?status=bogus").status_code == 400
    detail = viewer.get(f"/api/orders/{lines[0].pk}/").json()
    assert detail["buyer"]["name"] == "홍*동"
    assert detail["timeline"][0]["to"] == "new" and "from" in detail["timeline"][0]
    assert viewer.get("/api/orders/999999/").status_code == 404


def test_operators_see_the_buyer_and_enter_tracking(api_as, lines):
    operator = api_as("operator")
    detail = operator.get(f"/api/orders/{lines[0].pk}/").json()
    assert detail["buyer"]["phone"] == BUYER.phone
    url = f"/api/orders/{lines[0].pk}/tracking/"
    refused = operator.post(url, {"company": "CJGLS", "number": "640012345678"}, format="json")
    assert refused.status_code == 400 and "status" in refused.json()
    line_transition(lines[0], LineStatus.PURCHASED, cause="test", source="person")
    bad = operator.post(url, {"company": "CJGLS", "number": "1"}, format="json")
    assert bad.status_code == 400 and "number" in bad.json()
    done = operator.post(url, {"company": "CJGLS", "number": "640012345678"}, format="json")
    assert done.status_code == 200 and done.json()["tracking"]["number"] == "640012345678"
    assert (
        api_as("viewer").post(url, {"company": "CJGLS", "number": "640012345678"}).status_code
        == 403
    )


def test_operators_cancel_a_line_over_the_api(api_as, lines):
    url = f"/api/orders/{lines[0].pk}/cancel/"
    assert api_as("viewer").post(url).status_code == 403
    operator = api_as("operator")
    done = operator.post(url)
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    assert any(e["cause"].endswith("(api)") for e in done.json()["timeline"])
    again = operator.post(url)
    assert again.status_code == 400 and "not yet shipped" in str(again.json())
