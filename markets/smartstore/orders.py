"""Naver SmartStore orders (Commerce API, pay-order), to the published contract
(docs/markets/smartstore.md, "Orders"):

- changes: ``GET /v1/pay-order/seller/product-orders/last-changed-statuses?lastChangedFrom=
  <ISO 8601 with offset>&limitCount=300[&moreSequence=S]``: the product orders changed in the
  24 hours from ``lastChangedFrom``; ``data.more {moreFrom, moreSequence}`` when a page is full.
- details: ``POST /v1/pay-order/seller/product-orders/query {productOrderIds}`` (at most 300):
  ``data[] {order, productOrder}`` with the buyer and the shipping address.
- acknowledge (발주 확인): ``POST .../product-orders/confirm {productOrderIds}`` (at most 30).
- tracking: ``POST .../product-orders/dispatch {dispatchProductOrders: [{productOrderId,
  deliveryMethod: DELIVERY, deliveryCompanyCode, trackingNumber, dispatchDate}]}`` (at most 30).
  Both answer ``data {successProductOrderIds, failProductOrderInfos[{productOrderId, code,
  message}]}``.

The token stored between runs: ``{"from": ISO, "sequence": moreSequence}``; a product order is
one line (its ``productOrderId``), the seller code is ``sellerProductCode``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from markets.contract import BaseMarketConnector, MarketConfig
from markets.listing import ListingRejected
from markets.orders import (
    Buyer,
    LineOutcome,
    MarketLineStatus,
    MarketOrder,
    MarketOrderLine,
    OrderPage,
    Tracking,
)

from . import contract
from .api import NaverClient

ROOT = "/v1/pay-order/seller/product-orders"
CHANGES_PATH = f"{ROOT}/last-changed-statuses"
QUERY_PATH = f"{ROOT}/query"
CONFIRM_PATH = f"{ROOT}/confirm"
DISPATCH_PATH = f"{ROOT}/dispatch"
LIMIT = 300
QUERY_BATCH = 300
ACTION_BATCH = 30
WINDOW = timedelta(hours=24)
KST = timezone(timedelta(hours=9))


def iso(at: datetime) -> str:
    """Naver's date-time: milliseconds and the +09:00 offset."""
    return at.astimezone(KST).isoformat(timespec="milliseconds")


def status_of(product_order: Mapping[str, Any]) -> MarketLineStatus:
    status = str(product_order.get("productOrderStatus") or "")
    claim = (str(product_order.get("claimType") or ""), str(product_order.get("claimStatus") or ""))
    if status in ("CANCELED", "CANCELED_BY_NOPAYMENT"):
        return MarketLineStatus.CANCELLED
    if status == "RETURNED":
        return MarketLineStatus.RETURNED
    if claim == ("CANCEL", "CANCEL_REQUEST"):
        return MarketLineStatus.CANCEL_REQUESTED
    if status == "DELIVERING":
        return MarketLineStatus.SHIPPED
    if status in ("DELIVERED", "PURCHASE_DECIDED"):
        return MarketLineStatus.DELIVERED
    if product_order.get("placeOrderStatus") == "OK":
        return MarketLineStatus.ACKNOWLEDGED
    return MarketLineStatus.NEW


