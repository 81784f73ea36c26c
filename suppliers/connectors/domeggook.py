"""Kind ``domeggook``: the domeggook / domeme (도매꾹 / 도매매) open API.

Contract (openapi.domeggook.com reference pages "상품리스트" getItemList v4.1 and "상품상세정보"
getItemView v4.0):

- One endpoint, ``GET https://domeggook.com/ssl/api/`` with ``ver``, ``mode``, ``aid`` (the API
  key), ``market`` (``dome`` 도매꾹 or ``supply`` 도매매) and ``om=json``.
- getItemList: ``sz`` (1-200, default 20), ``pg``, filters ``so``, ``ca``, ``kw``, ``id``, ``mnp``,
  ``mxp``, ... The answer is ``{"domeggook": {"header": {"numberOfItems", ...}, "list": {"item":
  [...]}}}``; like every XML-born JSON API, one item comes as an object, not a list.
- getItemView (``no``): ``basis{no, status, title}``, ``price.dome`` (an int, or for quantity
  discounts a string ``1+3800|20+3500|50+3300``: 1-19 pieces 3800, 20-49 3500, 50+ 3300; we
  take the smallest-quantity tier, the price of a single order), ``qty.inventory``, ``thumb``.
- Errors come as HTTP 200 with ``{"errors": {...}}`` (public client code), so every answer is
  checked for them.

Settings: ``base_url``, ``market`` ("dome"), ``page_size`` (100), ``filters`` (extra
getItemList parameters), ``rate_limit`` (3 requests/s, a safe pace: public clients keep to
180 per minute), retry settings. Credentials: ``aid``.
"""

from __future__ import annotations

import re
from typing import Any

from suppliers.connectors.contract import (
    AuthError,
    BaseConnector,
    Capabilities,
    ConfigError,
    ConnectorConfig,
    Cursor,
    ReadResult,
    RecordValueError,
    RejectedRow,
    SourceError,
    StockInfo,
    SupplierRecord,
    parse_count,
    parse_won,
    short,
)
from suppliers.connectors.http_api import RetryPolicy, Transport

BASE_URL = "https://domeggook.com/ssl/api/"
LIST_VERSION = "4.1"
VIEW_VERSION = "4.0"
_TIER = re.compile(r"^\s*(\d+)\s*\+\s*([\d,]+)\s*$")
# Error texts that mean the key itself was refused (UNVERIFIED: codes are not published).
_AUTH_WORDS = ("aid", "api key", "apikey", "인증", "api 키")


