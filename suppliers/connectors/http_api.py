"""Kind ``http``: a supplier's JSON REST product list, configured by settings, not code.

Also home of ``Transport``, the one way every connector here talks HTTP: httpx with timeouts,
bounded retries (``yooini.retrying``) on network errors, 429 and 5xx that honour
``Retry-After`` (RFC 9110 §10.2.3: seconds or an HTTP date), and error messages that never
show a query string or a credential.

Settings of the ``http`` kind (credentials: ``{"token": ...}``)::

    url              the list endpoint (required)
    items_path       dotted path to the item list in the response ("data.items"; "" = the body)
    fields           {target: dotted source path}; targets source_id, name, price, stock,
                     images, category, options, updated_at (defaults: same names, id for source_id)
    pagination       "page" (default), "cursor" or "none"
    page_param       "page"; first_page 1; size_param "size" (None: not sent); page_size 100
    cursor_param     "cursor"; next_cursor_path: dotted path to the next cursor (cursor mode)
    since_param      query parameter for "changed since" (makes the connector incremental)
    params           static query parameters
    auth             "bearer" (default when a token is given), "header" (auth_header: name) or "none"
    timeout, max_retries, backoff_seconds, max_wait_seconds, rate_limit (requests/second)

Incremental reads: the cursor of a finished read is ``{"since": <largest updated_at seen>}``;
the next read sends it as ``since_param``. Most APIs compare with ``>=``, so the boundary item
may come again; records are upserts by ``source_id``, so that is harmless.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

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
    SupplierOption,
    SupplierRecord,
    TransientError,
    parse_count,
    parse_won,
    redact,
    short,
)
from yooini.http import tls_context
from yooini.retry_after import parse_retry_after
from yooini.retrying import RetryableFailure, call_with_retries, exponential_backoff

USER_AGENT = "yooini-supplier-connector/0.1"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait and how often to retry. ``max_wait_seconds`` bounds one wait: a
    ``Retry-After`` longer than that is not slept through but raised as ``TransientError`` with
    ``retry_after``, so the engine reschedules the work (a row that waits, not a thread).
    """

    timeout_seconds: float = 10.0
    max_retries: int = 3
    backoff_seconds: float = 1.0
    max_wait_seconds: float = 30.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> RetryPolicy:
        try:
            return cls(
                timeout_seconds=float(settings.get("timeout", cls.timeout_seconds)),
                max_retries=int(settings.get("max_retries", cls.max_retries)),
                backoff_seconds=float(settings.get("backoff_seconds", cls.backoff_seconds)),
                max_wait_seconds=float(settings.get("max_wait_seconds", cls.max_wait_seconds)),
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"bad retry or timeout setting: {exc}") from None


