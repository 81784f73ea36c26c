"""Buying each order line from its supplier, once, whatever crashes
(docs/decisions/0012-one-purchase-per-order-line.md).

- Before the supplier is called, a ``Purchase`` row (one per line: a one-to-one key) and the
  request's log row are committed durably (``durable_atomic``): a process killed at any point
  after that leaves the record that the call may have been made.
- A ``Purchase`` still ``requested`` on a later run lost its answer: the supplier is asked for
  the order by our ``request_key`` (sent as the order's note). Found: it is recorded as placed.
  Not found, or the supplier cannot be asked: ``attention``, and nothing more is sent for the
  line until a person has looked. The purchase is never sent a second time by the program.
- A refusal (sold out, unknown option) buys nothing: the purchase is ``refused`` and the line
  waits for a person (cancel it at the market, or buy elsewhere).
- A line whose buyer asked to cancel, or that is cancelled, is never bought. A bought line
  cancelled afterwards is cancelled at the supplier when its API allows, else flagged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction

from orchestrator.core.clock import get_clock
from source_data.models import SourceData
from suppliers.connectors.contract import ConnectorError
from suppliers.connectors.purchasing import (
    PurchaseOrder,
    PurchaseRefused,
    Recipient,
    purchases_supported,
)
from yooini.durability import durable_atomic

from .models import LineStatus, OrderLine, OrderRequest, Purchase, PurchaseStatus, RequestKind
from .personal import buyer_decrypt
from .services import line_flag, line_note, line_transition, listing_for

log = logging.getLogger("yooini.orders.purchase")

HIDDEN = "***"
_SPLIT = re.compile(r"[\s/,:|·_-]+")


class NotPurchasable(Exception):
    """This line cannot be bought automatically; the message says why (for a person)."""


@dataclass(frozen=True)
class Source:
    """Where a line is bought: the supplier, its item key and the option key (None when the
    item has no options)."""

    supplier: str
    item_key: str
    option_key: str | None


def request_key(line: OrderLine) -> str:
    return f"yooini-{line.account_id}-{line.pk}"


def line_source(line: OrderLine) -> Source:
    """The supplier item behind a line: the listing by our reference number, its product's
    supplier record, and the option whose values the buyer's option text names."""
    listing = line.listing or listing_for(line.account_id, line.reference_number)
    if listing is None or ":" not in listing.source_key:
        raise NotPurchasable(
            f"no listing of ours has the reference number {line.reference_number!r}"
        )
    supplier, _, item_key = listing.source_key.partition(":")
    record = (
        SourceData.objects.filter(source_system=supplier, source_id=item_key, is_current=True)
        .only("raw")
        .first()
    )
    options = [o for o in ((record.raw if record else {}) or {}).get("options") or () if o]
    return Source(supplier, item_key, option_key_for(options, line.option))


def option_key_for(options: list[Mapping[str, Any]], chosen: str) -> str | None:
    """The key (or, when the supplier gives none, the name) of the one option whose values
    all appear in the buyer's option text."""
    if not options:
        return None
    words = {w for w in _SPLIT.split(chosen.lower()) if w}
    matches = []
    for option in options:
        values = [str(v).lower() for _, v in option.get("attributes") or ()] or [
            str(option.get("name") or "").lower()
        ]
        parts = {w for value in values for w in _SPLIT.split(value) if w}
        if parts and parts <= words:
            matches.append(option)
    if len(matches) != 1:
        found = "no option" if not matches else f"{len(matches)} options"
        raise NotPurchasable(f"the option {chosen!r} matches {found} of the supplier's item")
    # A supplier without option keys (a feed, a mall) is ordered by the option's name.
    return str(matches[0].get("key") or matches[0].get("name"))


def purchase_line(line: OrderLine, connector: Any, supplier: str, source: Source) -> str:
    """Buy ``line`` unless it must not be; the outcome: ``placed``, ``refused``, ``unknown``
    (the call failed: the next run looks it up), ``skipped``."""
    if line.status != LineStatus.ACKNOWLEDGED or line.cancel_requested or line.attention:
        return "skipped"
    if Purchase.objects.filter(line=line).exists():
        return "skipped"
    now = get_clock().now()
    recipient = Recipient(**buyer_decrypt(line.order.buyer_encrypted))
    order = PurchaseOrder(
        source.item_key, source.option_key, line.quantity, request_key(line), recipient
    )
    try:
        with durable_atomic():
            purchase = Purchase.objects.create(
                line=line,
                supplier=supplier,
                item_key=source.item_key,
                option_key=source.option_key or "",
                quantity=line.quantity,
                request_key=order.request_key,
                status=PurchaseStatus.REQUESTED,
                requested_at=now,
            )
            request = OrderRequest.objects.create(
                line=line,
                kind=RequestKind.PURCHASE,
                target=supplier,
                at=now,
                body={
                    "item_key": order.item_key,
                    "option_key": order.option_key,
                    "quantity": order.quantity,
                    "note": order.request_key,
                    "recipient": HIDDEN,
                },
            )
    except IntegrityError:  # another worker wrote it first: it makes the call, not us
        return "skipped"
    try:
        answer = connector.order_create(order)
    except PurchaseRefused as exc:
        _finish(purchase, request, PurchaseStatus.REFUSED, error=str(exc), status_code=200)
        line_flag(line, f"{supplier} refused the purchase: {exc}", source="purchase")
        return "refused"
    except ConnectorError as exc:
        request.error = f"outcome unknown: {exc}"
        request.save(update_fields=["error"])
        line_note(
            line, cause=f"purchase sent, answer lost ({exc}): looked up next run", source="purchase"
        )
        return "unknown"
    _finish(purchase, request, PurchaseStatus.PLACED, supplier_order_id=answer.key, status_code=200)
    line_transition(
        line,
        LineStatus.PURCHASED,
        cause=f"bought from {supplier}: order {answer.key}",
        source="purchase",
    )
    return "placed"


