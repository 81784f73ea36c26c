"""The order pages: every order line with its status per market, filtered and searched, and a
line's page with its timeline, its requests, its purchase and (for operators) a form to enter
the tracking number. Viewers see the buyer masked; operators and admins in full."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from access.decorators import role_required
from access.roles import Role, has_role
from orchestrator.core.clock import get_clock
from orchestrator.loading import workflows_load
from orchestrator.services.batches import BatchConflict, batch_start
from orders.models import LineStatus, OrderLine
from orders.processing import tracking_set
from orders.selectors import daily_sales, line_document, order_lines, with_history
from orders.services import SELLER_CANCELLABLE, TransitionRefused, line_cancel_by_seller

from .charts import Bar, column_chart
from .views_data import _without_page

PAGE_SIZE = 50
FILTERS = ("q", "market", "account", "status")


@require_GET
def order_list(request):
    selected = {k: (request.GET.get(k) or "").strip()[:100] for k in FILTERS}
    if selected["status"] not in LineStatus.values:
        selected["status"] = ""
    lines = order_lines(
        market=selected["market"] or None,
        account=selected["account"] or None,
        status=selected["status"] or None,
        search=selected["q"] or None,
    ).select_related("purchase")
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    reveal = has_role(request.user, Role.OPERATOR)
    rows = [line_document(line, reveal=reveal, history=False) for line in page]
    counts = {}
    for market, status in OrderLine.objects.values_list("account__market", "status"):
        counts.setdefault(market, {}).setdefault(status, 0)
        counts[market][status] += 1
    return render(
        request,
        "dashboard/orders/order_list.html",
        {
            "page": page,
            "rows": rows,
            "selected": selected,
            "statuses": LineStatus.choices,
            "markets": sorted(counts),
            "counts": [
                (market, [(s, counts[market].get(s, 0)) for s in LineStatus.values])
                for market in sorted(counts)
            ],
            "status_names": LineStatus.values,
            "filters": _without_page(request.GET),
            "sales_charts": sales_charts(),
        },
    )


def sales_charts() -> list[tuple[str, str]]:
    """A chart of revenue per day over the last 30 days, one per currency."""
    charts = []
    for currency, days in daily_sales(get_clock().now()).items():
        bars = [
            Bar(revenue, f"{day}: {revenue:,} {currency}, {count} lines", "status-COMPLETED")
            for day, revenue, count in days
        ]
        charts.append((currency, column_chart(bars, unit=f" {currency}", label=_("Sales per day"))))
    return charts


def _line(pk: int) -> OrderLine:
    line = with_history(OrderLine.objects.select_related("order", "account")).filter(pk=pk).first()
    if line is None:
        raise Http404(_("No such order line."))
    return line


@require_GET
def order_detail(request, pk: int):
    line = _line(pk)
    document = line_document(line, reveal=has_role(request.user, Role.OPERATOR))
    return render(
        request,
        "dashboard/orders/order_detail.html",
        {
            "line": document,
            "can_enter_tracking": line.status == LineStatus.PURCHASED,
            "can_cancel": line.status in SELLER_CANCELLABLE,
        },
    )


@role_required(Role.OPERATOR)
@require_POST
def order_cancel(request, pk: int):
    try:
        done = line_cancel_by_seller(_line(pk), actor=f"{request.user.get_username()} (dashboard)")
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("dashboard:order", pk=pk)


@role_required(Role.OPERATOR)
@require_POST
def order_process(request, pk: int):
    """Run order_processing for the line's account now: collect, acknowledge, buy, ship."""
    line = _line(pk)
    workflows_load()
    try:
        started = batch_start("order_processing", params={"account": line.account.name})
    except (BatchConflict, KeyError, ValueError) as exc:
        messages.error(request, str(exc).strip("\"'"))
        return redirect("dashboard:order", pk=pk)
    return redirect("dashboard:batch", started.batch.id)


@role_required(Role.OPERATOR)
@require_POST
def order_tracking(request, pk: int):
    line = _line(pk)
    company = (request.POST.get("company") or "").strip()[:30]
    number = (request.POST.get("number") or "").strip()[:40]
    if line.status != LineStatus.PURCHASED:
        messages.error(request, _("Only a purchased line takes a tracking number."))
    elif not company or not number.replace("-", "").isalnum() or len(number) < 6:
        messages.error(
            request,
            _("Enter the parcel company and a tracking number of 6 or more letters or digits."),
        )
    else:
        tracking_set(line, company, number, source="person")
        messages.success(request, _("Tracking number saved: the next run sends it to the market."))
    return redirect("dashboard:order", pk=pk)
