"""The daily market report pages: the recent reports, and one report with its summary, each
account's findings and its daily revenue chart."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reports.selectors import ReportNotFound, report_document, report_get, reports_list

from .charts import Bar, column_chart

PAGE_SIZE = 30


@require_GET
def report_list(request):
    page = Paginator(reports_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dashboard/reports/report_list.html", {"page": page})


def revenue_chart(sales: dict):
    """The account's revenue per day over the report's window (oldest first)."""
    daily = sales.get("daily_revenue") or []
    if not any(daily):
        return ""
    first = date.fromisoformat(sales["first_day"])
    currency = sales.get("currency", "")
    bars = [
        Bar(value, f"{first + timedelta(days=i)}: {value:,} {currency}", "status-COMPLETED")
        for i, value in enumerate(daily)
    ]
    return column_chart(bars, unit=f" {currency}", label=_("Revenue per day"))


@require_GET
def report_detail(request, batch_id: str):
    try:
        document = report_document(report_get(batch_id))
    except ReportNotFound:
        raise Http404(_("No such report.")) from None
    for section in document["sections"]:
        section["chart"] = revenue_chart(section["sales"])
    missing = document["accounts_expected"] - len(document["accounts_finished"])
    return render(
        request, "dashboard/reports/report_detail.html", {"report": document, "missing": missing}
    )
