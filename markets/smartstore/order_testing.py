"""A local SmartStore that also takes orders: the product server plus the pay-order API,
enforcing its contract (``markets.smartstore.orders``), for tests and the sample.

``place(reference_number, ...)`` has a buyer pay for a product (``PAYED``). The server enforces:

- every call: a valid bearer token (401 ``GW.AUTHN``), the token bucket (429
  ``GW.RATE_LIMIT``), faults (``ContractServer``);
- ``last-changed-statuses``: ``lastChangedFrom`` ISO 8601 with an offset (400 otherwise),
  ``limitCount`` 1..300, a ``moreSequence`` only as it issued; answers the product orders
  changed in the 24 hours from ``lastChangedFrom``, oldest first, ``more`` when a page is full;
- ``query``: 1..300 ids; ``confirm`` and ``dispatch``: 1..30; confirm only ``PAYED`` lines;
  dispatch only ``PAYED`` lines (confirmed or not, as Naver allows), a known
  ``deliveryCompanyCode``, a ``trackingNumber`` of 8..20 digits or letters, ``deliveryMethod``
  DELIVERY; a cancelled line is refused. ``invoices`` counts accepted dispatches per line.

``request_cancel(line)``, ``cancel(line)``, ``deliver(line)`` move a line as the buyer or the
carrier would.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import datetime
from typing import Any

from markets.contract_server import Answer, Call
from markets.orders import Buyer

from . import orders as api
from .testing import NaverContractServer, _combinations, api_error, gateway_error

DELIVERY_COMPANIES = ("CJGLS", "HANJIN", "EPOST", "LOTTE", "KGB", "HDEXP")
_TRACKING = re.compile(r"^[A-Za-z0-9]{8,20}$")


class NaverOrderServer(NaverContractServer):
    persistent = (*NaverContractServer.persistent, "product_orders", "invoices", "_po_ids")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.product_orders: dict[str, dict[str, Any]] = {}
        self.invoices: Counter[str] = Counter()
        self._po_ids = itertools.count(2024_0000_0001)
        self._sequences: dict[str, int] = {}

    # --- what a buyer and the tests do --------------------------------------------------------

    def place(
        self,
        reference_number: str,
        quantity: int = 1,
        buyer: Buyer | None = None,
        *,
        name: str = "",
        price: int = 0,
        option: str = "",
    ) -> str:
        """A buyer pays for a product (the latest one with that seller code, else ``name`` and
        ``price`` as given): the product order id."""
        buyer = buyer or Buyer("김구매", "010-1234-5678", "서울특별시 중구 세종대로 110", "04524")
        with self.lock:
            held = [
                p for p in self.products.values() if p["sellerManagementCode"] == reference_number
            ]
            if held:
                origin = held[-1]["originProduct"]
                name, price = origin["name"], origin["salePrice"]
                first = next(iter(_combinations(origin)), None)
                if first and not option:  # Naver shows the option as "name1 / name2"
                    option = " / ".join(
                        str(first[k])
                        for k in sorted(first)
                        if k.startswith("optionName") and first[k]
                    )
            assert name and price, f"no product for {reference_number}: give name and price"
            number = str(next(self._po_ids))
            self.product_orders[number] = {
                "order": {
                    "orderId": f"O{number}",
                    "orderDate": self._stamp(),
                    "ordererName": buyer.name,
                    "ordererTel": buyer.phone,
                },
                "productOrder": {
                    "productOrderId": number,
                    "productOrderStatus": "PAYED",
                    "placeOrderStatus": "NOT_YET",
                    "productName": name,
                    "productOption": option,
                    "quantity": quantity,
                    "unitPrice": price,
                    "totalPaymentAmount": price * quantity,
                    "sellerProductCode": reference_number,
                    "shippingAddress": {
                        "name": buyer.name,
                        "tel1": buyer.phone,
                        "baseAddress": buyer.address,
                        "detailedAddress": "",
                        "zipCode": buyer.zip_code,
                    },
                },
                "lastChangedDate": self._stamp(),
                "lastChangedType": "PAYED",
            }
        return number

    def request_cancel(self, line_id: str) -> None:
        self._change(line_id, "CLAIM_REQUESTED", claimType="CANCEL", claimStatus="CANCEL_REQUEST")

    def cancel(self, line_id: str) -> None:
        self._change(line_id, "CLAIM_COMPLETED", productOrderStatus="CANCELED")

    def deliver(self, line_id: str) -> None:
        self._change(line_id, "DELIVERED", productOrderStatus="DELIVERED")

    def line(self, line_id: str) -> dict[str, Any]:
        with self.lock:
            return dict(self.product_orders[line_id]["productOrder"])

    def invoices_of(self, line_id: str) -> int:
        with self.lock:
            return self.invoices[line_id]

    def _change(self, line_id: str, kind: str, **fields: Any) -> None:
        with self.lock:
            held = self.product_orders[line_id]
            held["productOrder"].update(fields)
            held["lastChangedDate"], held["lastChangedType"] = self._stamp(), kind

    def _stamp(self) -> str:
        return api.iso(datetime.now(api.KST))

    # --- routes -------------------------------------------------------------------------------

    def route(self, call: Call) -> Answer:
        if not call.path.startswith(api.ROOT):
            return super().route(call)
        if not self._authorized(call):
            return gateway_error(401, "GW.AUTHN", "요청을 보낼 권한이 없습니다.")
        with self.lock:
            if call.method == "GET" and call.path == api.CHANGES_PATH:
                return self._changes(call)
            body = call.json if isinstance(call.json, dict) else {}
            if call.method == "POST" and call.path == api.QUERY_PATH:
                return self._query(body)
            if call.method == "POST" and call.path == api.CONFIRM_PATH:
                return self._confirm(body)
            if call.method == "POST" and call.path == api.DISPATCH_PATH:
                return self._dispatch(body)
        return gateway_error(404, "GW.NOT_FOUND", "요청하신 리소스를 찾을 수 없습니다.")

    def _changes(self, call: Call) -> Answer:
        params = {k: v[-1] for k, v in call.params.items()}
        try:
            start = datetime.fromisoformat(params.get("lastChangedFrom", ""))
        except ValueError:
            start = None
        if start is None or start.tzinfo is None:
            return _invalid("lastChangedFrom", "ISO 8601 날짜 형식(오프셋 포함)이어야 합니다.")
        limit = params.get("limitCount", "300")
        if not limit.isdigit() or not 1 <= int(limit) <= 300:
            return _invalid("limitCount", "1~300 사이여야 합니다.")
        offset = 0
        if params.get("moreSequence"):
            if params["moreSequence"] not in self._sequences:
                return _invalid("moreSequence", "유효하지 않은 값입니다.")
            offset = self._sequences[params["moreSequence"]]
        end = start + api.WINDOW
        held = sorted(
            (
                p
                for p in self.product_orders.values()
                if start <= datetime.fromisoformat(p["lastChangedDate"]) < end
            ),
            key=lambda p: (p["lastChangedDate"], p["productOrder"]["productOrderId"]),
        )
        page = held[offset : offset + int(limit)]
        data: dict[str, Any] = {
            "lastChangeStatuses": [
                {
                    "orderId": p["order"]["orderId"],
                    "productOrderId": p["productOrder"]["productOrderId"],
                    "lastChangedType": p["lastChangedType"],
                    "lastChangedDate": p["lastChangedDate"],
                    "productOrderStatus": p["productOrder"]["productOrderStatus"],
                    "claimType": p["productOrder"].get("claimType"),
                    "claimStatus": p["productOrder"].get("claimStatus"),
                }
                for p in page
            ],
            "count": len(page),
        }
        if offset + int(limit) < len(held):
            sequence = f"s{len(self._sequences) + 1}"
            self._sequences[sequence] = offset + int(limit)
            data["more"] = {"moreFrom": api.iso(start), "moreSequence": sequence}
        return 200, {}, {"timestamp": api.iso(datetime.now(api.KST)), "data": data}

    def _ids(self, body: dict, most: int) -> list[str] | Answer:
        ids = body.get("productOrderIds")
        if not isinstance(ids, list) or not 1 <= len(ids) <= most:
            return _invalid("productOrderIds", f"1~{most}개여야 합니다.")
        return [str(i) for i in ids]

    def _query(self, body: dict) -> Answer:
        ids = self._ids(body, 300)
        if isinstance(ids, tuple):
            return ids
        rows = [
            {"order": dict(held["order"]), "productOrder": dict(held["productOrder"])}
            for i in ids
            if (held := self.product_orders.get(i))
        ]
        return 200, {}, {"data": rows}

    def _confirm(self, body: dict) -> Answer:
        ids = self._ids(body, 30)
        if isinstance(ids, tuple):
            return ids
        done, failed = [], []
        for i in ids:
            held = self.product_orders.get(i)
            line = held["productOrder"] if held else None
            if line is None or line["productOrderStatus"] != "PAYED" or line.get("claimType"):
                failed.append(_fail(i, "발주 확인할 수 없는 상태입니다."))
                continue
            if line["placeOrderStatus"] != "OK":
                line["placeOrderStatus"] = "OK"
                held["lastChangedDate"], held["lastChangedType"] = self._stamp(), "PLACE_ORDER"
            done.append(i)
        return 200, {}, {"data": {"successProductOrderIds": done, "failProductOrderInfos": failed}}

    def _dispatch(self, body: dict) -> Answer:
        rows = body.get("dispatchProductOrders")
        if not isinstance(rows, list) or not 1 <= len(rows) <= 30:
            return _invalid("dispatchProductOrders", "1~30개여야 합니다.")
        done, failed = [], []
        for row in rows:
            number = str(row.get("productOrderId"))
            problem = self._dispatch_problem(row)
            if problem:
                failed.append(_fail(number, problem))
                continue
            held = self.product_orders[number]
            held["productOrder"].update(
                productOrderStatus="DELIVERING", trackingNumber=row["trackingNumber"]
            )
            held["lastChangedDate"], held["lastChangedType"] = self._stamp(), "DISPATCHED"
            self.invoices[number] += 1
            done.append(number)
        return 200, {}, {"data": {"successProductOrderIds": done, "failProductOrderInfos": failed}}

    def _dispatch_problem(self, row: dict) -> str:
        held = self.product_orders.get(str(row.get("productOrderId")))
        if held is None:
            return "productOrderId: 존재하지 않는 상품주문입니다."
        line = held["productOrder"]
        if line["productOrderStatus"] != "PAYED" or line.get("claimType"):
            return f"productOrderId: 발송처리할 수 없는 상태 {line['productOrderStatus']}"
        if row.get("deliveryMethod") != "DELIVERY":
            return "deliveryMethod: DELIVERY"
        if row.get("deliveryCompanyCode") not in DELIVERY_COMPANIES:
            return f"deliveryCompanyCode: one of {', '.join(DELIVERY_COMPANIES)}"
        if not _TRACKING.match(str(row.get("trackingNumber") or "")):
            return "trackingNumber: 8~20 letters or digits"
        try:
            datetime.fromisoformat(str(row.get("dispatchDate")))
        except ValueError:
            return "dispatchDate: ISO 8601"
        return ""


def _fail(number: str, message: str) -> dict[str, str]:
    return {"productOrderId": number, "code": "INVALID_STATUS", "message": message}


def _invalid(name: str, message: str) -> Answer:
    return api_error(400, "INVALID_INPUT", "요청 값이 올바르지 않습니다.", {name: [message]})
