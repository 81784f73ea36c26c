"""Reading orders: the lines of a market, account or status, and each line as a JSON document
with its timeline and the requests made for it (the ``yooini orders --json`` and API shape).

The buyer is masked unless ``reveal`` (operators and admins; never for viewers).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from yooini.crypto import CredentialsError

from .models import OrderEvent, OrderLine, OrderRequest, Purchase
from .personal import buyer_decrypt, buyer_masked


def order_lines(
    *,
    market: str | None = None,
    account: str | None = None,
    status: str | None = None,
    search: str | None = None,
) -> QuerySet[OrderLine]:
    lines = OrderLine.objects.select_related("order", "account").order_by("-created_at", "-id")
    if market:
        lines = lines.filter(account__market=market)
    if account:
        lines = lines.filter(account__name=account)
    if status:
        lines = lines.filter(status=status)
    if search:
        lines = (
            lines.filter(market_line_id__icontains=search)
            | lines.filter(order__market_order_id__icontains=search)
            | lines.filter(reference_number__icontains=search)
            | lines.filter(product_name__icontains=search)
        )
    return lines


def with_history(lines: QuerySet[OrderLine]) -> QuerySet[OrderLine]:
    """``lines`` with their events, requests and purchase loaded in a few queries."""
    return lines.select_related("purchase").prefetch_related(
        Prefetch("events", queryset=OrderEvent.objects.order_by("at", "id")),
        Prefetch("requests", queryset=OrderRequest.objects.order_by("at", "id")),
    )


def event_document(event: OrderEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "from": event.status_from,
        "to": event.status_to,
        "source": event.source,
        "cause": event.cause,
    }


def request_document(request: OrderRequest) -> dict[str, Any]:
    return {
        "kind": request.kind,
        "target": request.target,
        "at": request.at.isoformat(),
        "body": request.body,
        "status_code": request.status_code,
        "result": request.result,
        "error": request.error,
    }


def purchase_document(line: OrderLine) -> dict[str, Any] | None:
    try:
        held = line.purchase
    except Purchase.DoesNotExist:
        return None
    return {
        "supplier": held.supplier,
        "item_key": held.item_key,
        "option_key": held.option_key,
        "quantity": held.quantity,
        "request_key": held.request_key,
        "status": held.status,
        "supplier_order_id": held.supplier_order_id,
        "sheet_file": held.sheet_file,
        "error": held.error,
    }


UNREADABLE = {"name": "***", "phone": "***", "address": "***", "zip_code": "***"}


def line_document(line: OrderLine, *, reveal: bool = False, history: bool = True) -> dict:
    try:
        buyer = buyer_decrypt(line.order.buyer_encrypted)
    except CredentialsError:  # no key, or not the key it was stored with: shown as hidden
        buyer, reveal = dict(UNREADABLE), True
    document: dict[str, Any] = {
        "id": line.pk,
        "market": line.account.market,
        "account": line.account.name,
        "order_id": line.order.market_order_id,
        "line_id": line.market_line_id,
        "ordered_at": line.order.ordered_at,
        "reference_number": line.reference_number,
        "product_name": line.product_name,
        "option": line.option,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "currency": line.currency,
        "status": line.status,
        "market_status": line.market_status,
        "cancel_requested": line.cancel_requested,
        "tracking": {"company": line.tracking_company, "number": line.tracking_number},
        "attention": line.attention,
        "buyer": buyer if reveal else buyer_masked(buyer),
        "purchase": purchase_document(line),
    }
    if history:
        document["timeline"] = [event_document(e) for e in line.events.all()]
        document["requests"] = [request_document(r) for r in line.requests.all()]
    return document


def daily_sales(now, *, days: int = 30) -> dict[str, list[tuple[Any, int, int]]]:
    """Per currency, each of the last ``days`` days up to today (oldest first, days in the
    settings' time zone): (day, revenue, lines sold), cancelled and returned lines left out."""
    from datetime import timedelta

    from yooini.timefmt import day_start, local_day

    from .models import LineStatus

    today = local_day(now)
    first = today - timedelta(days=days - 1)
    since = day_start(first)
    lines = OrderLine.objects.filter(created_at__gte=since).exclude(
        status__in=(LineStatus.CANCELLED, LineStatus.RETURNED)
    )
    found: dict[str, list[list]] = {}
    for currency, quantity, price, at in lines.values_list(
        "currency", "quantity", "unit_price", "created_at"
    ):
        series = found.setdefault(
            currency, [[first + timedelta(days=i), 0, 0] for i in range(days)]
        )
        index = (local_day(at) - first).days
        if 0 <= index < days:
            series[index][1] += quantity * price
            series[index][2] += 1
    return {currency: [tuple(day) for day in series] for currency, series in sorted(found.items())}
