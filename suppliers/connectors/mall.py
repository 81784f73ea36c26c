"""Kind ``mall``: crawl a shopping mall's brand listings and product pages, politely.

The crawl goes brand listing page -> product pages -> the mall's parser
(``suppliers.malls.sites``: okmall, wconcept). Settings::

    mall                    "okmall" or "wconcept"
    brands                  okmall brand names as the mall writes them ("나이키(NIKE)"), or
                            W Concept search keywords
    base_url                scheme and host of the product site (default: the mall's own). One
                            that is not the mall's (a mirror, a test server) serves the listings
                            too
    listing_base_url        where the listings are, when that is not base_url
    delay_seconds           [min, max]: pause between two requests, drawn at random
                            ([1.2, 2.5] by default)
    session_refresh_every   requests per session (30): then cookies and connection are dropped
    max_products_per_read   product pages per ``read`` call, the page size (20)
    max_products_per_brand  optional: read only the first N products of each brand (listing order)
    timeout, max_retries, backoff_seconds, max_wait_seconds   as for every HTTP kind

Credentials (optional): ``{"proxy": "http://user:password@host:port"}``, every request goes
through that proxy.

``read(cursor)`` fetches at most one listing page and ``max_products_per_read`` product pages.
The page comes first when the previous listing page has no products left to fetch. The cursor
is plain JSON: the brand, the listing page being read, the next listing page, the products
still to fetch from it (id and path) and how many the brand has given so far. Paths are kept
without the host, so a cursor survives a change of ``base_url``. A product page that does not
parse is a ``RejectedRow`` (column = the parser's field) and the crawl goes on. A product page
that is gone (404) is rejected too. A listing page that does not parse, a block (403) or a
server that keeps failing stops the read, and the engine retries the same cursor.

Politeness: one HTTP connection (httpx pool of one), a random pause within ``delay_seconds``
between requests (from the end of one answer to the start of the next request), a new session
every ``session_refresh_every`` requests, a browser's User-Agent, timeouts, 429 and 5xx retried
by the shared ``Transport`` honouring ``Retry-After``. ``capabilities.rate_limit`` is one request
per mean delay. The engine turns it into the site's resource limit, which also paces separate
instances.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from suppliers.connectors.contract import (
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
    short,
)
from suppliers.connectors.http_api import RetryPolicy, Transport
from suppliers.malls.errors import ParseError
from suppliers.malls.product import ListingItem, MallOption, MallProduct
from suppliers.malls.sites import MallSite, site_for
from yooini.http import tls_context

BROWSER_HEADERS = {
    "User-Agent": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36"
    ),
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7",
}
DEFAULT_DELAY = (1.2, 2.5)  # seconds between pages: a polite pace for a shop, not a crawl
DEFAULT_REFRESH_EVERY = 30
DEFAULT_PER_READ = 20


class MallConnector(BaseConnector):
    kind = "mall"
    _repr_settings = ("mall", "base_url")

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(config)
        settings = config.settings
        try:
            self._site: MallSite = site_for(str(settings.get("mall")))
        except KeyError as exc:
            raise ConfigError(f"mall connector: {exc.args[0]}") from None
        self._brands = _brands(settings.get("brands"))
        given_base = settings.get("base_url")
        self._base = _origin(given_base or self._site.origin, "base_url")
        listing_default = given_base or self._site.listing_origin
        self._listing_base = _origin(
            settings.get("listing_base_url") or listing_default, "listing_base_url"
        )
        self._delay = _delay(settings.get("delay_seconds", DEFAULT_DELAY))
        self._per_read = _positive(settings, "max_products_per_read", DEFAULT_PER_READ)
        self._per_brand = (
            _positive(settings, "max_products_per_brand", 0)
            if settings.get("max_products_per_brand") is not None
            else None
        )
        self._hosts = {
            urlsplit(url).netloc.lower()
            for url in (
                self._base,
                self._listing_base,
                self._site.origin,
                self._site.listing_origin,
            )
        }
        self._session = PoliteSession(
            policy=RetryPolicy.from_settings(settings),
            secrets=self._secrets,
            proxy=config.credentials.get("proxy") or None,
            delay=self._delay,
            refresh_every=_positive(settings, "session_refresh_every", DEFAULT_REFRESH_EVERY),
            sleep=sleep,
            clock=clock,
            rng=rng or random.Random(),
        )

    @property
    def capabilities(self) -> Capabilities:
        mean = sum(self._delay) / 2
        return Capabilities(
            incremental=False,
            supports_stock=True,
            page_size=self._per_read,
            rate_limit=1 / mean if mean > 0 else None,
        )

    def close(self) -> None:
        self._session.close()

    def _secrets(self) -> Iterable[str]:
        secrets = list(self.config.secrets())
        proxy = urlsplit(self.config.credentials.get("proxy") or "")
        # httpx may name the proxy by its parts; a password alone must not leak either.
        secrets += [p for p in (proxy.password, proxy.netloc.rpartition("@")[0]) if p]
        return secrets

    # --- read ------------------------------------------------------------------------------

    def _probe(self) -> None:
        self._listing(self._site.listing_path_for(self._brands[0]), self._brands[0])

    def _read(self, cursor: Cursor) -> ReadResult:
        state = self._state(cursor)
        records: list[SupplierRecord] = []
        rejected: list[RejectedRow] = []
        if not state["pending"] and state["next"] is not None:
            self._read_listing_into(state, rejected)
        for _ in range(self._per_read):
            if not state["pending"]:
                break
            product_id, path = state["pending"].pop(0)
            outcome = self._recorded(product_id, self._product(product_id, path))
            if isinstance(outcome, RejectedRow):
                rejected.append(outcome)
            else:
                records.append(outcome)
        if not state["pending"] and state["next"] is None:
            following = self._brands.index(state["brand"]) + 1
            if following == len(self._brands):
                return ReadResult(tuple(records), tuple(rejected), None, True)
            state = self._brand_start(following)
        return ReadResult(tuple(records), tuple(rejected), state, False)

    def _read_listing_into(self, state: dict[str, Any], rejected: list[RejectedRow]) -> None:
        path = state["next"]
        page = self._listing(path, state["brand"])
        pending = []
        for item in page.items:
            product_path = self._relative(item.url)
            if product_path is None:
                rejected.append(
                    RejectedRow(item.product_id, "url", short(item.url), "the link leaves the mall")
                )
            else:
                pending.append([item.product_id, product_path])
        following = self._relative(page.next_page_url) if page.next_page_url else None
        if page.next_page_url and following is None:
            raise SourceError(f"{self._site.name}: the next listing page leaves the mall")
        if following == path:
            raise SourceError(f"{self._site.name}: the listing page {path} links to itself")
        if self._per_brand is not None:
            pending = pending[: max(0, self._per_brand - state["taken"])]
            if state["taken"] + len(pending) >= self._per_brand:
                following = None
        state.update(
            listing=path, next=following, pending=pending, taken=state["taken"] + len(pending)
        )

    def _listing(self, path: str, brand: str):
        url = self._listing_base + path
        response = self._session.get(url)
        try:
            return self._site.parse_listing(response.text, url)
        except ParseError as exc:
            # A listing we cannot read is not "no products": stop rather than end the brand.
            raise SourceError(
                f"{self._site.name}: cannot read the listing of {brand!r} ({exc.field}): "
                f"{exc.reason}"
            ) from None

    def _product(self, product_id: str, path: str) -> MallProduct | RejectedRow:
        url = self._base + path
        try:
            response = self._session.get(url)
        except SourceError as exc:  # 404/410: the product went away after the listing
            return RejectedRow(product_id, None, short(path), str(exc))
        try:
            product = self._site.parse_product(response.text, url)
        except ParseError as exc:
            return RejectedRow(
                product_id, exc.field, short(path), f"cannot read {exc.field}: {exc.reason}"
            )
        if product.product_id != product_id:
            return RejectedRow(
                product_id,
                "product_id",
                product.product_id,
                f"the page is product {product.product_id}, not {product_id}",
            )
        return product

    # --- the quick scan (price and stock of known products) -------------------------------

    def listing_items(self) -> Iterator[ListingItem]:
        """Every product card of every configured brand, following the next-page links.

        One request per listing page and none per product: what a partial run compares with
        the stored products to find the few whose page must be read again. A listing that does
        not parse raises ``SourceError`` like ``read`` does.
        """
        for brand in self._brands:
            path: str | None = self._site.listing_path_for(brand)
            seen: set[str] = set()
            while path is not None:
                if path in seen:
                    raise SourceError(f"{self._site.name}: the listing of {brand!r} loops")
                seen.add(path)
                page = self._guarded(lambda p=path, b=brand: self._listing(p, b))
                yield from page.items
                path = self._relative(page.next_page_url) if page.next_page_url else None

    def product_record(self, product_id: str) -> SupplierRecord | RejectedRow:
        """One product page read again, as ``read`` would give it (a page that is gone or does
        not parse is a ``RejectedRow``)."""
        path = self._site.product_path_for(product_id)
        return self._recorded(product_id, self._guarded(lambda: self._product(product_id, path)))

    @staticmethod
    def _recorded(
        product_id: str, product: MallProduct | RejectedRow
    ) -> SupplierRecord | RejectedRow:
        """The page as a record, or why its values break the record's bounds."""
        if isinstance(product, RejectedRow):
            return product
        try:
            return record_from_product(product)
        except RecordValueError as exc:
            return RejectedRow(product_id, exc.field, None, exc.reason)

    # --- stock -----------------------------------------------------------------------------

    def _read_stock(self, keys: list[str]) -> dict[str, StockInfo]:
        """One product page per key, availability by the parser's sold-out rules. Keys that
        cannot be one of the mall's ids, pages that are gone or do not parse are left out."""
        found: dict[str, StockInfo] = {}
        for key in dict.fromkeys(str(k) for k in keys):
            if not self._site.is_product_id(key):
                continue
            product = self._product(key, self._site.product_path_for(key))
            if isinstance(product, MallProduct):
                found[key] = StockInfo(
                    available=not product.sold_out,
                    quantity=product_stock(product),
                    price=product.price,
                )
        return found

    # --- the cursor ------------------------------------------------------------------------

    def _brand_start(self, index: int) -> dict[str, Any]:
        brand = self._brands[index]
        path = self._site.listing_path_for(brand)
        return {"brand": brand, "listing": None, "next": path, "pending": [], "taken": 0}

    def _state(self, cursor: Cursor) -> dict[str, Any]:
        """A copy of the cursor (never the engine's own dict), checked against the settings."""
        if cursor is None:
            return self._brand_start(0)
        try:
            state = {
                "brand": str(cursor["brand"]),
                "listing": cursor.get("listing"),
                "next": cursor.get("next"),
                "pending": [[str(i), str(p)] for i, p in cursor.get("pending") or ()],
                "taken": int(cursor.get("taken") or 0),
            }
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ConfigError(f"mall connector: not a cursor it gave: {short(cursor)}") from None
        if state["brand"] not in self._brands:
            raise ConfigError(
                f"mall connector: the cursor is for brand {state['brand']!r}, which the "
                "settings no longer list; start the read again"
            )
        return state

    def _relative(self, url: str) -> str | None:
        """Path and query of a link on this mall (any of its hosts), None for another site."""
        parts = urlsplit(url)
        if parts.netloc and parts.netloc.lower() not in self._hosts:
            return None
        return urlunsplit(("", "", parts.path or "/", parts.query, ""))