def purchase_resolve(purchase: Purchase, connector: Any) -> str:
    """A purchase whose answer was lost: ``placed`` when the supplier has it, else
    ``attention``; ``unknown`` when the supplier could not be asked now (asked next run)."""
    line = purchase.line
    now = get_clock().now()
    request = OrderRequest.objects.create(
        line=line,
        kind=RequestKind.LOOKUP,
        target=purchase.supplier,
        at=now,
        body={"note": purchase.request_key},
    )
    if not purchases_supported(connector):
        _finish(purchase, request, PurchaseStatus.ATTENTION, error="the supplier cannot be asked")
        line_flag(
            line, "a purchase's answer was lost and the supplier cannot be asked", source="purchase"
        )
        return "attention"
    since = int((purchase.requested_at - timedelta(days=1)).timestamp())
    try:
        found = connector.order_find(purchase.request_key, since=since)
    except ConnectorError as exc:
        request.error = str(exc)
        request.save(update_fields=["error"])
        return "unknown"
    if found is None:
        _finish(
            purchase,
            request,
            PurchaseStatus.ATTENTION,
            error="not found at the supplier",
            status_code=200,
        )
        line_flag(
            line,
            f"a purchase's answer was lost and {purchase.supplier} has no order with note "
            f"{purchase.request_key}: check the supplier before buying by hand",
            source="purchase",
        )
        return "attention"
    _finish(purchase, request, PurchaseStatus.PLACED, supplier_order_id=found.key, status_code=200)
    if line.status == LineStatus.ACKNOWLEDGED:
        line_transition(
            line,
            LineStatus.PURCHASED,
            cause=f"bought from {purchase.supplier}: order {found.key} (found after a lost answer)",
            source="purchase",
        )
    return "placed"


def purchase_cancel(purchase: Purchase, connector: Any) -> str:
    """Cancel a placed purchase whose line was cancelled: ``cancelled``, or ``attention`` when
    the supplier's API cannot (no order API, already shipped)."""
    line = purchase.line
    if not purchases_supported(connector):
        line_flag(
            line,
            f"cancelled after purchase: cancel order {purchase.supplier_order_id} at {purchase.supplier} by hand",
            source="purchase",
        )
        return "attention"
    now = get_clock().now()
    with durable_atomic():
        request = OrderRequest.objects.create(
            line=line,
            kind=RequestKind.CANCEL,
            target=purchase.supplier,
            at=now,
            body={"order": purchase.supplier_order_id},
        )
    try:
        connector.order_cancel(purchase.supplier_order_id)
    except PurchaseRefused as exc:
        request.status_code, request.error = 200, str(exc)
        request.save(update_fields=["status_code", "error"])
        line_flag(
            line,
            f"cancelled after purchase, {purchase.supplier} refused the cancel: {exc}",
            source="purchase",
        )
        return "attention"
    with transaction.atomic():
        request.status_code = 200
        request.save(update_fields=["status_code"])
        purchase.status = PurchaseStatus.CANCELLED
        purchase.answered_at = get_clock().now()
        purchase.save(update_fields=["status", "answered_at"])
        line_note(
            line,
            cause=f"purchase {purchase.supplier_order_id} cancelled at {purchase.supplier}",
            source="purchase",
        )
    return "cancelled"


def _finish(
    purchase: Purchase,
    request: OrderRequest,
    status: str,
    *,
    supplier_order_id: str = "",
    error: str = "",
    status_code: int | None = None,
) -> None:
    now = get_clock().now()
    with transaction.atomic():
        purchase.status = status
        purchase.supplier_order_id = supplier_order_id or purchase.supplier_order_id
        purchase.error = error
        purchase.answered_at = now
        purchase.save(update_fields=["status", "supplier_order_id", "error", "answered_at"])
        request.status_code = status_code
        request.result = {"status": status, "supplier_order_id": purchase.supplier_order_id}
        request.error = error
        request.save(update_fields=["status_code", "result", "error"])
