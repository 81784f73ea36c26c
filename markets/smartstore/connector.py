"""The SmartStore connector: one account's connection to the Naver Commerce API (no Django).

What each operation sends (``request_for``):

- CREATE: ``POST /v2/products`` (the whole product; our reference number as
  ``sellerCodeInfo.sellerManagementCode``); ``fixed`` keeps the leaf category and the seller code.
- UPDATE: ``PUT /v2/products/origin-products/{originProductNo}`` (the whole product again,
  without the category; a suspended listing stays suspended).
- PRICE / STOCK: ``PUT /v1/products/origin-products/{originProductNo}/option-stock`` with every
  option's Naver id (``state.external_ids["options"]``); when an id is not known (a product
  without options, or ids not read yet) the whole product is sent instead, which Naver matches
  by option value.
- SUSPEND / RESUME: ``PUT /v1/products/origin-products/{originProductNo}/change-status``
  (SUSPENSION; SALE with the stock count, which Naver needs to leave OUTOFSTOCK).

``send`` uploads the images Naver has not got yet first (``POST /v1/product-images/upload``),
puts their Naver URLs in the body, and answers them in ``external_ids["images"]`` (our URL ->
Naver URL) so they are never uploaded twice; after a create or an update it reads the product
back once (``GET /v2/products/origin-products/{no}``) for the option ids, and a failure of that
read does not undo the answer. ``find`` asks ``POST /v1/products/search`` for our seller code.
"""

from __future__ import annotations

import copy
import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from markets.contract import (
    BaseMarketConnector,
    ListingState,
    MarketAnswer,
    MarketConfig,
    MarketError,
    MarketRequest,
    Operation,
)
from markets.listing import ListingContent, ListingRejected

from . import contract, payload
from .api import NaverClient
from .capabilities import CAPABILITIES

REQUIRED_SETTINGS = {
    "after_service_telephone": "the A/S telephone number (A/S 전화번호)",
    "after_service_guide": "the A/S guide text (A/S 안내)",
    "delivery_company": "the courier code (택배사 코드, e.g. CJGLS)",
    "shipping_address_id": "the shipping address book number (출고지 주소록 번호)",
    "return_address_id": "the return address book number (반품/교환지 주소록 번호)",
    "return_delivery_fee": "the return shipping fee (반품 배송비, won)",
    "exchange_delivery_fee": "the exchange shipping fee (교환 배송비, won)",
}