class Transport:
    """An httpx client with the retry policy, optional pacing and safe error messages.

    Raises ``AuthError`` on 401/403, ``SourceError`` on other 4xx, ``TransientError`` when
    retries run out; returns the response otherwise.
    """

    def __init__(
        self,
        *,
        policy: RetryPolicy,
        secrets: Callable[[], Iterable[str]] = tuple,
        headers: Mapping[str, str] | None = None,
        rate_limit: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy
        self._secrets = secrets
        self._sleep = sleep
        # Exponential with jitter, so parallel workers that failed together do not retry
        # together; never longer than one allowed wait.
        self._backoff = exponential_backoff(
            policy.backoff_seconds, cap=policy.max_wait_seconds, jitter=True
        )
        self._interval = 1.0 / rate_limit if rate_limit else 0.0
        self._last_request = 0.0
        self._client = httpx.Client(
            timeout=httpx.Timeout(policy.timeout_seconds),
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            verify=tls_context(),
        )

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        where = f"{method} {_without_query(url)}"
        if kwargs.get("params") is not None:
            # httpx replaces the URL's own query with ``params``; a configured URL such as
            # ".../items?api_key=..." must keep it, so the two are merged (params win).
            try:
                url = str(httpx.URL(url).copy_merge_params(kwargs.pop("params")))
            except httpx.InvalidURL as exc:
                raise ConfigError(f"{where}: not a usable URL ({type(exc).__name__})") from None
        attempts = self.policy.max_retries + 1

        def attempt() -> httpx.Response:
            self._pace()
            try:
                response = self._client.request(method, url, **kwargs)
            except httpx.TimeoutException:
                raise RetryableFailure("timed out") from None
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise ConfigError(f"{where}: not a usable URL ({type(exc).__name__})") from None
            except httpx.TransportError as exc:
                raise RetryableFailure(f"connection failed ({type(exc).__name__})") from None
            except httpx.RequestError as exc:  # too many redirects, undecodable body: not transient
                raise SourceError(f"{where}: {type(exc).__name__}") from None
            status = response.status_code
            if status in (401, 403):
                raise AuthError(self._safe(f"{where}: HTTP {status} {_preview(response)}"))
            if status < 400:
                return response
            if status not in RETRY_STATUSES:
                raise SourceError(self._safe(f"{where}: HTTP {status} {_preview(response)}"))
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None and retry_after > self.policy.max_wait_seconds:
                raise TransientError(
                    f"{where}: HTTP {status}, the supplier asks to wait {retry_after:.0f} s",
                    retry_after=retry_after,
                )
            raise RetryableFailure(f"HTTP {status}", wait=retry_after)

        try:
            return call_with_retries(
                attempt, attempts=attempts, backoff=self._backoff, sleep=self._sleep
            )
        except RetryableFailure as failure:
            raise TransientError(
                f"{where}: {failure.problem} after {attempts} attempts", retry_after=failure.wait
            ) from None

    def get_json(self, url: str, **kwargs: Any) -> Any:
        return response_json(self.request("GET", url, **kwargs))

    def post_json(self, url: str, **kwargs: Any) -> Any:
        return response_json(self.request("POST", url, **kwargs))

    def _pace(self) -> None:
        if self._interval:
            wait = self._last_request + self._interval - time.monotonic()
            if wait > 0:
                self._sleep(wait)
            self._last_request = time.monotonic()

    def _safe(self, text: str) -> str:
        return redact(text, self._secrets())


def response_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        where = f"{response.request.method} {_without_query(str(response.request.url))}"
        raise SourceError(f"{where}: the answer is not JSON: {_preview(response)}") from None


def dig(data: Any, path: str | None) -> Any:
    """The value at a dotted path ("data.items", "images.0"); None when any step is missing."""
    if not path:
        return data
    for part in path.split("."):
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def later(a: Any, b: Any) -> Any:
    """The later of two ``updated_at`` values (ISO 8601 texts or epoch numbers); None-safe."""
    if a is None or b is None:
        return b if a is None else a
    return b if _instant(b) > _instant(a) else a


def _instant(value: Any) -> tuple[int, Any]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value))
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return (1, str(value))  # unparseable values sort after real instants, among themselves
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return (0, parsed.timestamp())


def _without_query(url: str) -> str:
    # Query strings carry API keys (domeggook's aid); messages show scheme, host and path only.
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def _preview(response: httpx.Response, limit: int = 200) -> str:
    text = " ".join(response.text.split())
    return text if len(text) <= limit else text[:limit] + "…"


# --- kind "http" ---------------------------------------------------------------------------

DEFAULT_FIELDS = {
    "source_id": "id",
    "name": "name",
    "price": "price",
    "stock": "stock",
    "images": "images",
    "category": "category",
    "options": "options",
    "updated_at": "updated_at",
}


