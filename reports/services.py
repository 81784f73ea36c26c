"""Writing the daily report: each account's parts, and the fan-in that makes the summary.

A ``market_management`` batch has one report and, per account partition, one section. The
account's stages write their part (idempotent: a retried stage overwrites its own part), its
``report`` stage finishes the section, and the report is made whole in the transaction that
finishes its last section: the report row is locked first, so two accounts finishing at the
same moment count each other.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from markets.models import MarketAccount
from orchestrator.core.clock import get_clock
from orchestrator.models import StageRun
from yooini.timefmt import local_day

from .models import DailyReport, ReportSection

REPORT_READY = "report.ready"
PARTS = ("prices", "stock", "sales")


def report_for_batch(batch_id: str, *, stage: str = "report") -> DailyReport:
    """The batch's report, made on first use; it expects one section per ``stage`` cell."""
    now = get_clock().now()
    report = DailyReport.objects.filter(batch_id=batch_id).first()
    if report is not None:
        return report
    expected = StageRun.objects.filter(batch_id=batch_id, stage=stage).count()
    report, _ = DailyReport.objects.get_or_create(
        batch_id=batch_id,
        defaults={"day": local_day(now), "accounts_expected": expected, "created_at": now},
    )
    return report


def part_save(batch_id: str, account: MarketAccount, part: str, value: dict[str, Any]) -> None:
    if part not in PARTS:
        raise ValueError(f"unknown report part {part!r} (known: {', '.join(PARTS)})")
    report = report_for_batch(batch_id)
    ReportSection.objects.update_or_create(
        report=report, account=account, defaults={part: value, "updated_at": get_clock().now()}
    )


def section_finish(batch_id: str, account: MarketAccount, *, cell_id: int) -> dict | None:
    """Finish ``account``'s section. Returns the summary when this cell finished the report
    (the caller announces it, once), else None."""
    report = report_for_batch(batch_id)
    now = get_clock().now()
    with transaction.atomic():
        report = DailyReport.objects.select_for_update().get(pk=report.pk)
        section, _ = ReportSection.objects.get_or_create(
            report=report, account=account, defaults={"updated_at": now}
        )
        if not section.finished:
            section.finished = True
            section.updated_at = now
            section.save(update_fields=["finished", "updated_at"])
        done = report.sections.filter(finished=True).count()
        if report.ready_at is None and done >= report.accounts_expected:
            report.summary = summary_of(report)
            report.ready_at = now
            report.finished_by = cell_id
            report.save(update_fields=["summary", "ready_at", "finished_by"])
        if report.finished_by == cell_id:
            return report.summary
    return None


def summary_of(report: DailyReport) -> dict[str, Any]:
    """One line per account and totals per currency: what needs attention, what sold."""
    accounts, totals = [], {}
    for section in report.sections.select_related("account").order_by("account__name"):
        sales = section.sales or {}
        currency = sales.get("currency", "")
        yesterday = sales.get("yesterday") or {}
        line = {
            "account": section.account.name,
            "market": section.account.market,
            "currency": currency,
            "listings": (section.prices or {}).get("listings", 0),
            "uncompetitive": (section.prices or {}).get("uncompetitive", 0),
            "restock": (section.stock or {}).get("restock", 0),
            "sold_out": (section.stock or {}).get("sold_out", 0),
            "delist": (section.stock or {}).get("delist", 0),
            "orders_yesterday": yesterday.get("orders", 0),
            "revenue_yesterday": yesterday.get("revenue", 0),
            "margin_yesterday": yesterday.get("margin", 0),
        }
        accounts.append(line)
        total = totals.setdefault(currency, {"orders": 0, "revenue": 0, "margin": 0})
        total["orders"] += line["orders_yesterday"]
        total["revenue"] += line["revenue_yesterday"]
        total["margin"] += line["margin_yesterday"]
    attention = sum(
        a["uncompetitive"] + a["restock"] + a["sold_out"] + a["delist"] for a in accounts
    )
    return {
        "day": report.day.isoformat(),
        "accounts": accounts,
        "totals": totals,
        "needs_attention": attention,
    }
