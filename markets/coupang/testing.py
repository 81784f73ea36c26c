"""A local Coupang Open API (seller products) that enforces the published contract, for tests.

``CoupangContractServer`` runs on 127.0.0.1, port 0 (``markets.contract_server``). It checks
what Coupang checks, with the validator the connector uses before sending
(``markets.coupang.contract``), so a client that signs wrongly, lets its clock drift or leaves
out a required field fails here as it would in production::

    from markets.coupang.testing import CoupangContractServer

    with CoupangContractServer() as server:
        settings = {**server.settings(), ...}           # base_url, vendor_id
        credentials = server.credentials()              # access_key, secret_key
        connector = connector_for(MarketConfig("coupang", "shop", settings, credentials))
        ...
        assert server.creates[reference_number] == 1
        assert server.duplicates == 0

What it serves (paths under ``/v2/providers/seller_api/apis/api/v1/marketplace``):

- every call: ``Authorization: CEA algorithm=HmacSHA256, access-key=..., signed-date=...,
  signature=...`` over ``signed-date + METHOD + path + query`` as received. A malformed
  header, an unknown key or a wrong signature: 401 ``{"code": "ERROR", "message": "Invalid
  signature.", "transactionId": ...}``; a date more than five minutes off: 401 "Specified
  signature is expired."; a body ``vendorId`` that is not the key's vendor: 403 JSON.
- ``POST /seller-products``: 400 ``{"code": "ERROR", "message": "field: text; ..."}`` for a
  body the contract refuses, else ``{"code": "SUCCESS", "data": sellerProductId}``. Like
  Coupang it does not refuse a second product with the same seller codes: ``creates`` counts
  them, and ``duplicates`` shows a client that created twice.
- ``PUT /seller-products``: full update, items matched by ``sellerProductItemId`` (kept or
  changed; without one, added; left out, deleted); 404 for an unknown ``sellerProductId``,
  400 for a changed ``displayCategoryCode`` or a left-out approved item. The price and
  quantity of an approved item change only through the vendor-item calls (as Coupang says).
- ``GET /seller-products/{id}``: the product with each item's ``sellerProductItemId``,
  ``vendorItemId`` (once approved), ``externalVendorSku``, ``salePrice``,
  ``maximumBuyCount``.
- ``GET /seller-products/external-vendor-sku-codes/{code}``: ``data`` lists the products with
  an item of that seller code (empty list when none).
- ``PUT /vendor-items/{id}/prices/{price}`` (10 KRW steps; beyond -50%/+100% only with
  ``forceSalePriceUpdate=true``), ``/quantities/{n}``, ``/sales/stop``, ``/sales/resume``.

Faults: inherited ``fail_next``, ``fault_rate``, ``rate_limit(10)`` (Coupang's 429 with
``Retry-After``); ``fail_next(403)`` answers the gateway's HTML "Access Denied". With
``approve=False`` products wait for ``approve(seller_product_id)`` before their items get
vendor item ids. ``view(reference_number)``: ``{"price", "stock", "on_sale"}``.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from markets.contract_server import Answer, Call, ContractServer

from . import contract, signature

ACCESS_DENIED = (
    "<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>"
    "You don't have permission to access this server.</BODY></HTML>"
)
APPROVED = "승인완료"
WAITING = "승인대기중"


class CoupangContractServer(ContractServer):
    """See the module docstring."""

    persistent = ("creates", "products", "keys", "access_key", "secret_key", "vendor_id", "_ids")

    def __init__(
        self,
        *,
        access_key: str = "ak-test-0123456789",
        secret_key: str = "sk-test-abcdefghijklmnopqrstuvwxyz",
        vendor_id: str = "A00012345",
        approve: bool = True,
        stall_seconds: float = 3.0,
    ) -> None:
        super().__init__(stall_seconds=stall_seconds)
        self.keys = {access_key: (secret_key, vendor_id)}
        self.access_key, self.secret_key, self.vendor_id = access_key, secret_key, vendor_id
        self.auto_approve = approve
        self.products: dict[int, dict[str, Any]] = {}
        self.bodies: list[Any] = []
        self._ids = itertools.count(1_000_000_001)

    def credentials(self) -> dict[str, str]:
        return {"access_key": self.access_key, "secret_key": self.secret_key}

    def settings(self) -> dict[str, str]:
        return {"base_url": self.base_url, "vendor_id": self.vendor_id}

    # --- what the tests read ----------------------------------------------------------------

    def product_of(self, reference_number: str) -> dict[str, Any] | None:
        with self.lock:
            held = [p for p in self.products.values() if p["reference"] == reference_number]
            return held[-1] if held else None

    def view(self, reference_number: str) -> dict[str, Any]:
        """What the market holds: price, stock in all, on sale (as every market's server says)."""
        product = self.product_of(reference_number)
        assert product is not None, f"no product for {reference_number}"
        items = product["items"]
        return {
            "price": items[0]["salePrice"],
            "stock": sum(item["maximumBuyCount"] for item in items),
            "on_sale": any(item["onSale"] for item in items),
        }

    def approve(self, seller_product_id: int) -> None:
        with self.lock:
            product = self.products[seller_product_id]
            product["statusName"] = APPROVED
            for item in product["items"]:
                item.setdefault("vendorItemId", next(self._ids))

    # --- ContractServer ---------------------------------------------------------------------

    def client_key(self, call: Call) -> str:
        parts = signature.authorization_parse(call.header("authorization")) or {}
        return parts.get("access_key", "-")

    def rate_limited(self, call: Call) -> Answer:
        return 429, {"Retry-After": "1"}, _error("Too many requests.", call)

    def server_error(self, call: Call, status: int) -> Answer:
        if status == 403:
            return 403, {}, ACCESS_DENIED
        return status, {}, _error("Internal Server Error", call)

    def route(self, call: Call) -> Answer:
        refused = self._auth_refusal(call)
        if refused is not None:
            return refused
        with self.lock:
            self.bodies.append(call.json)
            return self._route(call)

    # --- auth -------------------------------------------------------------------------------

    def _auth_refusal(self, call: Call) -> Answer | None:
        parts = signature.authorization_parse(call.header("authorization"))
        if parts is None or parts["access_key"] not in self.keys:
            return 401, {}, _error("Invalid signature.", call)
        secret, vendor = self.keys[parts["access_key"]]
        if signature.is_expired(parts["signed_date"]):
            return 401, {}, _error("Specified signature is expired.", call)
        expected = signature.signature(
            secret, parts["signed_date"], call.method, call.path, call.query
        )
        if parts["algorithm"] != signature.ALGORITHM or parts["signature"] != expected:
            return 401, {}, _error("Invalid signature.", call)
        body_vendor = call.json.get("vendorId") if isinstance(call.json, dict) else None
        if body_vendor and body_vendor != vendor:
            return 403, {}, _error(f"vendorId {body_vendor} is not this key's vendor.", call)
        return None

    # --- routes -----------------------------------------------------------------------------

    def _route(self, call: Call) -> Answer:
        path = call.path
        if path == contract.SELLER_PRODUCTS_PATH and call.method == "POST":
            return self._create(call)
        if path == contract.SELLER_PRODUCTS_PATH and call.method == "PUT":
            return self._update(call)
        prefix = contract.SELLER_PRODUCTS_PATH + "/external-vendor-sku-codes/"
        if path.startswith(prefix) and call.method == "GET":
            return self._lookup(call, path[len(prefix) :])
        if path.startswith(contract.SELLER_PRODUCTS_PATH + "/") and call.method == "GET":
            return self._product(call, path.rsplit("/", 1)[-1])
        if path.startswith(contract.VENDOR_ITEMS_PATH + "/") and call.method == "PUT":
            target = path + (f"?{call.query}" if call.query else "")
            return self._vendor_item(call, target)
        return 404, {}, _error(f"No route for {call.method} {path}.", call)

    def _create(self, call: Call) -> Answer:
        body = call.json if isinstance(call.json, dict) else {}
        errors = contract.product_errors(body, update=False)
        if errors:
            return 400, {}, _error(_message(errors), call)
        seller_product_id = next(self._ids)
        items = [self._item(item) for item in body["items"]]
        skus = [item["externalVendorSku"] for item in items if item["externalVendorSku"]]
        reference = min(skus, key=len) if skus else str(seller_product_id)
        self.products[seller_product_id] = {
            "sellerProductId": seller_product_id,
            "reference": reference,
            "body": body,
            "statusName": WAITING,
            "createdAt": datetime.now(UTC).strftime(contract.DATE_FORMAT),
            "items": items,
        }
        self.creates[reference] += 1
        if self.auto_approve:
            self.approve(seller_product_id)
        return 200, {}, {"code": "SUCCESS", "message": "", "data": seller_product_id}

    def _item(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "sellerProductItemId": next(self._ids),
            "externalVendorSku": item.get("externalVendorSku") or "",
            "itemName": item["itemName"],
            "salePrice": int(item["salePrice"]),
            "originalPrice": int(item["originalPrice"]),
            "maximumBuyCount": int(item["maximumBuyCount"]),
            "onSale": True,
        }

    def _update(self, call: Call) -> Answer:
        body = call.json if isinstance(call.json, dict) else {}
        errors = contract.product_errors(body, update=True)
        if errors:
            return 400, {}, _error(_message(errors), call)
        product = self.products.get(body["sellerProductId"])
        if product is None:
            return 404, {}, _error(f"업체상품[{body['sellerProductId']}]이 없습니다.", call)
        fixed = {name: product["body"][name] for name in contract.FIXED_FIELDS}
        errors = contract.fixed_errors(body, fixed)
        if errors:
            return 400, {}, _error(_message(errors), call)
        # Modify Product: an item is kept or changed by its sellerProductItemId, added without
        # one; an item left out is deleted, which an approved one (with a vendorItemId) cannot be.
        held_items = {item["sellerProductItemId"]: item for item in product["items"]}
        kept = {item.get("sellerProductItemId") for item in body["items"]}
        if any(item.get("vendorItemId") and key not in kept for key, item in held_items.items()):
            return 400, {}, _error("vendorItem로 생성된 아이템은 삭제가 불가능합니다.", call)
        items = []
        for sent in body["items"]:
            held = held_items.get(sent.get("sellerProductItemId"))
            if held is None:
                items.append(self._item(sent))
                continue
            held["itemName"] = sent["itemName"]
            held["externalVendorSku"] = sent.get("externalVendorSku") or ""
            if not held.get("vendorItemId"):  # approved: only the vendor-item calls change these
                held["salePrice"] = int(sent["salePrice"])
                held["maximumBuyCount"] = int(sent["maximumBuyCount"])
            items.append(held)
        product.update(body=body, items=items)
        if self.auto_approve:
            self.approve(product["sellerProductId"])
        return 200, {}, {"code": "SUCCESS", "message": "", "data": product["sellerProductId"]}

    def _product(self, call: Call, seller_product_id: str) -> Answer:
        product = self.products.get(int(seller_product_id)) if seller_product_id.isdigit() else None
        if product is None:
            return 404, {}, _error(f"업체상품[{seller_product_id}]이 없습니다.", call)
        data = {
            "sellerProductId": product["sellerProductId"],
            "statusName": product["statusName"],
            "displayCategoryCode": product["body"]["displayCategoryCode"],
            "sellerProductName": product["body"]["sellerProductName"],
            "items": [dict(item) for item in product["items"]],
        }
        return 200, {}, {"code": "SUCCESS", "message": "", "data": data}

    def _lookup(self, call: Call, code: str) -> Answer:
        data = [
            {
                "sellerProductId": p["sellerProductId"],
                "sellerProductName": p["body"]["sellerProductName"],
                "statusName": p["statusName"],
                "createdAt": p["createdAt"],
                "vendorId": self.vendor_id,
            }
            for p in self.products.values()
            if any(item["externalVendorSku"] == code for item in p["items"])
        ]
        return 200, {}, {"code": "SUCCESS", "message": "", "data": data}

    def _vendor_item(self, call: Call, target: str) -> Answer:
        parts = contract.vendor_item_call(target)
        errors = contract.vendor_item_errors(target)
        if parts is None or errors:
            return 400, {}, _error(_message(errors), call)
        item = next(
            (
                item
                for product in self.products.values()
                for item in product["items"]
                if str(item.get("vendorItemId")) == parts["item"]
            ),
            None,
        )
        if item is None:
            return 404, {}, _error(f"옵션ID[{parts['item']}]가 없습니다.", call)
        if parts["price"] is not None:
            price = int(parts["price"])
            forced = "forceSalePriceUpdate=true" in (parts["query"] or "")
            if not forced and not item["salePrice"] * 0.5 <= price <= item["salePrice"] * 2:
                message = "salePrice: only -50% to +100% without forceSalePriceUpdate=true"
                return 400, {}, _error(message, call)
            item["salePrice"] = price
        elif parts["quantity"] is not None:
            item["maximumBuyCount"] = int(parts["quantity"])
        else:
            item["onSale"] = parts["sales"] == "resume"
        return 200, {}, {"code": "SUCCESS", "message": "", "data": None}


def _message(errors: dict[str, list[str]]) -> str:
    return "; ".join(
        f"{field}: {', '.join(messages)}" for field, messages in sorted(errors.items())
    )


def _error(message: str, call: Call) -> dict[str, Any]:
    return {"code": "ERROR", "message": message, "transactionId": uuid.uuid4().hex}


# A seller's own details, as filled in once in the account (``yooini sample`` uses these).
SAMPLE_RATE = 500

SAMPLE_SELLER = {
    "vendor_user_id": "sample-seller",
    "return_center_code": "1000274592",
    "outbound_shipping_place_code": "74010",
    "return_charge_name": "반품담당",
    "company_contact_number": "02-1234-5678",
    "return_zip_code": "06236",
    "return_address": "서울특별시 강남구 테헤란로 1",
    "return_address_detail": "2층",
    "delivery_company_code": "CJGLS",
}


def sample_market() -> tuple[CoupangContractServer, Callable[[], tuple[dict, dict]]]:
    """The server ``yooini sample --markets coupang`` runs, and how its account is made of it:
    (settings, credentials) once the server is started. It also takes orders (the order-sheet
    API of ``order_testing``)."""
    from .order_testing import CoupangOrderServer  # it builds on this module

    server = CoupangOrderServer()
    # A local market answers faster than Coupang's gateway: it allows SAMPLE_RATE calls a
    # second per vendor (and says so in the account's settings), and enforces it.
    server.rate_limit(SAMPLE_RATE, burst=SAMPLE_RATE * 2)
    return server, lambda: (
        {**server.settings(), **SAMPLE_SELLER, "rate_limit": SAMPLE_RATE},
        server.credentials(),
    )