class SmartStoreConnector(BaseMarketConnector):
    """See the module docstring. Settings and credentials: docs/markets/smartstore.md."""

    kind = "smartstore"
    capabilities = CAPABILITIES

    def __init__(self, config: MarketConfig, **client_options: Any) -> None:
        super().__init__(config)
        settings = config.settings
        self.client = NaverClient(
            base_url=str(settings.get("base_url") or contract.DEFAULT_BASE_URL),
            credentials=config.credentials,
            token_type=str(settings.get("token_type") or "SELF"),
            on_credentials=config.on_credentials,
            transport=config.transport,
            timeout=config.timeout,
            **client_options,
        )

    def close(self) -> None:
        self.client.close()

    # --- settings ---------------------------------------------------------------------------

    def settings_problems(self) -> list[str]:
        settings, credentials = self.config.settings, self.config.credentials
        problems = [
            f"the account setting {key!r} is missing: {what}"
            for key, what in REQUIRED_SETTINGS.items()
            if settings.get(key) in (None, "")
        ]
        for key in (
            "shipping_address_id",
            "return_address_id",
            "return_delivery_fee",
            "exchange_delivery_fee",
        ):
            if settings.get(key) not in (None, "") and not str(settings[key]).isdigit():
                problems.append(f"the account setting {key!r} must be a whole number")
        code = str(settings.get("origin_area_code") or payload.DEFAULT_ORIGIN_AREA_CODE)
        if code.startswith("02") and not settings.get("importer"):
            problems.append(
                "the account setting 'importer' (수입사) is required with an imported origin code"
            )
        for key in ("client_id", "client_secret"):
            if not credentials.get(key):
                problems.append(
                    f"the credential {key!r} is missing (Naver Commerce API application)"
                )
        if str(settings.get("token_type") or "SELF") == "SELLER" and not credentials.get(
            "account_id"
        ):
            problems.append("the credential 'account_id' is required when token_type is SELLER")
        return problems

    # --- requests ---------------------------------------------------------------------------

    def request_for(
        self, operation: Operation, content: ListingContent, state: ListingState
    ) -> MarketRequest:
        settings, ids = self.config.settings, state.external_ids
        number = state.external_id
        if operation is Operation.CREATE:
            body = payload.product_body(content, settings, ids, create=True)
            fixed = {
                "leafCategoryId": str(content.category_id),
                "sellerManagementCode": content.reference_number,
            }
            return MarketRequest(operation, "POST", contract.PRODUCTS_PATH, body, fixed)
        if number is None:
            # Never guessed: a lost create is found by its seller code (``find``) first.
            raise ListingRejected(
                {"originProductNo": [f"not known: {operation} needs it; find the listing first"]}
            )
        if operation in (Operation.SUSPEND, Operation.RESUME):
            body = (
                {"statusType": "SUSPENSION"}
                if operation is Operation.SUSPEND
                else {
                    "statusType": "SALE",
                    "stockQuantity": payload.total_stock(content),
                }
            )
            return MarketRequest(
                operation, "PUT", contract.CHANGE_STATUS_PATH.format(no=number), body
            )
        if operation in (Operation.PRICE, Operation.STOCK):
            body = payload.option_stock_body(content, ids.get("options") or {})
            if body is not None and payload.option_types(content):
                return MarketRequest(
                    operation, "PUT", contract.OPTION_STOCK_PATH.format(no=number), body
                )
        suspended = state.status == "suspended"
        body = payload.product_body(content, settings, ids, create=False, suspended=suspended)
        return MarketRequest(operation, "PUT", contract.ORIGIN_PRODUCT_PATH.format(no=number), body)

    def content_hash(self, content: ListingContent) -> str:
        return payload.content_hash(content, self.config.settings)

    def validate(self, request: MarketRequest, state: ListingState) -> dict[str, list[str]]:
        kind = contract.kind_of(request.method, request.path)
        if kind is None:
            return {"path": [f"{request.method} {request.path} is not a product call"]}
        return contract.errors_for(kind, request.body, state.fixed)

    # --- sending ----------------------------------------------------------------------------

    def send(self, request: MarketRequest, state: ListingState) -> MarketAnswer:
        try:
            return self._send(request, state)
        except MarketError as exc:
            # Never let a credential reach a message (Naver's messages echo some inputs).
            exc.args = tuple(self.redact(str(a)) for a in exc.args)
            raise

    def _send(self, request: MarketRequest, state: ListingState) -> MarketAnswer:
        kind = contract.kind_of(request.method, request.path)
        body = request.body
        ids: dict[str, Any] = {}
        if kind in (contract.CREATE, contract.UPDATE):
            images = self._images_hosted(body, dict(state.external_ids.get("images") or {}))
            body = _with_hosted_images(body, images)
            if images:
                ids["images"] = images
        answer = self.client.call(request.method, request.path, json=body)
        number = answer.get("originProductNo") or state.external_id
        for key in ("originProductNo", "smartstoreChannelProductNo"):
            if answer.get(key):
                ids[key] = answer[key]
        if kind in (contract.CREATE, contract.UPDATE) and number:
            options = self._option_ids(str(number))
            if options:
                ids["options"] = options
        return MarketAnswer(
            status_code=200,
            external_id=str(number) if number else None,
            external_ids=ids,
            summary={
                k: answer[k]
                for k in ("originProductNo", "smartstoreChannelProductNo")
                if k in answer
            },
        )

    def _images_hosted(self, body: dict, known: dict[str, str]) -> dict[str, str]:
        """``known`` plus a Naver URL for every image of ``body`` not on Naver's host yet."""
        missing = [u for u in _image_urls(body) if u not in known and not _on_naver(u)]
        missing = list(dict.fromkeys(missing))
        if not missing:
            return known
        files = []
        for index, url in enumerate(missing):
            data, kind = self.client.download(url)
            name = Path(urlsplit(url).path).name or f"image{index}.jpg"
            files.append((name, data, kind))
        for url, hosted in zip(missing, self.client.upload_images(files), strict=True):
            known[url] = hosted
        return known

    def _option_ids(self, number: str) -> dict[str, int]:
        """Option key -> Naver option id, read back from the product (``{}`` when the read
        fails: the write it follows was accepted, and a later full update matches by value)."""
        try:
            product = self.client.call("GET", contract.ORIGIN_PRODUCT_PATH.format(no=number))
        except MarketError:
            return {}
        detail = (product.get("originProduct") or {}).get("detailAttribute") or {}
        info = detail.get("optionInfo") or {}
        names = info.get("optionCombinationGroupNames") or {}
        kinds = {v: k for k, v in payload.OPTION_GROUP_NAMES.items()}
        groups = [kinds.get(names.get(f"optionGroupName{i}")) for i in (1, 2, 3)]
        found = {}
        for combination in info.get("optionCombinations") or []:
            if combination.get("id") is None:
                continue
            options = tuple(
                (kind, str(combination.get(f"optionName{i + 1}") or ""))
                for i, kind in enumerate(groups)
                if kind
            )
            found[payload.option_key(options)] = int(combination["id"])
        return found

    # --- lookup and export ------------------------------------------------------------------

    def find(self, reference_number: str) -> MarketAnswer | None:
        body = {
            "searchKeywordType": "SELLER_CODE",
            "sellerManagementCode": reference_number,
            "page": 1,
            "size": 50,
        }
        answer = self.client.call("POST", contract.SEARCH_PATH, json=body)
        for product in answer.get("contents") or []:
            for channel in product.get("channelProducts") or []:
                if channel.get("sellerManagementCode") != reference_number:
                    continue
                if channel.get("statusType") == "DELETE":
                    continue
                number = product.get("originProductNo") or channel.get("originProductNo")
                ids = {"originProductNo": number}
                if channel.get("channelProductNo"):
                    ids["smartstoreChannelProductNo"] = channel["channelProductNo"]
                return MarketAnswer(200, external_id=str(number), external_ids=ids, summary=ids)
        return None

    def export(self, contents: Sequence[ListingContent], path: Path) -> int:
        from .export import workbook_write

        return workbook_write(contents, Path(path), self.config.settings)


