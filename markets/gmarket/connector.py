"""The Gmarket / Auction connector: one ESM+ account, both sites, through the ESM Trading API.

No Django. It builds each operation's request (``payload``), checks it with the market's
contract (``contract.errors_for``, the same check the local contract server makes), sends it
(``api.EsmClient``), finds a listing by our reference number (the goods search by the seller's
managed code), and writes the bulk-upload workbook (``export``).

Operations:

- CREATE ``POST /item/v1/goods`` (the answer's ``goodsNo`` is the listing's id; the site goods
  numbers go to ``external_ids``); UPDATE ``PUT /item/v1/goods/{goodsNo}``, the full body;
- PRICE, SUSPEND, RESUME ``PUT /item/v1/goods/{goodsNo}/sell-status``;
- STOCK: ``PUT /item/v1/goods/{goodsNo}/recommended-options`` (per-option quantities, sold
  out flagged) for a product with options, else the sell-status stock (a sold-out product
  without options stops selling: ESM takes no stock of 0).

``fixed``: the managed code and the sites a listing was registered on; an update that would
change them is refused before sending.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from markets.contract import (
    BaseMarketConnector,
    Errors,
    ListingState,
    MarketAnswer,
    MarketCapabilities,
    MarketConfig,
    MarketRequest,
    MarketUnavailable,
    Operation,
)
from markets.listing import ListingContent

from . import payload
from .api import EsmClient
from .auth import Signer
from .contract import GOODS_PATH, SEARCH_PATH, errors_for
from .settings import AccountSettings

KIND = "gmarket"

CAPABILITIES = MarketCapabilities(
    currency="KRW",
    language="ko",
    asynchronous=False,
    batch_size=1,
    price_only_update=True,
    stock_only_update=True,
    suspend_resume=True,
    # Goods calls: sellers report 100 registrations a minute; the goods search is published
    # at 30 a minute. One call a second per account stays under both (unverified).
    rate_limit=1.0,
    images_uploaded_first=False,
    price_step=10,
    lookup_by_reference=True,
)


class GmarketConnector(BaseMarketConnector):
    kind = KIND
    capabilities = CAPABILITIES

    def __init__(self, config: MarketConfig) -> None:
        super().__init__(config)
        self.account = AccountSettings.from_mapping(config.settings)
        credentials = config.credentials
        self._signer = Signer(
            master_id=str(credentials.get("master_id") or ""),
            secret_key=str(credentials.get("secret_key") or ""),
            domain=self.account.domain,
            seller_ids=self.account.seller_ids,
        )
        self._client: EsmClient | None = None

    @property
    def client(self) -> EsmClient:
        if self._client is None:
            self._client = EsmClient(
                base_url=self.account.base_url,
                signer=self._signer,
                redact=self.redact,
                transport=self.config.transport,
                timeout=self.config.timeout,
                max_wait=self.account.rate_limit_max_wait,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def settings_problems(self) -> list[str]:
        return self.account.problems(self.config.credentials)

    # --- requests ---------------------------------------------------------------------------

    def request_for(
        self, operation: Operation, content: ListingContent, state: ListingState
    ) -> MarketRequest:
        account = self.account
        goods_no = state.external_id or ""
        base = payload.goods_path(goods_no)
        if operation is Operation.CREATE:
            body = payload.goods_body(content, account, create=True)
            fixed = {"managedCode": content.reference_number, "sites": list(account.sites)}
            return MarketRequest(operation, "POST", GOODS_PATH, body, fixed)
        if operation is Operation.UPDATE:
            # An update restates the sell status: a suspended listing stays stopped, and so
            # does a sold-out one without options (ESM takes no stock of 0, see stock_body).
            has_options = payload.options_field(content, account) is not None
            in_stock = has_options or payload.sellable_stock(content, account) > 0
            on_sale = state.status != "suspended" and in_stock
            body = payload.goods_body(content, account, create=False, on_sale=on_sale)
            return MarketRequest(operation, "PUT", base, body)
        if operation is Operation.PRICE:
            return MarketRequest(
                operation, "PUT", f"{base}/sell-status", payload.price_body(content, account)
            )
        if operation is Operation.STOCK:
            if payload.options_field(content, account):
                body = payload.options_body(content, account)
                return MarketRequest(operation, "PUT", f"{base}/recommended-options", body)
            body = payload.stock_body(content, account)
            return MarketRequest(operation, "PUT", f"{base}/sell-status", body)
        on_sale = operation is Operation.RESUME
        body = payload.sell_body(account, on_sale=on_sale)
        return MarketRequest(operation, "PUT", f"{base}/sell-status", body)

    def content_hash(self, content: ListingContent) -> str:
        """SHA-256 of the register body (it holds no date or other volatile value)."""
        body = payload.goods_body(content, self.account, create=True)
        text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def validate(self, request: MarketRequest, state: ListingState) -> Errors:
        create = request.operation is Operation.CREATE
        if not create and not state.external_id:
            return {"goodsNo": ["the listing has no ESM goods number yet (create it first)"]}
        errors = errors_for(request.method, request.path, request.body, create=create)
        if request.operation is Operation.UPDATE and state.fixed:
            sent = request.body.get("itemAddtionalInfo", {}).get("managedCode")
            if state.fixed.get("managedCode") not in (None, sent):
                errors.setdefault("itemAddtionalInfo.managedCode", []).append(
                    "is fixed at registration and cannot change"
                )
            if state.fixed.get("sites") not in (None, list(self.account.sites)):
                errors.setdefault("sites", []).append(
                    f"the listing was registered on {state.fixed['sites']}; a site cannot be "
                    "added or dropped by an update"
                )
        return errors

    # --- calls ------------------------------------------------------------------------------

    def send(self, request: MarketRequest, state: ListingState) -> MarketAnswer:
        answer = self.client.call(request.method, request.path, request.body)
        body = answer.body
        summary = {"resultCode": body.get("resultCode"), "goodsNo": body.get("goodsNo")}
        if request.operation is Operation.CREATE:
            goods_no = body.get("goodsNo")
            if not goods_no:
                raise MarketUnavailable(
                    "the register answer has no goodsNo; find the listing by its managed code",
                    status_code=answer.status_code,
                )
            return MarketAnswer(
                status_code=answer.status_code,
                external_id=str(goods_no),
                external_ids=payload.site_goods_numbers(body),
                summary=summary,
            )
        return MarketAnswer(
            status_code=answer.status_code, external_id=state.external_id, summary=summary
        )

    def find(self, reference_number: str) -> MarketAnswer | None:
        """The listing registered under our reference number (the seller's managed code), or
        None. The goods search is limited to 30 calls a minute."""
        answer = self.client.call("POST", SEARCH_PATH, {"managedCode": [reference_number]})
        for goods in _goods_list(answer.body):
            if str(goods.get("managedCode") or "") == reference_number and goods.get("goodsNo"):
                return MarketAnswer(
                    status_code=answer.status_code,
                    external_id=str(goods["goodsNo"]),
                    external_ids=payload.site_goods_numbers(goods),
                    summary={"goodsNo": goods["goodsNo"], "found_by": "managedCode"},
                )
        return None

    def export(self, contents: Sequence[ListingContent], path: Path) -> int:
        from .export import workbook_write

        return workbook_write(contents, self.account, path)


def _goods_list(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The goods of a search answer (the list's key is unverified: ``goods`` or ``data``)."""
    for key in ("goods", "data", "items"):
        value = body.get(key)
        if isinstance(value, list):
            return [g for g in value if isinstance(g, Mapping)]
    return []


def connector_create(config: MarketConfig) -> GmarketConnector:
    return GmarketConnector(config)
