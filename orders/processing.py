"""The four steps of ``order_processing`` for one market account, each safe to run again:

- ``collect``: every page of new and changed orders since the stored token, recorded (a line
  read twice is the same line), the token saved after each page;
- ``acknowledge``: new lines, unless the buyer asked to cancel, acknowledged at the market;
- ``purchase``: acknowledged lines bought once at their supplier (``orders.purchase``);
  lost answers resolved; cancelled lines' purchases cancelled; lines of suppliers without an
  order API written to that supplier's order sheet (``orders.sheets``);
- ``tracking``: tracking numbers read from the supplier (or imported from a file) sent to the
  market; the line is then shipped.

Each returns counts for the stage's summary. Market errors that mean "later"
(``MarketUnavailable``) are raised so the engine's retry policy runs the step again.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import transaction

from markets.contract import order_connector_for
from markets.models import MarketAccount
from markets.orders import MarketLineStatus, MarketOrderLine, Tracking
from markets.services import market_config
from orchestrator.core.clock import get_clock
from suppliers.connectors.contract import ConnectorError
from suppliers.connectors.purchasing import kind_takes_orders, purchases_supported
from suppliers.models import Supplier
from suppliers.services import supplier_connector

from .models import LineStatus, OrderLine, OrderRequest, Purchase, PurchaseStatus, RequestKind
from .purchase import NotPurchasable, line_source, purchase_cancel, purchase_line, purchase_resolve
from .services import cursor_get, cursor_save, line_flag, line_note, line_transition, orders_record
from .sheets import sheet_add, sheets_write

log = logging.getLogger("yooini.orders")

MAX_PAGES = 200


def order_connector(account: MarketAccount, *, transport=None):
    """The account's order connector, credentials decrypted (close it after use)."""
    return order_connector_for(market_config(account, transport=transport))


def market_line(line: OrderLine) -> MarketOrderLine:
    """The line as the market connector knows it."""
    return MarketOrderLine(
        line_id=line.market_line_id,
        reference_number=line.reference_number,
        product_name=line.product_name,
        option=line.option,
        quantity=line.quantity,
        unit_price=line.unit_price,
        status=MarketLineStatus(line.market_status or "new"),
        market_data=line.market_data,
    )


# --- collect -----------------------------------------------------------------------------------


def collect(account: MarketAccount, connector) -> dict[str, int]:
    counts: Counter[str] = Counter()
    token = cursor_get(account)
    for _ in range(MAX_PAGES):
        page = connector.changed_orders(token)
        counts.update(orders_record(account, page.orders))
        for problem in page.rejected:
            log.warning("%s: an order could not be read: %s", account.name, problem)
        counts["rejected"] += len(page.rejected)
        token = dict(page.token)
        cursor_save(account, token)
        counts["pages"] += 1
        if not page.more:
            break
    return {k: v for k, v in counts.items() if v or k == "created"}


# --- acknowledge -------------------------------------------------------------------------------


def acknowledge(account: MarketAccount, connector) -> dict[str, int]:
    lines = list(
        OrderLine.objects.filter(
            account=account, status=LineStatus.NEW, cancel_requested=False, attention=""
        ).order_by("id")
    )
    counts: Counter[str] = Counter()
    if not lines:
        return {}
    by_id = {line.market_line_id: line for line in lines}
    now = get_clock().now()
    requests = {
        line.pk: OrderRequest.objects.create(
            line=line,
            kind=RequestKind.ACKNOWLEDGE,
            target=account.market,
            at=now,
            body={"line": line.market_line_id},
        )
        for line in lines
    }
    outcomes = connector.acknowledge([market_line(line) for line in lines])
    for outcome in outcomes:
        line = by_id[outcome.line_id]
        request = requests[line.pk]
        with transaction.atomic():
            request.status_code = 200
            request.result = {"ok": outcome.ok, "message": outcome.message}
            request.save(update_fields=["status_code", "result"])
            if outcome.ok:
                line_transition(
                    line,
                    LineStatus.ACKNOWLEDGED,
                    cause="acknowledged at the market",
                    source="market",
                )
                counts["acknowledged"] += 1
            else:
                line_note(
                    line,
                    cause=f"the market refused the acknowledgement: {outcome.message}",
                    source="market",
                )
                counts["refused"] += 1
    return dict(counts)


# --- purchase ----------------------------------------------------------------------------------


# What a supplier without an order API stands for: its lines go to its order sheet.
NO_ORDER_API = object()


