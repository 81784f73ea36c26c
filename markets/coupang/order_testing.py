"""A local Coupang that also takes orders: the seller-product server plus the order-sheet API,
enforcing its contract (``markets.coupang.orders``), for tests and the sample.

``place(reference_number, quantity, buyer)`` has a buyer order a listed product: an order sheet
(one shipment box) in ``ACCEPT``. The server then enforces:

- ``GET .../ordersheets``: ``createdAtFrom``/``createdAtTo`` as ``yyyy-MM-dd``, at most 31 days
  apart; ``status`` one of Coupang's; ``maxPerPage`` 1..50; a ``nextToken`` only as it issued;
  400 ``{"code": 400, "message": ...}`` otherwise.
- ``PUT .../ordersheets/acknowledgement``: ``vendorId`` the key's, 1..50 ``shipmentBoxIds``;
  a box not in ``ACCEPT`` answers ``succeed: false`` (its status cannot go back).
- ``POST .../orders/invoices``: the box must be ``INSTRUCT`` (acknowledged), the vendor item
  one of its items, ``invoiceNumber`` 6..20 letters or digits, ``deliveryCompanyCode`` a known
  parcel company; ``invoices`` counts accepted invoices per box (a second one is a duplicate).

- ``GET .../returnRequests``: ``searchType=timeFrame``, ``createdAtFrom``/``createdAtTo`` as
  ``yyyy-MM-ddTHH:mm`` at most 31 days apart, and either ``status`` one of RU, UC, CC, PR or
  ``cancelType=CANCEL`` with no status; the receipts created in the window, whole.

Faults and the 429 come from ``ContractServer``. ``deliver(box)`` moves a shipped box to
``FINAL_DELIVERY``; ``buyer_cancels(box)`` is the buyer's cancel as Coupang takes it (paid: the
box is cancelled at once; acknowledged: a release stop request; shipped: a return request) and
``complete_return(receipt)`` completes a request.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from markets.contract_server import Answer, Call
from markets.orders import Buyer

from . import orders as api
from .testing import CoupangContractServer

ORDER_STATUSES = (
    "ACCEPT",
    "INSTRUCT",
    "DEPARTURE",
    "DELIVERING",
    "FINAL_DELIVERY",
    "NONE_TRACKING",
)
PARCEL_COMPANIES = ("CJGLS", "HANJIN", "EPOST", "LOTTE", "KDEXP", "HYUNDAI")
_INVOICE = re.compile(r"^[A-Za-z0-9]{6,20}$")
# The list's status parameter and the receipt status each one reads.
RECEIPT_OF = {
    "RU": "RELEASE_STOP_UNCHECKED",
    "UC": "RETURNS_UNCHECKED",
    "CC": "RETURNS_COMPLETED",
    "PR": "REQUEST_COUPANG_CHECK",
}


class CoupangOrderServer(CoupangContractServer):
    persistent = (
        *CoupangContractServer.persistent,
        "sheets",
        "invoices",
        "receipts",
        "_box_ids",
        "_receipt_ids",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sheets: dict[int, dict[str, Any]] = {}
        self.invoices: Counter[int] = Counter()
        self.acknowledged: Counter[int] = Counter()
        self.receipts: dict[int, dict[str, Any]] = {}
        self._box_ids = itertools.count(700_000_001)
        self._receipt_ids = itertools.count(363_585)
        self._tokens: dict[str, int] = {}

    # --- what a buyer and the tests do --------------------------------------------------------

    def place(self, reference_number: str, quantity: int = 1, buyer: Buyer | None = None) -> int:
        """A buyer orders the first item of a listed product: the new box's id."""
        product = self.product_of(reference_number)
        assert product is not None, f"no product for {reference_number}"
        item = product["items"][0]
        buyer = buyer or Buyer(
            "김구매", "0502-1234-5678", "서울특별시 중구 세종대로 110 3층", "04524"
        )
        with self.lock:
            box = next(self._box_ids)
            self.sheets[box] = {
                "shipmentBoxId": box,
                "orderId": box + 9_000_000_000,
                "orderedAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "status": "ACCEPT",
                "receiver": {
                    "name": buyer.name,
                    "safeNumber": buyer.phone,
                    "addr1": buyer.address,
                    "addr2": "",
                    "postCode": buyer.zip_code,
                },
                "orderItems": [
                    {
                        "vendorItemId": item.get("vendorItemId"),
                        "vendorItemName": item["itemName"],
                        "sellerProductId": product["sellerProductId"],
                        "sellerProductName": product["body"]["sellerProductName"],
                        "sellerProductItemName": item["itemName"],
                        "externalVendorSkuCode": item["externalVendorSku"],
                        "shippingCount": quantity,
                        "salesPrice": item["salePrice"],
                        "orderPrice": item["salePrice"] * quantity,
                    }
                ],
            }
        return box

    def deliver(self, box: int) -> None:
        with self.lock:
            self.sheets[box]["status"] = "FINAL_DELIVERY"

    def buyer_cancels(self, box: int) -> int:
        """The buyer cancels the box: the new receipt's id."""
        with self.lock:
            sheet = self.sheets[box]
            if sheet["status"] == "ACCEPT":  # paid, not yet acknowledged: cancelled at once
                sheet["status"] = "CANCELLED"
                kind, status, released = "CANCEL", "RETURNS_COMPLETED", "N"
            elif sheet["status"] == "INSTRUCT":  # being prepared: a request to stop the release
                kind, status, released = "RETURN", "RELEASE_STOP_UNCHECKED", "N"
            else:  # shipped: a return request
                kind, status, released = "RETURN", "RETURNS_UNCHECKED", "Y"
            receipt = next(self._receipt_ids)
            self.receipts[receipt] = {
                "receiptId": receipt,
                "orderId": sheet["orderId"],
                "receiptType": kind,
                "receiptStatus": status,
                "createdAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "returnItems": [
                    {
                        "shipmentBoxId": box,
                        "vendorItemId": item["vendorItemId"],
                        "vendorItemName": item["vendorItemName"],
                        "sellerProductName": item["sellerProductName"],
                        "purchaseCount": item["shippingCount"],
                        "cancelCount": item["shippingCount"],
                        "releaseStatus": released,
                    }
                    for item in sheet["orderItems"]
                ],
            }
        return receipt

    def complete_return(self, receipt: int) -> None:
        with self.lock:
            self.receipts[receipt]["receiptStatus"] = "RETURNS_COMPLETED"

    def status_of(self, box: int) -> str:
        with self.lock:
            return self.sheets[box]["status"]

    def invoices_of(self, line_id: str) -> int:
        """Invoices accepted for the line's box (``line_id`` is ``box-vendorItemId``)."""
        with self.lock:
            return self.invoices[int(line_id.split("-")[0])]

    # --- routes -------------------------------------------------------------------------------

    def _route(self, call: Call) -> Answer:
        vendor = self.vendor_id
        if call.path == api.ordersheets_path(vendor) and call.method == "GET":
            return self._list(call)
        if call.path == api.acknowledgement_path(vendor) and call.method == "PUT":
            return self._acknowledge(call)
        if call.path == api.invoices_path(vendor) and call.method == "POST":
            return self._invoices(call)
        if call.path == api.returns_path(vendor) and call.method == "GET":
            return self._returns(call)
        if call.path.startswith(api.ORDERS_ROOT):
            return 404, {}, _error(404, f"No route for {call.method} {call.path}.")
        return super()._route(call)

    def _list(self, call: Call) -> Answer:
        params = {k: v[-1] for k, v in call.params.items()}
        try:
            start = date.fromisoformat(params.get("createdAtFrom", ""))
            end = date.fromisoformat(params.get("createdAtTo", ""))
        except ValueError:
            return 400, {}, _error(400, "createdAtFrom, createdAtTo: yyyy-MM-dd required")
        if not 0 <= (end - start).days <= 31:
            return 400, {}, _error(400, "createdAtFrom, createdAtTo: at most 31 days apart")
        status = params.get("status", "")
        if status not in ORDER_STATUSES:
            return 400, {}, _error(400, f"status: one of {', '.join(ORDER_STATUSES)}")
        size = params.get("maxPerPage", "")
        if not size.isdigit() or not 1 <= int(size) <= 50:
            return 400, {}, _error(400, "maxPerPage: 1 to 50")
        offset = 0
        if params.get("nextToken"):
            if params["nextToken"] not in self._tokens:
                return 400, {}, _error(400, "nextToken: not a token this server gave")
            offset = self._tokens[params["nextToken"]]
        held = [
            sheet
            for box, sheet in sorted(self.sheets.items())
            if sheet["status"] == status and start <= _day(sheet["orderedAt"]) <= end
        ]
        page = held[offset : offset + int(size)]
        following = ""
        if offset + int(size) < len(held):
            following = f"t{len(self._tokens) + 1}"
            self._tokens[following] = offset + int(size)
        body = {"code": 200, "message": "OK", "data": _copy(page), "nextToken": following}
        return 200, {}, body

    def _returns(self, call: Call) -> Answer:
        params = {k: v[-1] for k, v in call.params.items()}
        if params.get("searchType") != "timeFrame":
            return 400, {}, _error(400, "searchType: timeFrame (the minute search) expected")
        try:
            start = datetime.strptime(params.get("createdAtFrom", ""), "%Y-%m-%dT%H:%M")
            end = datetime.strptime(params.get("createdAtTo", ""), "%Y-%m-%dT%H:%M")
        except ValueError:
            return 400, {}, _error(400, "createdAtFrom, createdAtTo: yyyy-MM-ddTHH:mm required")
        if not 0 <= (end - start).total_seconds() <= 31 * 86400:
            return 400, {}, _error(400, "createdAtFrom, createdAtTo: at most 31 days apart")
        status, cancel = params.get("status", ""), params.get("cancelType", "")
        if cancel:
            if cancel != "CANCEL" or status:
                return 400, {}, _error(400, "cancelType: CANCEL, without status")
        elif status not in RECEIPT_OF:
            return 400, {}, _error(400, f"status: one of {', '.join(RECEIPT_OF)}")
        with self.lock:
            found = [
                {**r, "returnItems": [dict(i) for i in r["returnItems"]]}
                for _, r in sorted(self.receipts.items())
                if start <= datetime.strptime(r["createdAt"][:16], "%Y-%m-%dT%H:%M") <= end
                and (
                    r["receiptType"] == "CANCEL"
                    if cancel
                    else r["receiptType"] == "RETURN" and r["receiptStatus"] == RECEIPT_OF[status]
                )
            ]
        return 200, {}, {"code": 200, "message": "OK", "data": found}

    def _acknowledge(self, call: Call) -> Answer:
        body = call.json if isinstance(call.json, dict) else {}
        boxes = body.get("shipmentBoxIds")
        if body.get("vendorId") != self.vendor_id:
            return 400, {}, _error(400, "vendorId: required")
        if not isinstance(boxes, list) or not 1 <= len(boxes) <= 50:
            return 400, {}, _error(400, "shipmentBoxIds: 1 to 50 ids")
        results = []
        for box in boxes:
            sheet = self.sheets.get(box) if isinstance(box, int) else None
            if sheet is None:
                results.append(_result(box, False, "존재하지 않는 주문입니다."))
            elif sheet["status"] != "ACCEPT":
                results.append(_result(box, False, f"상품준비중 처리 불가 상태: {sheet['status']}"))
            else:
                sheet["status"] = "INSTRUCT"
                self.acknowledged[box] += 1
                results.append(_result(box, True, "OK"))
        return 200, {}, _batch(results)

    def _invoices(self, call: Call) -> Answer:
        body = call.json if isinstance(call.json, dict) else {}
        dtos = body.get("orderSheetInvoiceApplyDtos")
        if body.get("vendorId") != self.vendor_id:
            return 400, {}, _error(400, "vendorId: required")
        if not isinstance(dtos, list) or not dtos:
            return 400, {}, _error(400, "orderSheetInvoiceApplyDtos: at least one")
        results = []
        for dto in dtos:
            box = dto.get("shipmentBoxId")
            sheet = self.sheets.get(box)
            problem = _invoice_problem(dto, sheet)
            if problem:
                results.append(_result(box, False, problem))
                continue
            sheet["status"] = "DEPARTURE"
            sheet["invoiceNumber"] = dto["invoiceNumber"]
            self.invoices[box] += 1
            results.append(_result(box, True, "OK"))
        return 200, {}, _batch(results)