class HttpApiConnector(BaseConnector):
    kind = "http"
    _repr_settings = ("url", "pagination")

    def __init__(self, config: ConnectorConfig) -> None:
        super().__init__(config)
        settings = config.settings
        if not settings.get("url"):
            raise ConfigError("http connector needs setting: url")
        self._mode = settings.get("pagination", "page")
        if self._mode not in ("page", "cursor", "none"):
            raise ConfigError(f"http pagination must be page, cursor or none, not {self._mode!r}")
        if self._mode == "cursor" and not settings.get("next_cursor_path"):
            raise ConfigError("http cursor pagination needs setting: next_cursor_path")
        self._fields = {**DEFAULT_FIELDS, **dict(settings.get("fields") or {})}
        self._page_size = int(settings.get("page_size", 100))
        self._transport = Transport(
            policy=RetryPolicy.from_settings(settings),
            secrets=self._secrets,
            headers=self._auth_headers(),
            rate_limit=settings.get("rate_limit"),
        )

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            incremental=bool(self.config.settings.get("since_param")),
            supports_stock=False,
            page_size=self._page_size,
            rate_limit=self.config.settings.get("rate_limit"),
        )

    def close(self) -> None:
        self._transport.close()

    def _auth_headers(self) -> dict[str, str]:
        token = self.config.credentials.get("token")
        auth = self.config.settings.get("auth", "bearer" if token else "none")
        if auth == "none":
            return {}
        if not token:
            raise ConfigError(f"http auth {auth!r} needs credential: token")
        if auth == "bearer":
            return {"Authorization": f"Bearer {token}"}
        if auth == "header" and self.config.settings.get("auth_header"):
            return {str(self.config.settings["auth_header"]): token}
        raise ConfigError("http auth must be bearer, none, or header with auth_header set")

    def _probe(self) -> None:
        self._items(self._fetch({}, probe=True))

    def _read(self, cursor: Cursor) -> ReadResult:
        cursor = dict(cursor or {})
        since = cursor.get("since")
        started = "page" in cursor or "after" in cursor
        page = cursor.get("page", self.config.settings.get("first_page", 1))
        body = self._fetch({"since": since, "page": page, "after": cursor.get("after")})
        items = self._items(body)
        records, rejected = self._records(items, page_label=page if self._mode == "page" else None)

        # Rejected items count too: a bad item comes back once the supplier changes it.
        newest = cursor.get("max") if started else None
        for item in items:
            if isinstance(item, Mapping):
                newest = later(newest, dig(item, self._fields["updated_at"]))
        if records and records[0].source_id == cursor.get("first_of_last_page"):
            raise SourceError(
                f"{self.kind}: the API returned the same page twice; check the pagination settings"
            )

        following = self._following(cursor, body, items, page)
        if following is None:
            done_cursor = None
            if self.capabilities.incremental:
                done_cursor = {"since": later(since, newest)} if later(since, newest) else None
            return ReadResult(tuple(records), tuple(rejected), done_cursor, True)
        following.update(since=since, max=newest)
        if records:
            following["first_of_last_page"] = records[0].source_id
        return ReadResult(tuple(records), tuple(rejected), following, False)

    def _following(self, cursor: dict, body: Any, items: list, page: int) -> dict | None:
        """The cursor of the next page, or None when this page was the last."""
        if self._mode == "none" or not items:
            return None
        if self._mode == "page":
            size_sent = self.config.settings.get("size_param", "size") is not None
            if size_sent and len(items) < self._page_size:
                return None
            return {"page": int(page) + 1}
        after = dig(body, self.config.settings["next_cursor_path"])
        if after in (None, "") or after == cursor.get("after"):
            return None
        return {"after": after}

    def _fetch(self, position: dict, *, probe: bool = False) -> Any:
        settings = self.config.settings
        params: dict[str, Any] = dict(settings.get("params") or {})
        size_param = settings.get("size_param", "size")
        if self._mode == "page":
            params[settings.get("page_param", "page")] = position.get("page") or settings.get(
                "first_page", 1
            )
            if size_param:
                params[size_param] = 1 if probe else self._page_size
        elif self._mode == "cursor":
            if position.get("after"):
                params[settings.get("cursor_param", "cursor")] = position["after"]
            if size_param:
                params[size_param] = 1 if probe else self._page_size
        if position.get("since") and settings.get("since_param"):
            params[settings["since_param"]] = position["since"]
        return self._transport.get_json(settings["url"], params=params)

    def _items(self, body: Any) -> list:
        path = self.config.settings.get("items_path", "")
        items = dig(body, path)
        if not isinstance(items, list):
            raise SourceError(f"{self.kind}: no item list at items_path {path!r} in the answer")
        return items

    def _records(
        self, items: list, *, page_label: Any
    ) -> tuple[list[SupplierRecord], list[RejectedRow]]:
        records: list[SupplierRecord] = []
        rejected: list[RejectedRow] = []
        seen: set[str] = set()
        for index, item in enumerate(items, start=1):
            where = f"page {page_label} item {index}" if page_label is not None else f"item {index}"
            if not isinstance(item, Mapping):
                rejected.append(RejectedRow(where, None, short(item), "item is not an object"))
                continue
            outcome = record_from_item(item, self._fields)
            if isinstance(outcome, RejectedRow):
                rejected.append(
                    RejectedRow(outcome.row or where, outcome.column, outcome.value, outcome.reason)
                )
            elif outcome.source_id in seen:
                rejected.append(
                    RejectedRow(
                        outcome.source_id,
                        self._fields["source_id"],
                        outcome.source_id,
                        "duplicate id on the same page; kept the first",
                    )
                )
            else:
                seen.add(outcome.source_id)
                records.append(outcome)
        return records, rejected