def _image_urls(body: dict) -> list[str]:
    images = (body.get("originProduct") or {}).get("images") or {}
    urls = [((images.get("representativeImage") or {}).get("url")) or ""]
    urls += [(i or {}).get("url") or "" for i in images.get("optionalImages") or []]
    return [u for u in urls if u]


def _on_naver(url: str) -> bool:
    return (urlsplit(url).hostname or "").endswith(contract.IMAGE_HOST_SUFFIX)


def _with_hosted_images(body: dict, images: dict[str, str]) -> dict:
    """A copy of ``body`` naming Naver's URLs (the image list and the page's ``<img>``)."""
    if not images:
        return body
    body = copy.deepcopy(body)
    origin = body["originProduct"]
    block = origin.get("images") or {}
    if block.get("representativeImage"):
        url = block["representativeImage"].get("url")
        block["representativeImage"]["url"] = images.get(url, url)
    for item in block.get("optionalImages") or []:
        item["url"] = images.get(item.get("url"), item.get("url"))
    page = origin.get("detailContent") or ""
    for source, hosted in images.items():
        page = page.replace(html.escape(source, quote=True), html.escape(hosted, quote=True))
    origin["detailContent"] = page
    return body


def connector_create(config: MarketConfig) -> SmartStoreConnector:
    """The registry's factory (``MarketKind.connector``)."""
    return SmartStoreConnector(config)


__all__ = ["SmartStoreConnector", "connector_create"]
