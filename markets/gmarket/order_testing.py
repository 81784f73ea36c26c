"""A local ESM that also takes orders: the goods server plus the order and shipping calls,
enforcing their contract (``markets.gmarket.orders``), for tests and the sample.

``place(reference_number, quantity, buyer, site="gmarket")`` has a buyer order a registered
goods (its first option, if it has options) on one site: a paid order (status 1). The server
then enforces, after the goods server's token check (``GmarketContractServer``):

- on every order call, a token whose ``ssi`` names the seller of the order's site and no other
  (ESM reads a site's orders with that site's token alone);
- ``POST /shipping/v1/Order/RequestOrders``: ``siteType`` 1 or 2, ``orderStatus`` 1..5,
  ``requestDateFrom``/``requestDateTo`` as ``YYYY-MM-DD hh:mm``, from before to, at most 31
  days apart, ``pageIndex`` from 1, ``pageSize`` 1..100 (ESM's maximum is not published: 100
  is our strict choice); else ``{"ResultCode": 2000, "Message": "<field>: <why>"}``;
- ``POST /shipping/v1/Order/OrderCheck/{orderNo}``: an order of the token's site; only a paid
  order (1) is confirmed (2); else ``ResultCode`` 1000 (no such order) or 8668 (its status);
- ``POST /shipping/v1/Delivery/ShippingInfo``: ``OrderNo`` of the site, confirmed first (a paid
  order is refused: the strictest reading), ``DeliveryCompCode`` a number of
  ``parcel_companies``, ``InvoiceNo`` 6..20 letters or digits (not published: Coupang's rule),
  ``ShippingDate`` ``YYYY-MM-DD``; a second dispatch of the same order is refused (8668) and
  ``invoices`` counts the dispatches taken per order.

Faults, the 429 and the rate limit come from ``ContractServer``. ``deliver(line_id)`` moves a
shipped order to delivered (4).
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
from .auth import TokenRefused, ssi_parse, token_check
from .contract import SITE_TYPES
from .testing import GmarketContractServer, _bearer, _unauthorized

SITE_OF_TYPE = {number: site for site, number in SITE_TYPES.items()}
PRICE_KEY = {"gmarket": "gmkt", "auction": "iac"}
# The parcel company numbers this server knows (ESM's own list: https://etapi.gmarket.com/142).
PARCEL_COMPANIES = (10001, 10003, 10007, 10013, 10014)
MAX_PAGE_SIZE = 100
_INVOICE = re.compile(r"^[A-Za-z0-9]{6,20}$")
_CHECK = re.compile(r"^/shipping/v1/Order/OrderCheck/(?P<order_no>[^/]+)$")


class GmarketOrderServer(GmarketContractServer):
    persistent = (*GmarketContractServer.persistent, "orders", "invoices", "_order_nos")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.orders: dict[int, dict[str, Any]] = {}
        self.invoices: Counter[int] = Counter()
        self.parcel_companies = PARCEL_COMPANIES
        self._order_nos = itertools.count(4_100_000_001)

    # --- what a buyer and the tests do --------------------------------------------------------

    def place(
        self,
        reference_number: str,
        quantity: int = 1,
        buyer: Buyer | None = None,
        site: str = "gmarket",
    ) -> str:
        """A buyer orders a registered goods on ``site``: the new line's id (``G-<orderNo>``)."""
        buyer = buyer or Buyer(
            "김구매", "010-1234-5678", "서울특별시 중구 세종대로 110 3층", "04524"
        )
        with self.lock:
            held = [(no, g) for no, g in self.goods.items() if g["managedCode"] == reference_number]
            assert held, f"no goods for {reference_number}"
            goods_no, goods = held[-1]
            price = int(goods["price"].get(PRICE_KEY[site]) or 0)
            assert price, f"{reference_number} is not sold on {site}"
            option = goods["options"][0] if goods["options"] else None
            order_no = next(self._order_nos)
            self.orders[order_no] = {
                "site": site,
                "OrderNo": order_no,
                "PayNo": order_no - 1_000_000_000,
                "OrderStatus": 1,
                "OrderDate": datetime.now(api.KOREA).strftime("%Y-%m-%dT%H:%M:%S"),
                "GoodsNo": goods_no,
                "SiteGoodsNo": f"{api.SITE_PREFIX[site]}{goods_no}",
                "OutGoodsNo": reference_number,
                "GoodsName": goods["body"]["itemBasicInfo"]["goodsName"]["kor"],
                "ItemOptionSelectList": _option_texts(option),
                "ContrAmount": quantity,
                "SalePrice": price + int((option or {}).get("addAmnt") or 0),
                "ReceiverName": buyer.name,
                "HpNo": buyer.phone,
                "DelFullAddress": buyer.address,
                "ZipCode": buyer.zip_code,
            }
        return f"{api.SITE_PREFIX[site]}-{order_no}"

    def deliver(self, line_id: str) -> None:
        with self.lock:
            self.orders[_number(line_id)]["OrderStatus"] = 4

    def status_of(self, line_id: str) -> int:
        with self.lock:
            return self.orders[_number(line_id)]["OrderStatus"]

    def invoices_of(self, line_id: str) -> int:
        with self.lock:
            return self.invoices[_number(line_id)]

    # --- routes -------------------------------------------------------------------------------

    def route(self, call: Call) -> Answer:
        if not call.path.startswith("/shipping/"):
            return super().route(call)
        with self.lock:
            self.bodies.append((call.method, call.path, call.json))
        try:
            claims = token_check(
                _bearer(call),
                lambda kid: self.secret_key if kid == self.master_id else None,
                now=self.clock(),
                max_skew=self.max_skew,
                sellers_of=lambda kid: list(self.seller_ids.values()),
            )
        except TokenRefused as refused:
            return _unauthorized(str(refused))
        named = ssi_parse(str(claims["ssi"]))
        body = call.json if isinstance(call.json, dict) else {}
        if call.method != "POST":
            return _result(1000, f"{call.method} {call.path} 없음")
        if call.path == api.ORDERS_PATH:
            return self._sited(named, body.get("siteType"), lambda site: self._list(site, body))
        if call.path == api.SHIPPING_PATH:
            order = self.orders.get(body.get("OrderNo")) if _is_int(body.get("OrderNo")) else None
            site = SITE_TYPES[order["site"]] if order else None
            return self._sited(named, site, lambda _: self._ship(order, body))
        match = _CHECK.match(call.path)
        if match:
            number = match["order_no"]
            if not number.isdigit():
                return _result(3000, f"orderNo: {number!r} is not a number")
            order = self.orders.get(int(number))
            if order is None:
                return _result(1000, "주문 정보가 없습니다.")
            if body.get("siteType") != SITE_TYPES[order["site"]]:
                return _result(2000, "siteType: not the order's site")
            return self._sited(named, body.get("siteType"), lambda _: self._check(order))
        return _result(1000, f"{call.method} {call.path} 없음")

    def _sited(self, named: dict[str, str], site_type: Any, handler) -> Answer:
        """The handler, when the token names exactly the seller of that site."""
        site = SITE_OF_TYPE.get(site_type) if _is_int(site_type) else None
        if site is None:
            return _result(2000, "siteType: 1 (Auction) or 2 (Gmarket)")
        if set(named) != {site}:
            return _unauthorized(f"an {site} order needs a token naming the {site} seller alone")
        return handler(site)

    def _list(self, site: str, body: dict[str, Any]) -> Answer:
        problem, window = _list_problem(body)
        if problem:
            return _result(2000, problem)
        start, end = window
        index, size = body["pageIndex"], body["pageSize"]
        with self.lock:
            held = [
                order
                for _, order in sorted(self.orders.items())
                if order["site"] == site
                and order["OrderStatus"] == body["orderStatus"]
                and start <= order["OrderDate"][:16].replace("T", " ") <= end
            ]
            page = [
                {k: v for k, v in o.items() if k != "site"}
                for o in held[(index - 1) * size : index * size]
            ]
        data = {
            "SiteType": body["siteType"],
            "PageIndex": index,
            "PageSize": size,
            "TotalCount": len(held),
            "SellerId": self.seller_ids.get(site, ""),
            "RequestOrders": page,
        }
        return 200, {}, {"ResultCode": 0, "Message": "Success", "Data": data}

    def _check(self, order: dict[str, Any]) -> Answer:
        with self.lock:
            if order["OrderStatus"] != 1:
                return _result(
                    8668, f"주문확인 불가 상태입니다 (OrderStatus {order['OrderStatus']})"
                )
            order["OrderStatus"] = 2
        return _result(0, "Success")

    def _ship(self, order: dict[str, Any] | None, body: dict[str, Any]) -> Answer:
        if order is None:
            return _result(1000, "OrderNo: 주문 정보가 없습니다.")
        if body.get("DeliveryCompCode") not in self.parcel_companies:
            return _result(2000, "DeliveryCompCode: not a parcel company number of ESM's list")
        if not _INVOICE.match(str(body.get("InvoiceNo") or "")):
            return _result(2000, "InvoiceNo: 6 to 20 letters or digits")
        try:
            datetime.strptime(str(body.get("ShippingDate") or ""), "%Y-%m-%d")
        except ValueError:
            return _result(2000, "ShippingDate: YYYY-MM-DD required")
        with self.lock:
            if order["OrderStatus"] == 1:
                return _result(8668, "OrderNo: 주문확인 후 발송처리할 수 있습니다.")
            if order["OrderStatus"] != 2:
                return _result(8668, "OrderNo: 이미 발송처리된 주문입니다.")
            order["OrderStatus"] = 3
            order["InvoiceNo"] = body["InvoiceNo"]
            self.invoices[order["OrderNo"]] += 1
        return _result(0, "Success")


