"""The daily report end to end on the engine: per account its prices, stock and sales, then
one summary made by the account that finishes last, announced once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from notifications.messages import message_for
from orchestrator.models import BatchStatus, Event
from pipelines.market_management import market_management
from reports.models import DailyReport
from reports.sections import margin_at_price
from reports.selectors import report_document
from reports.services import REPORT_READY, part_save, section_finish

pytestmark = pytest.mark.django_db(transaction=True)


def _run(run_batch):
    batch = run_batch(market_management, params={"account": "cp-live,ss-live"})
    assert batch.status == BatchStatus.COMPLETED, batch.status
    return DailyReport.objects.get(batch_id=batch.id)


def test_the_report_of_two_accounts(shop, run_batch):
    report = _run(run_batch)
    assert report.ready and report.accounts_expected == 2
    document = report_document(report)
    coupang = next(s for s in document["sections"] if s["account"] == "cp-live")
    assert coupang["prices"]["listings"] == 3
    assert coupang["prices"]["uncompetitive"] == 1
    assert coupang["prices"]["uncompetitive_items"][0]["reference"] == "busy"
    stock = coupang["stock"]
    assert (stock["restock"], stock["sold_out"], stock["delist"]) == (1, 1, 1)
    assert stock["restock_items"][0]["reference"] == "busy"
    # alpha 0.3 over 30 days: 1 sold 10 days ago gives 0.3, decayed 6 days to 0.3 * 0.7**6
    # = 0.0353; then 2, 2, 2 (yesterday last): 0.6247, 1.0373, 1.3261 a day
    assert stock["restock_items"][0]["daily_demand"] == pytest.approx(1.326)
    assert stock["delist_items"][0]["reference"] == "dead"
    assert stock["sold_out_items"][0]["reference"] == "empty"

    busy, empty = shop.listings["busy"], shop.listings["empty"]
    yesterday = coupang["sales"]["yesterday"]
    assert yesterday["orders"] == 2 and yesterday["units"] == 3
    assert yesterday["revenue"] == 2 * busy.price + empty.price
    assert yesterday["lines_cancelled"] == 1
    expected_margin = 2 * Decimal(busy.price_decision["margin"]) + Decimal(
        empty.price_decision["margin"]
    )
    assert abs(yesterday["margin"] - expected_margin) <= 1
    week = coupang["sales"]["last_7_days"]
    assert week["units"] == 7  # 2 + 2 + 2 + 1; today's and the cancelled line are out
    assert coupang["sales"]["last_30_days"]["units"] == 8
    assert sum(coupang["sales"]["daily_revenue"]) == coupang["sales"]["last_30_days"]["revenue"]
    assert coupang["sales"]["top_products"][0]["reference"] == "busy"

    smartstore = next(s for s in document["sections"] if s["account"] == "ss-live")
    assert smartstore["prices"]["listings"] == 0 and smartstore["sales"]["yesterday"]["orders"] == 0

    summary = report.summary
    assert summary["needs_attention"] == 4
    assert summary["totals"]["KRW"]["orders"] == 2
    events = Event.objects.filter(type=REPORT_READY, correlation_id=report.batch_id)
    assert events.count() == 1
    message = message_for(REPORT_READY, events.get().payload, batch_id=report.batch_id, workflow="")
    assert "Daily market report: 2026-01-27" in message.subject
    assert "cp-live (coupang): 2 orders" in message.body
    assert f"/reports/{report.batch_id}/" in message.body


def test_a_line_margin_is_the_decision_margin_at_the_price_sold(shop):
    busy = shop.listings["busy"].price_decision
    assert margin_at_price(busy["price"], busy) == pytest.approx(
        Decimal(busy["margin"]), abs=Decimal("0.01")
    )
    cheaper = busy["price"] - 1000
    kept = (Decimal(busy["margin"]) + Decimal(busy["fixed_cost"])) / busy["price"]
    assert margin_at_price(cheaper, busy) == pytest.approx(
        cheaper * kept - Decimal(busy["fixed_cost"])
    )
    assert margin_at_price(1000, None) is None


def test_the_last_account_to_finish_makes_the_summary_once(shop, run_batch):
    report = _run(run_batch)
    batch_id = report.batch_id
    # The finishing cell asking again (its outcome was lost) announces again; another does not.
    assert section_finish(batch_id, shop.coupang, cell_id=report.finished_by) is not None
    assert section_finish(batch_id, shop.coupang, cell_id=report.finished_by + 1000) is None
    # A part written again (a retried stage) overwrites, never adds a section.
    part_save(batch_id, shop.coupang, "prices", {"listings": 99})
    assert report.sections.count() == 2
    assert report.sections.get(account=shop.coupang).prices == {"listings": 99}


def test_the_report_command(shop, run_batch, capsys):
    report = _run(run_batch)
    call_command("report")
    out = capsys.readouterr().out
    assert f"daily market report 2026-01-27 (batch {report.batch_id}, ready)" in out
    assert "cp-live" in out and "restock" in out and "busy" in out
    call_command("report", "--json", "--batch", report.batch_id)
    assert '"uncompetitive": 1' in capsys.readouterr().out


def test_no_report_yet_is_one_clear_line(db):
    from django.core.management.base import CommandError

    with pytest.raises(
        CommandError, match="no daily report yet: run `yooini run market_management`"
    ):
        call_command("report")
