"""Coupang orders (WING Open API, order sheets), to the published contract
(docs/markets/coupang.md, "Orders"):

- list: ``GET /v2/providers/openapi/apis/api/v4/vendors/{vendorId}/ordersheets?createdAtFrom=
  yyyy-MM-dd&createdAtTo=yyyy-MM-dd&status=S&maxPerPage=50[&nextToken=T]``; the answer's
  ``nextToken`` (empty on the last page) pages on. Statuses read: ``ACCEPT`` (paid: new) and
  ``FINAL_DELIVERY`` (delivered); one order sheet is one shipment box, its ``orderItems`` the
  lines (our seller code is ``externalVendorSkuCode``).
- acknowledge: ``PUT .../ordersheets/acknowledgement {vendorId, shipmentBoxIds}`` (at most 50
  boxes a call), ACCEPT -> INSTRUCT; the answer lists each box's ``succeed``.
- tracking: ``POST .../v4/vendors/{vendorId}/orders/invoices {vendorId,
  orderSheetInvoiceApplyDtos: [{shipmentBoxId, orderId, vendorItemId, deliveryCompanyCode,
  invoiceNumber, splitShipping, preSplitShipped, estimatedShippingDate}]}``, INSTRUCT ->
  DEPARTURE.

- cancellations and returns: ``GET .../v4/vendors/{vendorId}/returnRequests?searchType=
  timeFrame&createdAtFrom=yyyy-MM-ddTHH:mm&createdAtTo=yyyy-MM-ddTHH:mm&status=RU|UC|CC`` (a
  buyer's request to stop the release, a return request, a completed return) and ``&cancelType=
  CANCEL`` without a status (orders cancelled while paid), at most 31 days
  (https://developers.coupangcorp.com/hc/en-us/articles/360033919613-Return-Cancellation-Request-List-Query);
  each receipt's ``returnItems`` name the box and vendor item of our line. A receipt not yet
  completed is the buyer's cancel request; a completed one cancels the line (a cancel, or a
  return of items never released: ``releaseStatus`` "N",
  https://developers.coupangcorp.com/hc/en-us/articles/360033793034-Processing-already-released )
  or returns it.

The paging token stored between runs: ``{"from": date, "status": S, "next": nextToken}``; ``S``
runs through the order-sheet statuses, then the return-request passes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
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

from .api import CoupangClient
from .connector import vendor_pace

ORDERS_ROOT = "/v2/providers/openapi/apis/api/v4/vendors"
STATUSES = ("ACCEPT", "FINAL_DELIVERY")
# The return-request passes after the order sheets: release stop requested, return requested,
# return completed, and cancelled while paid (``cancelType=CANCEL``, no status).
RETURN_PASSES = ("RU", "UC", "CC", "CANCEL")
PASSES = STATUSES + RETURN_PASSES
RECEIPT_DONE = "RETURNS_COMPLETED"
STATUS_OF = {
    "ACCEPT": MarketLineStatus.NEW,
    "INSTRUCT": MarketLineStatus.ACKNOWLEDGED,
    "DEPARTURE": MarketLineStatus.SHIPPED,
    "DELIVERING": MarketLineStatus.SHIPPED,
    "FINAL_DELIVERY": MarketLineStatus.DELIVERED,
    "NONE_TRACKING": MarketLineStatus.SHIPPED,
}
PAGE_SIZE = 50
ACK_BATCH = 50
# Orders paid shortly before midnight are still read the next day.
LOOKBACK = timedelta(days=1)


def ordersheets_path(vendor_id: str) -> str:
    return f"{ORDERS_ROOT}/{vendor_id}/ordersheets"


def acknowledgement_path(vendor_id: str) -> str:
    return f"{ORDERS_ROOT}/{vendor_id}/ordersheets/acknowledgement"


def invoices_path(vendor_id: str) -> str:
    return f"{ORDERS_ROOT}/{vendor_id}/orders/invoices"


def returns_path(vendor_id: str) -> str:
    return f"{ORDERS_ROOT}/{vendor_id}/returnRequests"


class CoupangOrders(BaseMarketConnector):
    """One Coupang account's order sheets. Settings: ``vendor_id``, ``base_url``,
    ``delivery_company_code`` (the default parcel company); credentials as the listing
    connector's (``access_key``, ``secret_key``)."""

    kind = "coupang"

    def __init__(
        self, config: MarketConfig, *, today: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        super().__init__(config)
        self._vendor = str(config.settings.get("vendor_id") or "")
        self._today = today
        self._client = CoupangClient(
            base_url=str(config.settings.get("base_url") or ""),
            access_key=config.credentials.get("access_key", ""),
            secret_key=config.credentials.get("secret_key", ""),
            vendor_id=self._vendor,
            redact=self.redact,
            transport=config.transport,
            timeout=config.timeout,
            max_wait=config.max_wait,
            pace=vendor_pace(config.settings),
        )

    def close(self) -> None:
        self._client.close()

    # --- listing ------------------------------------------------------------------------

    def changed_orders(self, token: Mapping[str, Any]) -> OrderPage:
        today = self._today().date()
        start = str(token.get("from") or (today - LOOKBACK).isoformat())
        status = str(token.get("status") or STATUSES[0])
        if status in RETURN_PASSES:
            return self._returns(start, status)
        query = {
            "createdAtFrom": start,
            "createdAtTo": today.isoformat(),
            "status": status,
            "maxPerPage": PAGE_SIZE,
        }
        if token.get("next"):
            query["nextToken"] = token["next"]
        answer = self._client.call("GET", f"{ordersheets_path(self._vendor)}?{urlencode(query)}")
        orders, rejected = _orders(answer.get("data") or ())
        following = str(answer.get("nextToken") or "")
        if following:
            token = {"from": start, "status": status, "next": following}
            return OrderPage(orders, token, True, rejected)
        return self._after(start, status, orders, rejected)

    def _after(self, start: str, status: str, orders, rejected) -> OrderPage:
        """The page's token when its pass is read whole: the next pass, or a new day."""
        index = PASSES.index(status) if status in PASSES else len(PASSES) - 1
        if index + 1 < len(PASSES):
            token = {"from": start, "status": PASSES[index + 1]}
            return OrderPage(orders, token, True, rejected)
        today = self._today().date()
        return OrderPage(orders, {"from": (today - LOOKBACK).isoformat()}, False, rejected)

    def _returns(self, start: str, status: str) -> OrderPage:
        """One return-request pass, read whole (the minute time frame answers without paging)."""
        query = {
            "searchType": "timeFrame",
            "createdAtFrom": f"{start}T00:00",
            "createdAtTo": self._today().strftime("%Y-%m-%dT%H:%M"),
        }
        query.update({"cancelType": "CANCEL"} if status == "CANCEL" else {"status": status})
        answer = self._client.call("GET", f"{returns_path(self._vendor)}?{urlencode(query)}")
        orders, rejected = _receipts(answer.get("data") or ())
        return self._after(start, status, orders, rejected)

    # --- acknowledging and shipping -----------------------------------------------------------

    def acknowledge(self, lines: Sequence[MarketOrderLine]) -> list[LineOutcome]:
        boxes: dict[int, list[MarketOrderLine]] = {}
        for line in lines:
            boxes.setdefault(int(line.market_data["shipmentBoxId"]), []).append(line)
        outcomes: list[LineOutcome] = []
        ids = list(boxes)
        for start in range(0, len(ids), ACK_BATCH):
            batch = ids[start : start + ACK_BATCH]
            answer = self._client.call(
                "PUT",
                acknowledgement_path(self._vendor),
                {"vendorId": self._vendor, "shipmentBoxIds": batch},
            )
            results = {
                int(r.get("shipmentBoxId")): r
                for r in ((answer.get("data") or {}).get("responseList") or ())
            }
            for box in batch:
                result = results.get(box) or {}
                for line in boxes[box]:
                    outcomes.append(
                        LineOutcome(
                            line.line_id,
                            bool(result.get("succeed")),
                            str(result.get("resultMessage") or ""),
                        )
                    )
        return outcomes

    def ship(self, line: MarketOrderLine, tracking: Tracking) -> LineOutcome:
        data = line.market_data
        dto = {
            "shipmentBoxId": int(data["shipmentBoxId"]),
            "orderId": int(data["orderId"]),
            "vendorItemId": int(data["vendorItemId"]),
            "deliveryCompanyCode": tracking.company
            or str(self.config.settings.get("delivery_company_code") or ""),
            "invoiceNumber": tracking.number,
            "splitShipping": False,
            "preSplitShipped": False,
            "estimatedShippingDate": "",
        }
        try:
            answer = self._client.call(
                "POST",
                invoices_path(self._vendor),
                {"vendorId": self._vendor, "orderSheetInvoiceApplyDtos": [dto]},
            )
        except ListingRejected as exc:
            return LineOutcome(line.line_id, False, _text(exc.errors))
        results = (answer.get("data") or {}).get("responseList") or [{}]
        result = results[0]
        return LineOutcome(
            line.line_id, bool(result.get("succeed")), str(result.get("resultMessage") or "")
        )


def _orders(sheets) -> tuple[tuple[MarketOrder, ...], tuple[str, ...]]:
    """The readable order sheets, and for each unreadable one where and what is wrong."""
    orders, rejected = [], []
    for index, sheet in enumerate(sheets, start=1):
        box = sheet.get("shipmentBoxId") if isinstance(sheet, Mapping) else None
        try:
            orders.append(_order(sheet))
        except (KeyError, TypeError, ValueError) as exc:
            what = f"missing {exc.args[0]}" if isinstance(exc, KeyError) else "a malformed value"
            rejected.append(f"order sheet {box or f'#{index}'}: {what}")
    return tuple(orders), tuple(rejected)


def _order(sheet: Mapping[str, Any]) -> MarketOrder:
    receiver = sheet.get("receiver") or {}
    status = STATUS_OF.get(str(sheet.get("status") or ""), MarketLineStatus.NEW)
    box = sheet["shipmentBoxId"]
    lines = tuple(
        MarketOrderLine(
            line_id=f"{box}-{item['vendorItemId']}",
            reference_number=str(item.get("externalVendorSkuCode") or ""),
            product_name=str(item.get("sellerProductName") or item.get("vendorItemName") or ""),
            option=str(item.get("sellerProductItemName") or ""),
            quantity=int(item.get("shippingCount") or 0),
            unit_price=int(item.get("salesPrice") or 0),
            status=status,
            market_data={
                "shipmentBoxId": box,
                "orderId": sheet["orderId"],
                "vendorItemId": item["vendorItemId"],
            },
        )
        for item in sheet.get("orderItems") or ()
    )
    address = " ".join(
        part for part in (receiver.get("addr1"), receiver.get("addr2")) if part
    ).strip()
    return MarketOrder(
        order_id=str(sheet["orderId"]),
        ordered_at=str(sheet.get("orderedAt") or sheet.get("paidAt") or ""),
        currency="KRW",
        buyer=Buyer(
            name=str(receiver.get("name") or ""),
            phone=str(receiver.get("safeNumber") or receiver.get("receiverNumber") or ""),
            address=address,
            zip_code=str(receiver.get("postCode") or ""),
        ),
        lines=lines,
    )


def _receipts(receipts) -> tuple[tuple[MarketOrder, ...], tuple[str, ...]]:
    """The lines cancel and return receipts are about, each with the receipt's outcome."""
    orders, rejected = [], []
    for index, receipt in enumerate(receipts, start=1):
        number = receipt.get("receiptId") if isinstance(receipt, Mapping) else None
        try:
            orders.append(_receipt(receipt))
        except (KeyError, TypeError, ValueError) as exc:
            what = f"missing {exc.args[0]}" if isinstance(exc, KeyError) else "a malformed value"
            rejected.append(f"return request {number or f'#{index}'}: {what}")
    return tuple(orders), tuple(rejected)


def _receipt(receipt: Mapping[str, Any]) -> MarketOrder:
    items = receipt["returnItems"]
    done = receipt["receiptStatus"] == RECEIPT_DONE
    unreleased = all(str(i.get("releaseStatus") or "") == "N" for i in items)
    if not done:
        status = MarketLineStatus.CANCEL_REQUESTED
    elif receipt.get("receiptType") == "CANCEL" or unreleased:
        status = MarketLineStatus.CANCELLED
    else:
        status = MarketLineStatus.RETURNED
    lines = tuple(
        MarketOrderLine(
            line_id=f"{item['shipmentBoxId']}-{item['vendorItemId']}",
            # A receipt names no seller code: a line first seen here is known by its ids.
            reference_number="",
            product_name=str(item.get("sellerProductName") or item.get("vendorItemName") or ""),
            option=str(item.get("vendorItemName") or ""),
            quantity=int(item.get("purchaseCount") or item.get("cancelCount") or 0),
            unit_price=0,
            status=status,
            market_data={
                "shipmentBoxId": item["shipmentBoxId"],
                "orderId": receipt["orderId"],
                "vendorItemId": item["vendorItemId"],
                "receiptId": receipt["receiptId"],
            },
        )
        for item in items
    )
    return MarketOrder(
        order_id=str(receipt["orderId"]),
        ordered_at=str(receipt.get("createdAt") or ""),
        currency="KRW",
        buyer=Buyer(),  # the order keeps the buyer it was read with; none comes from here
        lines=lines,
    )


def _text(errors: Mapping[str, Sequence[str]]) -> str:
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items())


def orders_build(config: MarketConfig) -> CoupangOrders:
    return CoupangOrders(config)