class PoliteSession:
    """Fetches pages from one site the way a patient visitor would.

    At most one request at a time (a lock, and an httpx pool of one connection), a random pause
    within ``delay`` between the end of one answer and the next request, and every
    ``refresh_every`` requests a new client: new connection, no cookies. The first request of an
    instance does not wait; pacing across instances is the engine's resource limit.
    """

    def __init__(
        self,
        *,
        policy: RetryPolicy,
        secrets: Callable[[], Iterable[str]],
        proxy: str | None,
        delay: tuple[float, float],
        refresh_every: int,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        rng: random.Random,
    ) -> None:
        self._policy = policy
        self._secrets = secrets
        self._proxy = proxy
        self._delay = delay
        self._refresh_every = refresh_every
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self._lock = threading.Lock()
        self._transport: _OneConnectionTransport | None = None
        self._used = 0
        self._last_answer: float | None = None

    def get(self, url: str) -> httpx.Response:
        with self._lock:
            if self._transport is None or self._used >= self._refresh_every:
                self._renew()
            if self._last_answer is not None:
                wait = self._last_answer + self._rng.uniform(*self._delay) - self._clock()
                if wait > 0:
                    self._sleep(wait)
            try:
                return self._transport.request("GET", url)
            finally:
                self._used += 1
                self._last_answer = self._clock()

    def close(self) -> None:
        with self._lock:
            if self._transport is not None:
                self._transport.close()
                self._transport = None

    def _renew(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self._transport = _OneConnectionTransport(
            policy=self._policy,
            secrets=self._secrets,
            headers=BROWSER_HEADERS,
            sleep=self._sleep,
            proxy=self._proxy,
        )
        self._used = 0


class _OneConnectionTransport(Transport):
    """The shared ``Transport`` (retries, ``Retry-After``, safe messages) on a client with a
    pool of one connection and an optional proxy; ``Transport`` takes neither yet."""

    def __init__(self, *, proxy: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        headers = self._client.headers
        self._client.close()
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.policy.timeout_seconds),
            follow_redirects=True,
            headers=headers,
            verify=tls_context(),
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            proxy=proxy,
        )