def record_from_item(
    item: Mapping[str, Any], fields: Mapping[str, str]
) -> SupplierRecord | RejectedRow:
    """A JSON item as a record, or the first reason it cannot be one (``row`` = its id or "")."""
    source_id = dig(item, fields["source_id"])
    source_id = "" if source_id is None or isinstance(source_id, bool) else str(source_id).strip()
    if not source_id:
        return RejectedRow("", fields["source_id"], None, "missing id")
    name = dig(item, fields["name"])
    if not isinstance(name, str) or not name.strip():
        return RejectedRow(source_id, fields["name"], short(name), "missing name")
    raw_price = dig(item, fields["price"])
    if raw_price in (None, ""):
        return RejectedRow(source_id, fields["price"], None, "missing price")
    try:
        price = parse_won(raw_price)
    except ValueError as exc:
        return RejectedRow(source_id, fields["price"], short(raw_price), f"price {exc}")
    if price <= 0:
        return RejectedRow(source_id, fields["price"], short(raw_price), "price must be above 0")
    raw_stock = dig(item, fields["stock"])
    try:
        stock = parse_count(raw_stock)
    except ValueError as exc:
        return RejectedRow(source_id, fields["stock"], short(raw_stock), f"stock {exc}")
    updated_at = dig(item, fields["updated_at"])
    try:
        return SupplierRecord(
            source_id=source_id,
            name=name.strip(),
            price=price,
            raw=dict(item),
            stock=stock,
            options=_options(dig(item, fields["options"])),
            images=_texts(dig(item, fields["images"])),
            category=_category(dig(item, fields["category"])),
            updated_at=None if updated_at is None else str(updated_at),
        )
    except RecordValueError as exc:
        return RejectedRow(source_id, fields.get(exc.field, exc.field), None, exc.reason)


def _texts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    texts = (v.get("url") if isinstance(v, Mapping) else v for v in value)
    return tuple(dict.fromkeys(t.strip() for t in texts if isinstance(t, str) and t.strip()))


def _category(value: Any) -> tuple[str, ...]:
    if isinstance(value, Mapping):
        value = value.get("name") or value.get("path")
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(">") if part.strip())
    if isinstance(value, list):
        return tuple(str(part).strip() for part in value if str(part).strip())
    return ()


def _options(value: Any) -> tuple[SupplierOption, ...]:
    if not isinstance(value, list):
        return ()
    options = []
    for option in value:
        if isinstance(option, str) and option.strip():
            options.append(SupplierOption(name=option.strip()))
        elif isinstance(option, Mapping):
            key = option.get("key", option.get("id", option.get("sku")))
            options.append(
                SupplierOption(
                    name=str(option.get("name") or key or ""),
                    key=None if key is None else str(key),
                    price=_int_or_none(option.get("price")),
                    stock=_count_or_none(option.get("stock", option.get("quantity"))),
                )
            )
    return tuple(options)


def _int_or_none(value: Any) -> int | None:
    try:
        return parse_won(value)
    except ValueError:
        return None


def _count_or_none(value: Any) -> int | None:
    try:
        return parse_count(value)
    except ValueError:
        return None
