"""Recording orders and moving their lines along the timeline.

Statuses only move forward (``RANK``); ``cancelled`` and ``returned`` end a line. Every change
is an ``OrderEvent`` with its cause. Reading the same market line again updates it and adds an
event only when something changed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from django.db import transaction

from markets.models import Listing, MarketAccount
from markets.orders import MarketLineStatus, MarketOrder, MarketOrderLine
from orchestrator.core.clock import get_clock

from .models import LineStatus, Order, OrderCursor, OrderEvent, OrderLine
from .personal import buyer_encrypt

log = logging.getLogger("yooini.orders")

RANK = {
    LineStatus.NEW: 0,
    LineStatus.ACKNOWLEDGED: 1,
    LineStatus.PURCHASED: 2,
    LineStatus.SHIPPED: 3,
    LineStatus.DELIVERED: 4,
    LineStatus.CANCELLED: 9,
    LineStatus.RETURNED: 9,
}
FINAL = {LineStatus.CANCELLED, LineStatus.RETURNED}
# What the market reporting a status means for ours (None: no status change).
FROM_MARKET = {
    MarketLineStatus.NEW: LineStatus.NEW,
    MarketLineStatus.ACKNOWLEDGED: LineStatus.ACKNOWLEDGED,
    MarketLineStatus.SHIPPED: LineStatus.SHIPPED,
    MarketLineStatus.DELIVERED: LineStatus.DELIVERED,
    MarketLineStatus.CANCEL_REQUESTED: None,
    MarketLineStatus.CANCELLED: LineStatus.CANCELLED,
    MarketLineStatus.RETURNED: LineStatus.RETURNED,
}


class TransitionRefused(ValueError):
    """A status change the timeline does not allow (backwards, or after the end)."""


def line_transition(line: OrderLine, to: str, *, cause: str, source: str) -> bool:
    """Move ``line`` to ``to`` and record why; False when it is there already or the move
    would go backwards (a market repeating an older status). ``TransitionRefused`` for leaving
    ``cancelled`` or ``returned``, and for a return of a line never shipped."""
    to = LineStatus(to)
    current = LineStatus(line.status)
    if to == current:
        return False
    if current in FINAL:
        raise TransitionRefused(f"line {line.market_line_id} is {current}: it cannot become {to}")
    if to == LineStatus.RETURNED and current not in (LineStatus.SHIPPED, LineStatus.DELIVERED):
        raise TransitionRefused(
            f"line {line.market_line_id} is {current}: only a shipped line can be returned"
        )
    if to not in FINAL and RANK[to] < RANK[current]:
        return False
    now = get_clock().now()
    # Only from the status read: a line changed meanwhile by another process (a person's
    # cancel during a purchase call) is read again and decided on what is stored.
    if not OrderLine.objects.filter(pk=line.pk, status=current).update(status=to, updated_at=now):
        line.refresh_from_db(fields=["status", "updated_at"])
        if line.status in FINAL:
            log.warning("order line %s became %s meanwhile: not %s", line.pk, line.status, to)
            return False
        return line_transition(line, to, cause=cause, source=source)
    line.status = to
    line.updated_at = now
    OrderEvent.objects.create(
        line=line, at=now, status_from=current, status_to=to, source=source, cause=cause
    )
    return True


def line_note(line: OrderLine, *, cause: str, source: str) -> None:
    """An event that changes no status (a cancel request, a refusal, a flag for a person)."""
    OrderEvent.objects.create(
        line=line,
        at=get_clock().now(),
        status_from=line.status,
        status_to=line.status,
        source=source,
        cause=cause,
    )


def line_flag(line: OrderLine, reason: str, *, source: str) -> None:
    """Stop work on ``line`` until a person has looked (``attention``), with the reason."""
    line.attention = reason
    line.updated_at = get_clock().now()
    line.save(update_fields=["attention", "updated_at"])
    line_note(line, cause=f"needs a person: {reason}", source=source)
    log.warning("order line %s needs a person: %s", line.pk, reason)


def orders_record(account: MarketAccount, orders: Iterable[MarketOrder]) -> dict[str, int]:
    """Store what the market reported; counts of lines ``created``, ``changed``, ``unchanged``."""
    counts = {"created": 0, "changed": 0, "unchanged": 0}
    for market_order in orders:
        with transaction.atomic():
            order = _order_upsert(account, market_order)
            for market_line in market_order.lines:
                counts[_line_upsert(account, order, market_order, market_line)] += 1
    return counts


def _order_upsert(account: MarketAccount, market_order: MarketOrder) -> Order:
    now = get_clock().now()
    order, created = Order.objects.get_or_create(
        account=account,
        market_order_id=market_order.order_id,
        defaults={
            "ordered_at": market_order.ordered_at,
            "currency": market_order.currency,
            "buyer_encrypted": buyer_encrypt(market_order.buyer.as_dict()),
            "created_at": now,
            "updated_at": now,
        },
    )
    return order


def _line_upsert(
    account: MarketAccount, order: Order, market_order: MarketOrder, seen: MarketOrderLine
) -> str:
    now = get_clock().now()
    line = (
        OrderLine.objects.select_for_update()
        .filter(account=account, market_line_id=seen.line_id)
        .first()
    )
    if line is None:
        line = OrderLine.objects.create(
            order=order,
            account=account,
            market_line_id=seen.line_id,
            reference_number=seen.reference_number,
            listing=listing_for(account.pk, seen.reference_number),
            product_name=seen.product_name[:300],
            option=seen.option[:200],
            quantity=seen.quantity,
            unit_price=seen.unit_price,
            currency=market_order.currency,
            status=LineStatus.NEW,
            market_status=seen.status.value,
            market_data=dict(seen.market_data),
            created_at=now,
            updated_at=now,
        )
        OrderEvent.objects.create(
            line=line,
            at=now,
            status_from="",
            status_to=LineStatus.NEW,
            source="market",
            cause=f"ordered on {account.market} (order {market_order.order_id})",
        )
        _apply_market_status(line, seen.status)
        return "created"
    if line.market_status == seen.status.value:
        return "unchanged"
    line.market_status = seen.status.value
    line.market_data = {**line.market_data, **seen.market_data}
    line.updated_at = now
    line.save(update_fields=["market_status", "market_data", "updated_at"])
    _apply_market_status(line, seen.status)
    return "changed"


def _apply_market_status(line: OrderLine, status: MarketLineStatus) -> None:
    if status is MarketLineStatus.CANCEL_REQUESTED:
        if not line.cancel_requested:
            line.cancel_requested = True
            line.save(update_fields=["cancel_requested"])
            line_note(line, cause="the buyer asked the market to cancel", source="market")
        return
    target = FROM_MARKET[status]
    if target is None or target == LineStatus.NEW:
        return
    try:
        line_transition(
            line, target, cause=f"{line.account.market} reports {status}", source="market"
        )
    except TransitionRefused as exc:
        line_note(line, cause=f"ignored: {exc}", source="market")


_VARIANT_SUFFIX = re.compile(r"-[0-9a-f]{8}$")


def listing_for(account_id: int, reference_number: str) -> Listing | None:
    """Our listing of a line's seller code: the reference number itself, or, for a market that
    gives each variant its own code (Coupang: ``{reference}-{8 hex}``), the code without that
    suffix."""
    for code in dict.fromkeys((reference_number, _VARIANT_SUFFIX.sub("", reference_number))):
        found = (
            Listing.objects.filter(account_id=account_id, reference_number=code)
            .order_by("-id")
            .first()
        )
        if found is not None:
            return found
    return None


def cursor_get(account: MarketAccount) -> dict:
    cursor = OrderCursor.objects.filter(account=account).first()
    return dict(cursor.token) if cursor else {}


def cursor_save(account: MarketAccount, token: dict) -> None:
    OrderCursor.objects.update_or_create(
        account=account, defaults={"token": dict(token), "updated_at": get_clock().now()}
    )


# Before shipping a seller may still cancel a line (the supplier is out of stock, a wrong price).
SELLER_CANCELLABLE = (LineStatus.NEW, LineStatus.ACKNOWLEDGED, LineStatus.PURCHASED)


def line_cancel_by_seller(line: OrderLine, *, actor: str) -> str:
    """Cancel ``line`` on the seller's side, as ``actor`` (who pressed it). Not yet bought, it
    will never be; bought, the next ``order_processing`` cancels it at the supplier where the
    supplier allows, else flags it for a person. The market is not told by this call: the
    order connectors have no cancel operation, so the seller cancels there too (a note on the
    timeline says so). Returns what happened, for the person who pressed it."""
    with transaction.atomic():
        line = OrderLine.objects.select_for_update().get(pk=line.pk)
        if line.status not in SELLER_CANCELLABLE:
            raise TransitionRefused(
                f"line {line.market_line_id} is {line.status}: only a line not yet shipped can be"
                " cancelled"
            )
        if line.purchase_in_flight:
            raise TransitionRefused(
                f"line {line.market_line_id} is being bought right now: try again in a minute"
            )
        bought = line.status == LineStatus.PURCHASED
        line_transition(line, LineStatus.CANCELLED, cause=f"cancelled by {actor}", source="person")
        line_note(
            line,
            cause=f"cancel the order on {line.account.market} as well: it is not sent from here",
            source="person",
        )
    if bought:
        return "cancelled: the next order_processing run cancels the purchase at the supplier"
    return "cancelled: it will not be bought"
