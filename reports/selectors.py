"""Reading daily reports: the latest, one by batch, and each as a JSON-ready document."""

from __future__ import annotations

from typing import Any

from .models import DailyReport


class ReportNotFound(LookupError):
    """No report of that batch, or none yet."""


def reports_list():
    return DailyReport.objects.order_by("-day", "-id")


def report_get(batch_id: str | None = None) -> DailyReport:
    """The report of ``batch_id``, or the latest one (ready or not)."""
    reports = reports_list()
    report = reports.filter(batch_id=batch_id).first() if batch_id else reports.first()
    if report is None:
        raise ReportNotFound(
            f"no daily report of batch {batch_id!r}"
            if batch_id
            else "no daily report yet: run `yooini run market_management`"
        )
    return report


def report_document(report: DailyReport) -> dict[str, Any]:
    sections = list(report.sections.select_related("account"))
    done = {s.account.name for s in sections if s.finished}
    return {
        "batch_id": report.batch_id,
        "day": report.day.isoformat(),
        "ready": report.ready,
        "ready_at": report.ready_at.isoformat() if report.ready_at else None,
        "accounts_expected": report.accounts_expected,
        "accounts_finished": sorted(done),
        "summary": report.summary,
        "sections": [
            {
                "account": s.account.name,
                "market": s.account.market,
                "dry_run": s.account.dry_run,
                "finished": s.finished,
                "prices": s.prices,
                "stock": s.stock,
                "sales": s.sales,
            }
            for s in sections
        ],
    }