def _list_problem(body: dict[str, Any]) -> tuple[str, tuple[str, str]]:
    """What is wrong with a lookup body ("" when nothing), and its window as sortable text."""
    if body.get("orderStatus") not in (1, 2, 3, 4, 5):
        return "orderStatus: 1 to 5", ("", "")
    try:
        start = datetime.strptime(str(body.get("requestDateFrom")), api.DATE_FORMAT)
        end = datetime.strptime(str(body.get("requestDateTo")), api.DATE_FORMAT)
    except ValueError:
        return "requestDateFrom, requestDateTo: YYYY-MM-DD hh:mm required", ("", "")
    if end < start:
        return "requestDateFrom: after requestDateTo", ("", "")
    if end - start > api.MAX_WINDOW:
        return "requestDateFrom, requestDateTo: 31일 이내 조회 가능", ("", "")
    index, size = body.get("pageIndex"), body.get("pageSize")
    if not _is_int(index) or index < 1:
        return "pageIndex: from 1", ("", "")
    if not _is_int(size) or not 1 <= size <= MAX_PAGE_SIZE:
        return f"pageSize: 1 to {MAX_PAGE_SIZE}", ("", "")
    return "", (start.strftime(api.DATE_FORMAT), end.strftime(api.DATE_FORMAT))


def _option_texts(option: dict[str, Any] | None) -> list[dict[str, str]]:
    if not option:
        return []
    values = [
        option.get(key, {}).get("koreanText", "")
        for key in ("recommendedOptValue1", "recommendedOptValue2", "recommendedOptValue")
        if isinstance(option.get(key), dict)
    ]
    return [{"ItemOptionValue": value} for value in values if value]


def _number(line_id: str) -> int:
    return int(line_id.split("-", 1)[1])


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _result(code: int, message: str) -> Answer:
    return 200, {}, {"ResultCode": code, "Message": message, "Data": None}
