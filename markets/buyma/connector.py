"""BUYMA behind the market contract: requests from ``payload``, the check from ``contract``,
the calls through ``BuymaClient``.

BUYMA answers every product call with a ``request_uid`` and reports the outcome later by
webhook, so every answer is ``pending`` and a create's id arrives with the webhook. BUYMA knows
our ``reference_number``: a create of a reference number it has is refused "has already been
taken" (``conflict="exists"``), an update of one it does not have "was not found"
(``conflict="missing"``), which is how the publish machine recovers a create whose answer was
lost. A price change is sent with ``control: publish``, so it also puts a suspended listing on
sale again (``update_resumes``). No Django import.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from markets.contract import (
    BaseMarketConnector,
    Errors,
    ListingState,
    MarketAnswer,
    MarketCapabilities,
    MarketConfig,
    MarketRequest,
    Operation,
)
from markets.listing import ListingContent, ListingRejected
from orchestrator.core.clock import get_clock

from . import contract, payload
from .api import PRODUCTS_PATH, VARIANTS_PATH, BuymaClient

MARKET_TIME_ZONE = ZoneInfo("Asia/Tokyo")  # BUYMA's dates (available_until) are Japanese

CAPABILITIES = MarketCapabilities(
    currency="JPY",
    language="ja",
    asynchronous=True,
    batch_size=1,
    price_only_update=True,
    stock_only_update=True,
    suspend_resume=True,
    # 5,000 calls an hour for the account, 2,500 a day for the product API (published limits).
    rate_limit=1.0,
    images_uploaded_first=False,
    price_step=1,
    lookup_by_reference=False,
    update_resumes=True,
)


class BuymaConnector(BaseMarketConnector):
    kind = "buyma"
    capabilities = CAPABILITIES

    def __init__(self, config: MarketConfig) -> None:
        super().__init__(config)
        self._client: BuymaClient | None = None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def settings_problems(self) -> list[str]:
        return payload.settings_problems(self.config.settings)

    # --- requests -----------------------------------------------------------------------

    def request_for(
        self, operation: Operation, content: ListingContent, state: ListingState
    ) -> MarketRequest:
        settings, today, external_id = self.config.settings, self.today(), state.external_id
        if operation is Operation.CREATE:
            body = payload.product_create(content, settings, today=today)
            return MarketRequest(
                operation,
                "POST",
                PRODUCTS_PATH,
                {"product": body},
                fixed=payload.fixed_values(body),
            )
        if operation is Operation.UPDATE:
            body = payload.product_update(content, settings, today=today, external_id=external_id)
        elif operation in (Operation.PRICE, Operation.RESUME):
            body = payload.product_price(content, settings, today=today, external_id=external_id)
        elif operation is Operation.STOCK:
            body = payload.variants_stock(content, settings, external_id=external_id)
            return MarketRequest(operation, "POST", VARIANTS_PATH, {"product": body})
        elif operation is Operation.SUSPEND:
            body = payload.product_suspend(content.reference_number, external_id)
        else:
            raise ValueError(f"BUYMA has no operation {operation!r}")
        return MarketRequest(operation, "POST", PRODUCTS_PATH, {"product": body})

    def content_hash(self, content: ListingContent) -> str:
        return payload.content_hash(
            payload.product_create(content, self.config.settings, today=self.today())
        )

    def validate(self, request: MarketRequest, state: ListingState) -> Errors:
        product = request.body["product"]
        if request.operation is Operation.STOCK:
            return contract.variants_errors(product)
        existing = None if request.operation is Operation.CREATE else dict(state.fixed or {})
        return contract.product_errors(product, today=self.today(), existing=existing)

    def send(self, request: MarketRequest, state: ListingState) -> MarketAnswer:
        client = self._connected()
        try:
            if request.path == VARIANTS_PATH:
                answer = client.variants_post(request.body["product"])
            else:
                answer = client.product_post(request.body["product"])
        except ListingRejected as exc:
            raise _with_conflict(exc) from None
        return MarketAnswer(
            status_code=answer.status_code,
            pending=True,
            request_uid=answer.request_uid,
            summary={"accepted": True, "request_uid": answer.request_uid},
        )

    def export(self, contents: Sequence[ListingContent], path: Path) -> int:
        from .export import export_workbook

        return export_workbook(contents, self.config.settings, path, today=self.today())

    # --- helpers ------------------------------------------------------------------------

    def today(self) -> date:
        return get_clock().now().astimezone(MARKET_TIME_ZONE).date()

    def _connected(self) -> BuymaClient:
        if self._client is None:
            self._client = BuymaClient(
                base_url=str(self.config.settings.get("base_url") or ""),
                credentials=dict(self.config.credentials),
                on_tokens=self.config.on_credentials,
                transport=self.config.transport,
                timeout=self.config.timeout,
                max_wait=self.config.max_wait,
            )
        return self._client


def _with_conflict(exc: ListingRejected) -> ListingRejected:
    said = " ".join(exc.errors.get("reference_number", []))
    conflict = (
        "exists" if contract.TAKEN in said else "missing" if contract.NOT_FOUND in said else None
    )
    if conflict is None:
        return exc
    return ListingRejected(exc.errors, status_code=exc.status_code, conflict=conflict)