# --- records -------------------------------------------------------------------------------


def record_from_product(product: MallProduct) -> SupplierRecord:
    """A parsed product page as a record. ``raw`` is the whole ``MallProduct`` as JSON (brand,
    model number, list price, per-option sold-out flags, extras, ``sold_out``)."""
    return SupplierRecord(
        source_id=product.product_id,
        name=product.name,
        price=product.price,
        raw=json.loads(json.dumps(asdict(product), ensure_ascii=False)),
        stock=product_stock(product),
        options=tuple(_option(option) for option in product.options),
        images=product.image_urls,
        category=product.category,
    )


def product_stock(product: MallProduct) -> int | None:
    """0 when sold out, the sum of the option counts when every option has one, else None."""
    if product.sold_out:
        return 0
    counts = [option.stock for option in product.options]
    if counts and all(count is not None for count in counts):
        return sum(counts)
    return None


def _option(option: MallOption) -> SupplierOption:
    attributes = tuple((n, v) for n, v in (("색상", option.color), ("사이즈", option.size)) if v)
    return SupplierOption(
        name=" / ".join(value for _, value in attributes) or option.option_code or "-",
        key=option.option_code,
        price=option.price,
        stock=option.stock,
        attributes=attributes,
    )


# --- settings ------------------------------------------------------------------------------


def _brands(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigError("mall connector needs setting: brands (a list of names)")
    brands = tuple(dict.fromkeys(str(b).strip() for b in value if str(b).strip()))
    if not brands:
        raise ConfigError("mall connector needs at least one brand")
    return brands


def _origin(value: Any, name: str) -> str:
    # Scheme and host only: the paths come from the mall's own links, which start at the root.
    parts = urlsplit(str(value or ""))
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ConfigError(f"mall connector: {name} must be http(s)://host[:port], not {value!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _delay(value: Any) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ConfigError("mall connector: delay_seconds must be [min, max] seconds") from None
    if not 0 <= low <= high:
        raise ConfigError("mall connector: delay_seconds needs 0 <= min <= max")
    return low, high


def _positive(settings: Mapping[str, Any], name: str, default: int) -> int:
    value = settings.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"mall connector: {name} must be a whole number of 1 or more")
    return value