class DomeggookConnector(BaseConnector):
    kind = "domeggook"
    _repr_settings = ("base_url", "market")

    def __init__(self, config: ConnectorConfig) -> None:
        super().__init__(config)
        if not config.credentials.get("aid"):
            raise ConfigError("domeggook connector needs credential: aid")
        settings = config.settings
        self._market = str(settings.get("market", "dome"))
        if self._market not in ("dome", "supply"):
            raise ConfigError(f"domeggook market must be dome or supply, not {self._market!r}")
        self._page_size = int(settings.get("page_size", 100))
        if not 1 <= self._page_size <= 200:
            raise ConfigError("domeggook page_size (sz) must be between 1 and 200")
        self._rate_limit = settings.get("rate_limit", 3.0)
        self._transport = Transport(
            policy=RetryPolicy.from_settings(settings),
            secrets=self._secrets,
            rate_limit=self._rate_limit,
        )

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            incremental=False,
            supports_stock=True,
            page_size=self._page_size,
            rate_limit=self._rate_limit,
        )

    def close(self) -> None:
        self._transport.close()

    def _probe(self) -> None:
        self._call("getItemList", LIST_VERSION, sz=1, pg=1)

    def _read(self, cursor: Cursor) -> ReadResult:
        page = int((cursor or {}).get("page", 1))
        answer = self._call("getItemList", LIST_VERSION, sz=self._page_size, pg=page)
        items = _as_list((answer.get("list") or {}).get("item"))
        records, rejected = [], []
        for index, item in enumerate(items, start=1):
            outcome = _record(item, f"page {page} item {index}")
            (records if isinstance(outcome, SupplierRecord) else rejected).append(outcome)
        if self._last_page(answer.get("header") or {}, page, len(items)):
            return ReadResult(tuple(records), tuple(rejected), None, True)
        return ReadResult(tuple(records), tuple(rejected), {"page": page + 1}, False)

    def _read_stock(self, keys: list[str]) -> dict[str, StockInfo]:
        """One getItemView per key: ``qty.inventory`` and ``basis.status`` (판매중 = on sale).
        A key the API answers with an error for (deleted, never existed) is left out: unknown.
        """
        found: dict[str, StockInfo] = {}
        for key in keys:
            try:
                view = self._call("getItemView", VIEW_VERSION, no=key)
            except AuthError:
                raise
            except SourceError:
                continue
            basis = view.get("basis") or {}
            try:
                quantity = parse_count((view.get("qty") or {}).get("inventory"))
            except ValueError:
                quantity = None
            on_sale = str(basis.get("status") or "") == "판매중"
            found[key] = StockInfo(available=on_sale and quantity != 0, quantity=quantity)
        return found

    def _last_page(self, header: dict, page: int, count: int) -> bool:
        if count == 0:
            return True
        pages = _int(header.get("numberOfPages"))
        if pages is not None:
            return page >= pages
        total = _int(header.get("numberOfItems"))
        if total is not None:
            return page * self._page_size >= total
        return count < self._page_size

    def _call(self, mode: str, version: str, **params: Any) -> dict:
        query = {
            "ver": version,
            "mode": mode,
            "aid": self.config.credentials["aid"],
            "market": self._market,
            "om": "json",
            **(dict(self.config.settings.get("filters") or {}) if mode == "getItemList" else {}),
            **params,
        }
        base_url = str(self.config.settings.get("base_url", BASE_URL))
        body = self._transport.get_json(base_url, params=query)
        if not isinstance(body, dict):
            raise SourceError(f"domeggook {mode}: the answer is not an object")
        if body.get("errors"):
            text = short(body["errors"], 300) or ""
            error = AuthError if any(w in text.lower() for w in _AUTH_WORDS) else SourceError
            raise error(f"domeggook {mode} error: {text}")
        answer = body.get("domeggook")
        if not isinstance(answer, dict):
            raise SourceError(f"domeggook {mode}: no 'domeggook' object in the answer")
        return answer


def dome_price(value: Any) -> int:
    """A domeggook price: an int, a numeric text, or quantity tiers ``1+3800|20+3500``, of
    which the smallest-quantity tier is taken. Raises ``ValueError`` when it is none of these.
    """
    if isinstance(value, str) and "+" in value:
        tiers = []
        for part in value.split("|"):
            match = _TIER.match(part)
            if not match:
                raise ValueError("not a price tier list")
            tiers.append((int(match[1]), parse_won(match[2])))
        return min(tiers)[1]
    return parse_won(value)


def _record(item: Any, where: str) -> SupplierRecord | RejectedRow:
    if not isinstance(item, dict):
        return RejectedRow(where, None, short(item), "item is not an object")
    key = "" if item.get("no") is None else str(item["no"]).strip()
    if not key:
        return RejectedRow(where, "no", None, "missing item number")
    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        return RejectedRow(key, "title", short(title), "missing title")
    try:
        price = dome_price(item.get("price"))
    except ValueError as exc:
        return RejectedRow(key, "price", short(item.get("price")), f"price {exc}")
    if price <= 0:
        return RejectedRow(key, "price", short(item.get("price")), "price must be above 0")
    thumb = item.get("thumb")
    try:
        return SupplierRecord(
            source_id=key,
            name=" ".join(title.split()),
            price=price,
            raw=item,
            images=(thumb,) if isinstance(thumb, str) and thumb else (),
        )
    except RecordValueError as exc:
        return RejectedRow(key, _FIELDS.get(exc.field, exc.field), None, exc.reason)


# The item's field behind each record field, for rejections.
_FIELDS = {"source_id": "no", "name": "title", "images": "thumb"}


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