def _invoice_problem(dto: dict[str, Any], sheet: dict[str, Any] | None) -> str:
    if sheet is None:
        return "shipmentBoxId: 존재하지 않는 주문입니다."
    if sheet["status"] != "INSTRUCT":
        return f"shipmentBoxId: 송장 업로드 불가 상태 {sheet['status']} (상품준비중만 가능)"
    if dto.get("orderId") != sheet["orderId"]:
        return "orderId: does not belong to this shipment box"
    if dto.get("vendorItemId") not in {i["vendorItemId"] for i in sheet["orderItems"]}:
        return "vendorItemId: not an item of this shipment box"
    if dto.get("deliveryCompanyCode") not in PARCEL_COMPANIES:
        return f"deliveryCompanyCode: one of {', '.join(PARCEL_COMPANIES)}"
    if not _INVOICE.match(str(dto.get("invoiceNumber") or "")):
        return "invoiceNumber: 6 to 20 letters or digits"
    return ""


def _day(at: str) -> date:
    return datetime.strptime(at[:10], "%Y-%m-%d").date()


def _copy(sheets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**s, "orderItems": [dict(i) for i in s["orderItems"]]} for s in sheets]


def _result(box: Any, succeed: bool, message: str) -> dict[str, Any]:
    return {
        "shipmentBoxId": box,
        "succeed": succeed,
        "resultCode": "OK" if succeed else "FAIL",
        "resultMessage": message,
        "retryRequired": False,
    }


def _batch(results: list[dict[str, Any]]) -> dict[str, Any]:
    failed = sum(1 for r in results if not r["succeed"])
    return {
        "code": 200,
        "message": "OK",
        "data": {
            "responseCode": 0 if not failed else (1 if failed < len(results) else 99),
            "responseMessage": "SUCCESS" if not failed else "PARTIAL_ERROR",
            "responseList": results,
        },
    }


def _error(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}
