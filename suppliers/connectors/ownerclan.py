"""Kind ``ownerclan``: the ownerclan (오너클랜) seller GraphQL API.

Contract, from public client code (ownerclan's own manual is behind a seller login, so this is
UNVERIFIED against it):

- Login: ``POST https://auth.ownerclan.com/auth`` with JSON ``{"service": "ownerclan",
  "userType": "seller", "username", "password"}``; the answer is the JWT as plain text (not
  JSON), valid about a month. GraphQL calls send ``Authorization: Bearer <jwt>``.
- ``POST https://api.ownerclan.com/v1/graphql``: ``allItems(first, after)`` pages with
  ``pageInfo { hasNextPage endCursor }`` and ``edges { node { ... } }``; ``items(keys)`` reads
  given items; ``itemHistories(first, after, dateFrom, kind: OUT_OF_STOCK)`` lists stock-out
  events (``dateFrom`` in epoch seconds).
- Orders (``suppliers.connectors.purchasing``; shapes UNVERIFIED like the rest):
  ``createOrder(input: {products: [{itemKey, optionKey, quantity}], recipient: {name,
  phoneNumber, address, postalCode}, note})`` answers the order ``{key status note}``; a refusal
  is a GraphQL error whose ``extensions.code`` says why (``OUT_OF_STOCK``, ``INVALID_OPTION``,
  ``INVALID_INPUT``). ``allOrders(first, after, dateFrom)`` pages the seller's orders,
  ``order(key)`` reads one with its ``shippingCompany`` and ``trackingNumber``,
  ``cancelOrder(key)`` cancels one not yet shipped. ``createOrder`` is sent once, never retried
  by the transport: a timeout leaves the outcome unknown, and the order is looked up by its
  note instead.

Settings: ``auth_url``, ``graphql_url`` (both default to production; tests point them at
127.0.0.1), ``page_size`` (100), ``stock_lookback_seconds`` (86400), ``user_type`` ("seller"),
plus the retry settings of ``http_api.RetryPolicy``. Credentials: ``username``, ``password``.

The JWT is cached on the instance (a login cache, never read progress, and never put in a
cursor, which the engine stores). A 401 with a cached token logs in again once.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
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
    SupplierOption,
    SupplierRecord,
    parse_count,
    parse_won,
    short,
)
from suppliers.connectors.http_api import RetryPolicy, Transport
from suppliers.connectors.purchasing import PurchaseOrder, PurchaseRefused, SupplierOrder

AUTH_URL = "https://auth.ownerclan.com/auth"
GRAPHQL_URL = "https://api.ownerclan.com/v1/graphql"

_ITEM_FIELDS = """
    key name model production origin price fixedPrice status updatedAt
    category { key name }
    options { key price quantity optionAttributes { name value } }
    images(size: large)