class SupplierConnectors:
    """One connector per supplier for a stage run (``None``: no such enabled supplier;
    ``NO_ORDER_API``: a supplier whose kind takes no orders, so no connector is built)."""

    def __init__(self, build: Callable[[Supplier], Any] = supplier_connector) -> None:
        self._build = build
        self._held: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._held:
            supplier = Supplier.objects.filter(name=name, enabled=True).first()
            if supplier is None:
                self._held[name] = None
            elif not kind_takes_orders(supplier.kind):
                self._held[name] = NO_ORDER_API
            else:
                self._held[name] = self._build(supplier)
        return self._held[name]

    def close(self) -> None:
        for connector in self._held.values():
            if connector is not None and connector is not NO_ORDER_API:
                connector.close()


def purchase(account: MarketAccount, suppliers: SupplierConnectors, *, run: str) -> dict[str, int]:
    counts: Counter[str] = Counter()
    # Answers lost by an earlier run first: they decide nothing new is sent for those lines.
    for held in Purchase.objects.filter(
        line__account=account, status=PurchaseStatus.REQUESTED
    ).select_related("line"):
        connector = suppliers[held.supplier]
        counts[f"resolved_{purchase_resolve(held, connector)}"] += 1
    for line in (
        OrderLine.objects.filter(
            account=account, status=LineStatus.ACKNOWLEDGED, cancel_requested=False, attention=""
        )
        .filter(purchase__isnull=True)
        .select_related("order")
        .order_by("id")
    ):
        try:
            source = line_source(line)
        except NotPurchasable as exc:
            line_flag(line, str(exc), source="purchase")
            counts["attention"] += 1
            continue
        connector = suppliers[source.supplier]
        if connector is None:
            line_flag(line, f"no enabled supplier named {source.supplier}", source="purchase")
            counts["attention"] += 1
        elif purchases_supported(connector):
            counts[purchase_line(line, connector, source.supplier, source)] += 1
        else:
            counts[sheet_add(line, source)] += 1
    counts["sheets"] = len(sheets_write(account, run=run))
    for held in Purchase.objects.filter(
        line__account=account,
        line__status=LineStatus.CANCELLED,
        status__in=(PurchaseStatus.PLACED, PurchaseStatus.SHEET),
        line__attention="",
    ).select_related("line"):
        connector = suppliers[held.supplier]
        counts[f"cancel_{purchase_cancel(held, connector)}"] += 1
    return {k: v for k, v in counts.items() if v}


# --- tracking ----------------------------------------------------------------------------------


def tracking(account: MarketAccount, connector, suppliers: SupplierConnectors) -> dict[str, int]:
    counts: Counter[str] = Counter()
    lines = list(
        OrderLine.objects.filter(account=account, status=LineStatus.PURCHASED, attention="")
        .select_related("purchase")
        .order_by("id")
    )
    for line in lines:
        if not line.tracking_number:
            _tracking_from_supplier(line, suppliers)
        if not line.tracking_number:
            counts["waiting"] += 1
            continue
        counts[_ship(account, connector, line)] += 1
    return {k: v for k, v in counts.items() if v}


def _tracking_from_supplier(line: OrderLine, suppliers: SupplierConnectors) -> None:
    held = line.purchase
    connector = suppliers[held.supplier] if held.status == PurchaseStatus.PLACED else None
    if connector is None or not purchases_supported(connector):
        return
    try:
        found = connector.order_get(held.supplier_order_id)
    except ConnectorError as exc:
        log.info("tracking of %s at %s not read now: %s", line.pk, held.supplier, exc)
        return
    if found and found.tracking_number:
        tracking_set(line, found.tracking_company, found.tracking_number, source="purchase")


def tracking_set(line: OrderLine, company: str, number: str, *, source: str) -> None:
    line.tracking_company, line.tracking_number = company, number
    line.updated_at = get_clock().now()
    line.save(update_fields=["tracking_company", "tracking_number", "updated_at"])
    line_note(line, cause=f"tracking number {company} {number}", source=source)


def _ship(account: MarketAccount, connector, line: OrderLine) -> str:
    tracking_sent = Tracking(line.tracking_company, line.tracking_number)
    request = OrderRequest.objects.create(
        line=line,
        kind=RequestKind.TRACKING,
        target=account.market,
        at=get_clock().now(),
        body={"company": tracking_sent.company, "number": tracking_sent.number},
    )
    outcome = connector.ship(market_line(line), tracking_sent)
    with transaction.atomic():
        request.status_code = 200
        request.result = {"ok": outcome.ok, "message": outcome.message}
        request.save(update_fields=["status_code", "result"])
        if not outcome.ok:
            line_flag(
                line,
                f"the market refused the tracking number: {outcome.message}",
                source="tracking",
            )
            return "refused"
        line_transition(
            line,
            LineStatus.SHIPPED,
            cause=f"tracking {tracking_sent.company} {tracking_sent.number} sent to the market",
            source="tracking",
        )
    return "shipped"
