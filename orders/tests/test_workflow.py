"""order_processing as the engine runs it: partitions, schedule, stages in order; and the
``yooini orders`` command's output."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from markets.services import market_account_create
from orders.models import LineStatus, OrderLine
from pipelines.order_processing import order_partitions, order_processing

from .conftest import BUYER_NAME, BUYER_PHONE, REFERENCE

pytestmark = pytest.mark.django_db(transaction=True)


def test_partitions_are_live_accounts_of_markets_with_an_order_api(account):
    market_account_create(name="dry-coupang", market="coupang", dry_run=True)
    market_account_create(name="live-buyma", market="buyma", dry_run=False)  # no order API
    assert order_partitions({}) == ["live-coupang"]
    assert order_partitions({"account": "other"}) == []


def test_declared_every_ten_minutes():
    workflow = order_processing
    assert [s.every_seconds for s in workflow.schedules] == [600]
    assert list(workflow.stages) == ["collect", "acknowledge", "purchase", "tracking"]


def test_a_batch_takes_orders_round_and_the_command_shows_them(
    account, listing, market, ownerclan, run_batch
):
    boxes = [market.place(REFERENCE) for _ in range(3)]
    batch = run_batch(order_processing)
    assert batch.status == "COMPLETED"
    assert OrderLine.objects.filter(status=LineStatus.PURCHASED).count() == 3
    for key in list(ownerclan.orders):
        ownerclan.ship(key)
    batch = run_batch(order_processing)
    assert batch.status == "COMPLETED"
    assert OrderLine.objects.filter(status=LineStatus.SHIPPED).count() == 3
    assert all(market.invoices[box] == 1 for box in boxes)
    assert sum(ownerclan.purchases.values()) == 3

    out = StringIO()
    call_command("orders", "--json", "--market", "coupang", stdout=out)
    documents = json.loads(out.getvalue())
    assert len(documents) == 3
    first = documents[0]
    assert [e["to"] for e in first["timeline"] if e["to"] != e["from"]] == [
        "new",
        "acknowledged",
        "purchased",
        "shipped",
    ]
    assert [r["kind"] for r in first["requests"]] == ["acknowledge", "purchase", "tracking"]
    assert first["purchase"]["status"] == "placed"
    assert first["buyer"]["name"] == BUYER_NAME[0] + "*" + BUYER_NAME[-1]
    text = out.getvalue()
    assert BUYER_NAME not in text and BUYER_PHONE not in text

    table = StringIO()
    call_command("orders", "--status", "shipped", stdout=table)
    assert "3 order line(s)" in table.getvalue() and BUYER_NAME not in table.getvalue()


def test_the_tracking_import_command_reports_each_bad_row(tmp_path):
    path = tmp_path / "tracking.csv"
    path.write_text("note,company,number\nnobody,CJGLS,640011112222\n", encoding="utf-8")
    out = StringIO()
    call_command("orders_tracking", str(path), stdout=out)
    assert out.getvalue().splitlines() == [
        "0 tracking number(s) set",
        "row 2: note 'nobody': no such order of ours",
    ]


def test_the_admin_shows_a_line_without_its_buyer(account, client_as):
    from orders.services import orders_record
    from orders.tests.test_lines import market_order

    orders_record(account, [market_order()])
    line = OrderLine.objects.get()
    admin = client_as("admin")
    page = admin.get(f"/admin/orders/orderline/{line.pk}/change/")
    assert page.status_code == 200
    assert "홍길동" not in page.content.decode() and "9876" not in page.content.decode()


def test_the_sample_places_orders_round_robin_on_listed_products(account, listing, market):
    from types import SimpleNamespace

    from pipelines.sample.orders import orders_place

    served = {
        "coupang": SimpleNamespace(server=None, settings={"base_url": market.base_url}),
        "buyma": SimpleNamespace(server=None, settings={"base_url": "http://127.0.0.1:9"}),
    }
    assert orders_place(served, ["live-coupang"], 3) == {"coupang": "live-coupang"}
    assert len(market.sheets) == 3
    assert orders_place(served, ["someone-else"], 2) == {}