class SmartStoreOrders(BaseMarketConnector):
    """One SmartStore account's product orders (settings and credentials as the listing
    connector's; ``delivery_company`` is the default parcel company)."""

    kind = "smartstore"

    def __init__(
        self, config: MarketConfig, *, now: Callable[[], datetime] = lambda: datetime.now(KST)
    ) -> None:
        super().__init__(config)
        self._now = now
        self._client = NaverClient(
            base_url=str(config.settings.get("base_url") or contract.DEFAULT_BASE_URL),
            credentials=config.credentials,
            token_type=str(config.settings.get("token_type") or "SELF"),
            on_credentials=config.on_credentials,
            transport=config.transport,
            timeout=config.timeout,
            max_wait=config.max_wait,
        )

    def close(self) -> None:
        self._client.close()

    # --- listing ------------------------------------------------------------------------

    def changed_orders(self, token: Mapping[str, Any]) -> OrderPage:
        now = self._now()
        # The first run looks a day back, ending a minute ahead so nothing changed in the
        # last instant falls after the window's end.
        first = now - WINDOW + timedelta(minutes=1)
        start = datetime.fromisoformat(token["from"]) if token.get("from") else first
        query: dict[str, Any] = {"lastChangedFrom": iso(start), "limitCount": LIMIT}
        if token.get("sequence"):
            query["moreSequence"] = token["sequence"]
        answer = self._client.call("GET", f"{CHANGES_PATH}?{urlencode(query)}")
        data = answer.get("data") or {}
        changes = data.get("lastChangeStatuses") or []
        self._rejected: list[str] = []
        orders = self._details(
            [str(c["productOrderId"]) for c in changes if c.get("productOrderId")]
        )
        rejected = tuple(self._rejected)
        more = data.get("more") or {}
        if more.get("moreSequence"):
            following = {
                "from": more.get("moreFrom") or iso(start),
                "sequence": more["moreSequence"],
            }
            return OrderPage(orders, following, True, rejected)
        seen = [datetime.fromisoformat(c["lastChangedDate"]) for c in changes]
        if start + WINDOW < now and not seen:
            return OrderPage(orders, {"from": iso(start + WINDOW)}, True, rejected)
        return OrderPage(orders, {"from": iso(max([start, *seen]))}, False, rejected)

    def _details(self, ids: list[str]) -> tuple[MarketOrder, ...]:
        found: dict[str, MarketOrder] = {}
        for begin in range(0, len(ids), QUERY_BATCH):
            batch = list(dict.fromkeys(ids[begin : begin + QUERY_BATCH]))
            answer = self._client.call("POST", QUERY_PATH, json={"productOrderIds": batch})
            for row in answer.get("data") or ():
                try:
                    order, line, buyer = _line(row)
                except (KeyError, TypeError, ValueError) as exc:
                    number = ((row or {}).get("productOrder") or {}).get("productOrderId")
                    what = (
                        f"missing {exc.args[0]}"
                        if isinstance(exc, KeyError)
                        else "a malformed value"
                    )
                    self._rejected.append(f"product order {number or '?'}: {what}")
                    continue
                held = found.get(order["orderId"])
                lines = (*held.lines, line) if held else (line,)
                found[order["orderId"]] = MarketOrder(
                    order_id=str(order["orderId"]),
                    ordered_at=str(order.get("orderDate") or ""),
                    currency="KRW",
                    buyer=buyer,
                    lines=lines,
                )
        return tuple(found.values())

    # --- acknowledging and shipping -----------------------------------------------------------

    def acknowledge(self, lines: Sequence[MarketOrderLine]) -> list[LineOutcome]:
        outcomes: list[LineOutcome] = []
        for begin in range(0, len(lines), ACTION_BATCH):
            batch = [line.line_id for line in lines[begin : begin + ACTION_BATCH]]
            answer = self._client.call("POST", CONFIRM_PATH, json={"productOrderIds": batch})
            outcomes.extend(_outcomes(batch, answer))
        return outcomes

    def ship(self, line: MarketOrderLine, tracking: Tracking) -> LineOutcome:
        company = tracking.company or str(self.config.settings.get("delivery_company") or "")
        body = {
            "dispatchProductOrders": [
                {
                    "productOrderId": line.line_id,
                    "deliveryMethod": "DELIVERY",
                    "deliveryCompanyCode": company,
                    "trackingNumber": tracking.number,
                    "dispatchDate": iso(self._now()),
                }
            ]
        }
        try:
            answer = self._client.call("POST", DISPATCH_PATH, json=body)
        except ListingRejected as exc:
            text = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.errors.items())
            return LineOutcome(line.line_id, False, text)
        return _outcomes([line.line_id], answer)[0]


def _line(row: Mapping[str, Any]) -> tuple[Mapping[str, Any], MarketOrderLine, Buyer]:
    order, product_order = row.get("order") or {}, row.get("productOrder") or {}
    address = product_order.get("shippingAddress") or {}
    line = MarketOrderLine(
        line_id=str(product_order["productOrderId"]),
        reference_number=str(product_order.get("sellerProductCode") or ""),
        product_name=str(product_order.get("productName") or ""),
        option=str(product_order.get("productOption") or ""),
        quantity=int(product_order.get("quantity") or 0),
        unit_price=int(product_order.get("unitPrice") or 0),
        status=status_of(product_order),
        market_data={"orderId": str(order.get("orderId") or "")},
    )
    buyer = Buyer(
        name=str(address.get("name") or order.get("ordererName") or ""),
        phone=str(address.get("tel1") or order.get("ordererTel") or ""),
        address=" ".join(
            str(p) for p in (address.get("baseAddress"), address.get("detailedAddress")) if p
        ),
        zip_code=str(address.get("zipCode") or ""),
    )
    return order, line, buyer


def _outcomes(ids: list[str], answer: Mapping[str, Any]) -> list[LineOutcome]:
    data = answer.get("data") or {}
    succeeded = {str(i) for i in data.get("successProductOrderIds") or ()}
    failed = {
        str(f.get("productOrderId")): f"{f.get('code', '')}: {f.get('message', '')}"
        for f in data.get("failProductOrderInfos") or ()
    }
    return [
        LineOutcome(i, i in succeeded, failed.get(i, "" if i in succeeded else "no answer"))
        for i in ids
    ]


def orders_build(config: MarketConfig) -> SmartStoreOrders:
    return SmartStoreOrders(config)
