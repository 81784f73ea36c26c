"""One Coupang account's connector (no Django): requests, the contract check, sending, lookup
by our reference number and the bulk-upload file.

Operations and their calls (docs/markets/coupang.md):

- CREATE: ``POST .../seller-products`` (answers the ``sellerProductId``), then ``GET
  .../seller-products/{id}`` for each item's ``vendorItemId``; ids not given yet (Coupang
  gives them on approval) are fetched again by the next call that needs them.
- UPDATE: ``PUT .../seller-products`` with ``sellerProductId`` and each item's ids.
- PRICE, STOCK, SUSPEND, RESUME: one call per vendor item (``.../vendor-items/{id}/prices/
  {price}``, ``/quantities/{n}``, ``/sales/stop``, ``/sales/resume``). The request's body lists
  the calls (``{"calls": [{"method", "path", "sku"}]}``) and ``send`` makes them in order; each
  is idempotent, so a crash between two is repaired by sending the request again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markets.contract import (
    BaseMarketConnector,
    ListingState,
    MarketAnswer,
    MarketCapabilities,
    MarketConfig,
    MarketRequest,
    MarketUnavailable,
    Operation,
)
from markets.listing import ListingContent, ListingRejected, MarketError
from markets.pacing import pacer_for

from . import contract, payload
from .api import CoupangClient
from .export import workbook_write

CAPABILITIES = MarketCapabilities(
    currency="KRW",
    language="ko",
    asynchronous=False,
    batch_size=1,
    price_only_update=True,
    stock_only_update=True,
    suspend_resume=True,
    rate_limit=10.0,
    images_uploaded_first=False,
    price_step=contract.PRICE_STEP,
    lookup_by_reference=True,
)
PLACEHOLDER = "{vendorItemId}"
REQUIRED_SETTINGS = {
    "vendor_id": "the vendor id (업체코드, e.g. A00012345, shown in WING)",
    "vendor_user_id": "the WING login id that registers products (vendor_user_id)",
    "return_center_code": "the return center code (반품지 코드, WING > 배송/반품지 관리)",
    "outbound_shipping_place_code": "the outbound shipping place code (출고지 코드)",
    "return_charge_name": "the return contact's name (returnChargeName)",
    "company_contact_number": "the return contact's phone number (companyContactNumber)",
    "return_zip_code": "the return address's postcode (return_zip_code)",
    "return_address": "the return address (return_address)",
    "return_address_detail": "the return address's detail line (return_address_detail)",
    "delivery_company_code": "the parcel company code (delivery_company_code, e.g. CJGLS)",
}


class CoupangConnector(BaseMarketConnector):
    """See the module docstring. ``settings`` of ``MarketConfig``: the keys of
    ``REQUIRED_SETTINGS`` and ``payload.PRODUCT_SETTINGS``/``ITEM_SETTINGS``, ``base_url``,
    ``default_stock``; ``credentials``: ``access_key``, ``secret_key``."""

    kind = "coupang"
    capabilities = CAPABILITIES

    def __init__(
        self, config: MarketConfig, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        """``now``: the clock signatures are dated by (tests move it)."""
        super().__init__(config)
        settings = config.settings
        vendor = str(settings.get("vendor_id") or "")
        self._client = CoupangClient(
            base_url=str(settings.get("base_url") or ""),
            access_key=config.credentials.get("access_key", ""),
            secret_key=config.credentials.get("secret_key", ""),
            vendor_id=vendor,
            redact=self.redact,
            transport=config.transport,
            timeout=config.timeout,
            max_wait=_number(settings.get("rate_limit_max_wait"), 2.0),
            pace=vendor_pace(settings),
            now=now,
        )

    def close(self) -> None:
        self._client.close()

    # --- what is sent -----------------------------------------------------------------------

    def settings_problems(self) -> list[str]:
        """Required settings missing or malformed, in plain words. Credentials are not
        settings: a dry run needs none, and ``send`` without them raises ``MarketAuthError``."""
        settings = self.config.settings
        problems = [
            f"Missing {label}." for key, label in REQUIRED_SETTINGS.items() if not settings.get(key)
        ]
        for key in sorted(payload.NUMERIC_SETTINGS | {"default_stock"}):
            value = settings.get(key)
            if value not in (None, "") and not str(value).strip().isdigit():
                problems.append(f"{key} must be a whole number, not {value!r}.")
        rate = settings.get("rate_limit")
        if rate not in (None, "") and not _number(rate, 0) > 0:
            problems.append(f"rate_limit must be calls per second above 0, not {rate!r}.")
        return problems

    def request_for(
        self, operation: Operation, content: ListingContent, state: ListingState
    ) -> MarketRequest:
        settings = self.config.settings
        if operation is Operation.CREATE:
            body = payload.product_body(content, settings)
            fixed = {name: body[name] for name in contract.FIXED_FIELDS}
            return MarketRequest(operation, "POST", contract.SELLER_PRODUCTS_PATH, body, fixed)
        if operation is Operation.UPDATE:
            body = payload.product_body(
                content,
                settings,
                external_ids=state.external_ids,
                seller_product_id=_seller_product_id(state),
            )
            return MarketRequest(operation, "PUT", contract.SELLER_PRODUCTS_PATH, body)
        vendor_items = dict(state.external_ids.get("vendorItemIds") or {})
        calls = []
        for sku, variant in zip(
            payload.skus(content.reference_number, content.variants), content.variants, strict=True
        ):
            item = vendor_items.get(sku, PLACEHOLDER)
            if operation is Operation.PRICE:
                path = contract.price_path(item, content.price)
            elif operation is Operation.STOCK:
                path = contract.quantity_path(item, payload.stock_of(variant, settings))
            elif operation is Operation.SUSPEND:
                path = contract.sales_path(item, "stop")
            elif operation is Operation.RESUME:
                path = contract.sales_path(item, "resume")
            else:  # pragma: no cover - Operation has no other member
                raise ValueError(f"unknown operation {operation!r}")
            calls.append({"method": "PUT", "path": path, "sku": sku})
        body = {"sellerProductId": state.external_id, "calls": calls}
        return MarketRequest(operation, "PUT", contract.VENDOR_ITEMS_PATH, body)

    def content_hash(self, content: ListingContent) -> str:
        body = payload.body_for_hash(payload.product_body(content, self.config.settings))
        text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def validate(self, request: MarketRequest, state: ListingState) -> dict[str, list[str]]:
        if request.operation in (Operation.CREATE, Operation.UPDATE):
            update = request.operation is Operation.UPDATE
            errors = contract.product_errors(request.body, update=update)
            if update:
                for name, messages in contract.fixed_errors(request.body, state.fixed).items():
                    errors.setdefault(name, []).extend(messages)
            return errors
        errors: dict[str, list[str]] = {}
        calls = request.body.get("calls") or []
        if not calls:
            errors["calls"] = ["has no vendor item to change"]
        for index, call in enumerate(calls):
            for name, messages in contract.vendor_item_errors(call["path"]).items():
                errors.setdefault(f"calls[{index}].{name}", []).extend(messages)
        return errors

    # --- sending ----------------------------------------------------------------------------

    def send(self, request: MarketRequest, state: ListingState) -> MarketAnswer:
        if request.operation is Operation.CREATE:
            answer = self._client.call("POST", request.path, request.body)
            seller_product_id = answer.get("data")
            if not seller_product_id:  # accepted, but which product? find() will tell
                raise MarketUnavailable(
                    "Coupang accepted the create without a sellerProductId; look it up by "
                    "reference number"
                )
            ids = self._ids_after_change(seller_product_id)
            return MarketAnswer(
                status_code=200,
                external_id=str(seller_product_id),
                external_ids=ids,
                summary={"sellerProductId": seller_product_id, "items": len(ids["vendorItemIds"])},
            )
        if request.operation is Operation.UPDATE:
            answer = self._client.call("PUT", request.path, request.body)
            ids = self._ids_after_change(request.body["sellerProductId"])
            return MarketAnswer(
                status_code=200,
                external_id=str(request.body["sellerProductId"]),
                external_ids=ids,
                summary={"code": answer.get("code"), "message": answer.get("message", "")},
            )
        return self._send_calls(request, state)

    def _send_calls(self, request: MarketRequest, state: ListingState) -> MarketAnswer:
        calls = list(request.body.get("calls") or [])
        ids: dict[str, Any] = {}
        if any(PLACEHOLDER in call["path"] for call in calls):
            ids = self._ids_of(_seller_product_id(state))
            known = ids["vendorItemIds"]
            missing = [
                c["sku"] for c in calls if PLACEHOLDER in c["path"] and c["sku"] not in known
            ]
            if missing:
                raise MarketUnavailable(
                    f"Coupang has not given vendor item ids for {', '.join(missing)} yet (they "
                    "come with the product's approval); try again later",
                    retry_after=300,
                )
            calls = [
                {**c, "path": c["path"].replace(PLACEHOLDER, str(known.get(c["sku"], "")))}
                for c in calls
            ]
        for call in calls:
            self._client.call(call["method"], call["path"])
        return MarketAnswer(
            status_code=200,
            external_id=state.external_id,
            external_ids=ids,
            summary={"calls": len(calls)},
        )

    def find(self, reference_number: str) -> MarketAnswer | None:
        """The seller product whose item carries ``reference_number`` as its seller code.
        Coupang indexes a new product within about a minute: a create just made may not be
        found yet."""
        try:
            answer = self._client.call("GET", contract.external_sku_path(reference_number))
        except ListingRejected as exc:
            if exc.conflict == "missing":
                return None
            raise
        found = [
            product
            for product in answer.get("data") or []
            if isinstance(product, Mapping) and product.get("statusName") != "상품삭제"
        ]
        if not found:
            return None
        product = max(found, key=lambda p: str(p.get("createdAt") or ""))
        seller_product_id = product.get("sellerProductId")
        ids = self._ids_of(seller_product_id)
        return MarketAnswer(
            status_code=200,
            external_id=str(seller_product_id),
            external_ids=ids,
            summary={"sellerProductId": seller_product_id, "status": product.get("statusName")},
        )

    def export(self, contents: Sequence[ListingContent], path: Path) -> int:
        return workbook_write(contents, self.config.settings, Path(path))

    # --- ids --------------------------------------------------------------------------------

    def _ids_after_change(self, seller_product_id: Any) -> dict[str, Any]:
        """The item ids of a product just created or updated; never raises (the change did
        happen, so an error here must not make anyone send it again): the ids missing are
        fetched by the next call that needs them."""
        try:
            return self._ids_of(seller_product_id)
        except MarketError:
            return {"sellerProductId": seller_product_id, "vendorItemIds": {}}

    def _ids_of(self, seller_product_id: Any) -> dict[str, Any]:
        answer = self._client.call("GET", contract.seller_product_path(seller_product_id))
        data = answer.get("data") or {}
        vendor_items: dict[str, int] = {}
        product_items: dict[str, int] = {}
        for item in data.get("items") or []:
            sku = item.get("externalVendorSku")
            if not sku:
                continue
            if item.get("vendorItemId"):
                vendor_items[sku] = item["vendorItemId"]
            if item.get("sellerProductItemId"):
                product_items[sku] = item["sellerProductItemId"]
        return {
            "sellerProductId": seller_product_id,
            "vendorItemIds": vendor_items,
            "sellerProductItemIds": product_items,
        }


def vendor_pace(settings: Mapping[str, Any]) -> Callable[[], float]:
    """Every call of a vendor from this process takes its turn, listings and orders alike:
    Coupang counts them per vendor, whichever connector, cell or thread sends them. At the
    account's ``rate_limit`` calls a second, else Coupang's."""
    default = CAPABILITIES.rate_limit or 10.0
    rate = _number(settings.get("rate_limit"), default)
    key = ("coupang", str(settings.get("base_url") or ""), str(settings.get("vendor_id") or ""))
    return pacer_for(key, rate if rate > 0 else default).wait


def _number(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _seller_product_id(state: ListingState) -> int | None:
    value = state.external_ids.get("sellerProductId") or state.external_id
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