"""
ALL_ITEMS = """query AllItems($first: Int!, $after: String) {
  allItems(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ITEM_FIELDS } }
  }
}""".replace("ITEM_FIELDS", _ITEM_FIELDS)
ITEMS_STOCK = """query ItemsStock($keys: [ID!]!) {
  items(keys: $keys) { key status updatedAt options { key quantity } }
}"""
OUT_OF_STOCK = """query OutOfStock($first: Int!, $after: String, $dateFrom: Int) {
  itemHistories(first: $first, after: $after, dateFrom: $dateFrom, kind: OUT_OF_STOCK) {
    pageInfo { hasNextPage endCursor }
    edges { node { itemKey kind createdAt } }
  }
}"""
_MAX_HISTORY_PAGES = 100
_ORDER_FIELDS = "key status note shippingCompany trackingNumber"
CREATE_ORDER = """mutation CreateOrder($input: OrderInput!) {
  createOrder(input: $input) { ORDER_FIELDS }
}""".replace("ORDER_FIELDS", _ORDER_FIELDS)
ALL_ORDERS = """query AllOrders($first: Int!, $after: String, $dateFrom: Int) {
  allOrders(first: $first, after: $after, dateFrom: $dateFrom) {
    pageInfo { hasNextPage endCursor }
    edges { node { ORDER_FIELDS } }
  }
}""".replace("ORDER_FIELDS", _ORDER_FIELDS)
ORDER = """query Order($key: ID!) { order(key: $key) { ORDER_FIELDS } }""".replace(
    "ORDER_FIELDS", _ORDER_FIELDS
)
CANCEL_ORDER = """mutation CancelOrder($key: ID!) {
  cancelOrder(key: $key) { ORDER_FIELDS }
}""".replace("ORDER_FIELDS", _ORDER_FIELDS)
REFUSALS = frozenset({"OUT_OF_STOCK", "INVALID_OPTION", "INVALID_INPUT", "NOT_CANCELLABLE"})
# Statuses of an ownerclan order that can still be cancelled (UNVERIFIED names).
CANCELLABLE = frozenset({"PAID", "PREPARING"})
_MAX_ORDER_PAGES = 50


class OwnerclanConnector(BaseConnector):
    kind = "ownerclan"
    _repr_settings = ("graphql_url",)

    def __init__(self, config: ConnectorConfig) -> None:
        super().__init__(config)
        missing = [k for k in ("username", "password") if not config.credentials.get(k)]
        if missing:
            raise ConfigError(f"ownerclan connector needs credential(s): {', '.join(missing)}")
        settings = config.settings
        self._auth_url = str(settings.get("auth_url", AUTH_URL))
        self._graphql_url = str(settings.get("graphql_url", GRAPHQL_URL))
        self._page_size = int(settings.get("page_size", 100))
        self._transport = Transport(
            policy=RetryPolicy.from_settings(settings),
            secrets=self._secrets,
            rate_limit=settings.get("rate_limit"),
        )
        # Orders go out once: a retried createOrder after a timeout could buy twice.
        self._once = Transport(
            policy=RetryPolicy(
                timeout_seconds=self._transport.policy.timeout_seconds, max_retries=0
            ),
            secrets=self._secrets,
        )
        self._token: str | None = None

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            incremental=False,
            supports_stock=True,
            page_size=self._page_size,
            rate_limit=self.config.settings.get("rate_limit"),
        )

    def close(self) -> None:
        self._transport.close()
        self._once.close()

    def _secrets(self):
        return (*self.config.secrets(), *((self._token,) if self._token else ()))

    # --- contract ------------------------------------------------------------------------

    def _probe(self) -> None:
        self._graphql(ALL_ITEMS, {"first": 1, "after": None})

    def _read(self, cursor: Cursor) -> ReadResult:
        after = (cursor or {}).get("after")
        data = self._graphql(ALL_ITEMS, {"first": self._page_size, "after": after})
        connection = data.get("allItems") if isinstance(data, dict) else None
        if not isinstance(connection, dict) or not isinstance(connection.get("edges"), list):
            raise SourceError("ownerclan: allItems answer has no edges")
        records, rejected = [], []
        for index, edge in enumerate(connection["edges"], start=1):
            node = edge.get("node") if isinstance(edge, dict) else None
            outcome = _record(node, f"after {after or 'start'} item {index}")
            (records if isinstance(outcome, SupplierRecord) else rejected).append(outcome)
        info = connection.get("pageInfo") or {}
        end = info.get("endCursor")
        if not info.get("hasNextPage") or not end:
            return ReadResult(tuple(records), tuple(rejected), None, True)
        if end == after:
            raise SourceError("ownerclan: allItems returned the same endCursor twice")
        return ReadResult(tuple(records), tuple(rejected), {"after": end}, False)

    def _read_stock(self, keys: list[str]) -> dict[str, StockInfo]:
        """Live option quantities from ``items(keys)``; keys it no longer returns (deleted or
        hidden items) are reported sold out when ``itemHistories(kind: OUT_OF_STOCK)`` has an
        event for them in the lookback window. Keys in neither are left out: unknown.
        """
        events = self._stock_out_events()
        found: dict[str, StockInfo] = {}
        for start in range(0, len(keys), self._page_size):
            batch = keys[start : start + self._page_size]
            data = self._graphql(ITEMS_STOCK, {"keys": batch})
            for node in (data or {}).get("items") or ():
                if not isinstance(node, dict) or node.get("key") not in batch:
                    continue
                quantity = _quantity(node.get("options"))
                # Ownerclan status values are UNVERIFIED beyond "available"; anything else is
                # treated as not sellable, because overselling costs more than a late relist.
                status = str(node.get("status") or "available").lower()
                available = status == "available" and quantity != 0
                found[node["key"]] = StockInfo(
                    available=available,
                    quantity=quantity,
                    changed_at=None if available else events.get(node["key"]),
                )
        for key in keys:
            if key not in found and key in events:
                found[key] = StockInfo(available=False, quantity=0, changed_at=events[key])
        return found

    # --- orders (suppliers.connectors.purchasing) --------------------------------------------

    def order_create(self, order: PurchaseOrder) -> SupplierOrder:
        product = {"itemKey": order.item_key, "quantity": order.quantity}
        if order.option_key:
            product["optionKey"] = order.option_key
        recipient = order.recipient
        variables = {
            "input": {
                "products": [product],
                "recipient": {
                    "name": recipient.name,
                    "phoneNumber": recipient.phone,
                    "address": recipient.address,
                    "postalCode": recipient.zip_code,
                },
                "note": order.request_key,
            }
        }
        data = self._graphql(CREATE_ORDER, variables, once=True)
        return _supplier_order((data or {}).get("createOrder"))

    def order_find(self, request_key: str, *, since: int) -> SupplierOrder | None:
        after = None
        for _ in range(_MAX_ORDER_PAGES):
            data = self._graphql(
                ALL_ORDERS, {"first": self._page_size, "after": after, "dateFrom": since}
            )
            connection = (data or {}).get("allOrders") or {}
            for edge in connection.get("edges") or ():
                node = (edge or {}).get("node") or {}
                if node.get("note") == request_key:
                    return _supplier_order(node)
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage") or info.get("endCursor") in (None, after):
                return None
            after = info["endCursor"]
        raise SourceError(f"ownerclan: more than {_MAX_ORDER_PAGES} pages of orders to search")

    def order_get(self, key: str) -> SupplierOrder | None:
        node = (self._graphql(ORDER, {"key": key}) or {}).get("order")
        return _supplier_order(node) if node else None

    def order_cancel(self, key: str) -> SupplierOrder:
        data = self._graphql(CANCEL_ORDER, {"key": key}, once=True)
        return _supplier_order((data or {}).get("cancelOrder"))

    # --- transport -----------------------------------------------------------------------

    def _stock_out_events(self) -> dict[str, str | None]:
        """item key -> time of its latest OUT_OF_STOCK event within the lookback window."""
        lookback = int(self.config.settings.get("stock_lookback_seconds", 86400))
        since = int(time.time()) - lookback
        events: dict[str, str | None] = {}
        after = None
        for _ in range(_MAX_HISTORY_PAGES):
            data = self._graphql(
                OUT_OF_STOCK, {"first": self._page_size, "after": after, "dateFrom": since}
            )
            connection = (data or {}).get("itemHistories") or {}
            for edge in connection.get("edges") or ():
                node = (edge or {}).get("node") or {}
                if node.get("itemKey"):
                    key, at = str(node["itemKey"]), _iso(node.get("createdAt"))
                    events[key] = max(filter(None, (events.get(key), at)), default=None)
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage") or info.get("endCursor") in (None, after):
                break
            after = info["endCursor"]
        return events

    def _graphql(self, query: str, variables: dict[str, Any], *, once: bool = False) -> Any:
        fresh = self._token is None
        try:
            body = self._post(query, variables, once=once)
        except AuthError:
            if fresh:
                raise
            self._token = None  # expired or revoked (refused, so not done): log in again, once
            body = self._post(query, variables, once=once)
        if not isinstance(body, dict):
            raise SourceError("ownerclan: GraphQL answer is not an object")
        codes = {
            str((e.get("extensions") or {}).get("code") or "")
            for e in body.get("errors") or ()
            if isinstance(e, dict)
        }
        if codes & REFUSALS:
            messages = "; ".join(str(e.get("message", e)) for e in body["errors"])
            raise PurchaseRefused(f"ownerclan refused: {short(messages, 300)}")
        if body.get("errors"):
            messages = "; ".join(
                str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in body["errors"]
            )
            raise SourceError(f"ownerclan GraphQL error: {short(messages, 300)}")
        return body.get("data")

    def _post(self, query: str, variables: dict[str, Any], *, once: bool = False) -> Any:
        headers = {"Authorization": f"Bearer {self._login()}"}
        transport = self._once if once else self._transport
        return transport.post_json(
            self._graphql_url, json={"query": query, "variables": variables}, headers=headers
        )

    def _login(self) -> str:
        if self._token:
            return self._token
        payload = {
            "service": "ownerclan",
            "userType": self.config.settings.get("user_type", "seller"),
            "username": self.config.credentials["username"],
            "password": self.config.credentials["password"],
        }
        try:
            response = self._transport.request("POST", self._auth_url, json=payload)
        except SourceError as exc:  # a 400/404 from the login endpoint is a refused login
            raise AuthError(f"ownerclan login refused: {exc}") from None
        token = response.text.strip()
        if token.startswith("{"):  # some deployments wrap it: {"token": "..."}
            try:
                token = str(response.json().get("token") or "")
            except ValueError:
                token = ""
        if token.count(".") != 2:
            raise AuthError("ownerclan login answered without a JWT")
        self._token = token
        return token


def _record(node: Any, where: str) -> SupplierRecord | RejectedRow:
    if not isinstance(node, dict):
        return RejectedRow(where, None, short(node), "edge without an item node")
    key = str(node.get("key") or "").strip()
    if not key:
        return RejectedRow(where, "key", None, "missing item key")
    name = node.get("name")
    if not isinstance(name, str) or not name.strip():
        return RejectedRow(key, "name", short(name), "missing name")
    try:
        price = parse_won(node.get("price"))
    except ValueError as exc:
        return RejectedRow(key, "price", short(node.get("price")), f"price {exc}")
    if price <= 0:
        return RejectedRow(key, "price", short(node.get("price")), "price must be above 0")
    category = node.get("category") if isinstance(node.get("category"), dict) else {}
    try:
        return SupplierRecord(
            source_id=key,
            name=name.strip(),
            price=price,
            raw=node,
            stock=_quantity(node.get("options")),
            options=tuple(_option(o) for o in node.get("options") or () if isinstance(o, dict)),
            images=tuple(i for i in node.get("images") or () if isinstance(i, str) and i),
            category=(str(category["name"]),) if category.get("name") else (),
            updated_at=_iso(node.get("updatedAt")),
        )
    except RecordValueError as exc:
        column = {"source_id": "key", "stock": "options"}.get(exc.field, exc.field)
        return RejectedRow(key, column, None, exc.reason)


def _supplier_order(node: Any) -> SupplierOrder:
    if not isinstance(node, dict) or not node.get("key"):
        raise SourceError("ownerclan: the order answer has no key")
    status = str(node.get("status") or "")
    return SupplierOrder(
        key=str(node["key"]),
        status=status,
        note=str(node.get("note") or ""),
        tracking_company=str(node.get("shippingCompany") or ""),
        tracking_number=str(node.get("trackingNumber") or ""),
        cancellable=status in CANCELLABLE,
    )


def _option(option: dict) -> SupplierOption:
    attributes = tuple(
        (str(a.get("name", "")), str(a.get("value", "")))
        for a in option.get("optionAttributes") or ()
        if isinstance(a, dict)
    )
    try:
        price = parse_won(option.get("price")) if option.get("price") is not None else None
    except ValueError:
        price = None
    try:
        stock = parse_count(option.get("quantity"))
    except ValueError:
        stock = None
    return SupplierOption(
        name=" / ".join(value for _, value in attributes) or str(option.get("key") or ""),
        key=None if option.get("key") is None else str(option["key"]),
        price=price,
        stock=stock,
        attributes=attributes,
    )


def _quantity(options: Any) -> int | None:
    """The item's stock: the sum of its options' quantities; None when no option has one."""
    counts = []
    for option in options or ():
        try:
            count = parse_count(option.get("quantity")) if isinstance(option, dict) else None
        except ValueError:
            count = None
        if count is not None:
            counts.append(count)
    return sum(counts) if counts else None


def _iso(value: Any) -> str | None:
    """ownerclan timestamps as ISO 8601: epoch seconds or milliseconds, or ISO text as is."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, UTC).isoformat()
    return str(value)
