"""The market connector contract: what every market promises, and the registry that finds one.

A market is two small pieces, found by its kind (``buyma``, ``smartstore``, ``coupang``,
``gmarket``) in one registry:

- a **connector** (one per account, no Django): it turns a market-neutral ``ListingContent``
  into the market's own request (``request_for``), checks a request against the market's
  published contract before anything is sent (``validate``: the dry run's check too), sends it
  (``send``), finds a listing by our reference number (``find``, when the market can), and
  writes the market's own bulk-upload Excel file (``export``);
- a **preparer** (Django side, loaded once per stage run): it turns the market-neutral product
  (``ProductFacts``: ``SourceData.normalized_data``) into the market's draft (its category
  code, title within its rules, required notices and attributes), and the draft, texts, price
  and images into the ``ListingContent`` the connector sends.

The publish state machine (``markets.services.publish``) is written once, against this
contract: the listing row and the request are written before each call, external ids are
recorded before (our reference number) and after (the market's ids), and a rerun updates and
never creates twice. It branches on ``capabilities``, never on a market's kind; a market's own
field names live in its own folder.

Built-in kinds are listed in ``_BUILTINS``; third-party packages add kinds through the
``yooini.markets`` entry-point group (an entry point names a ``MarketKind``).
"""

from __future__ import annotations

import enum
import hashlib
import importlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from markets.listing import (
    ListingContent,
    ListingRejected,
    MarketAuthError,
    MarketError,
    MarketUnavailable,
)

ENTRY_POINT_GROUP = "yooini.markets"

Errors = dict[str, list[str]]

__all__ = [
    "ENTRY_POINT_GROUP",
    "BaseMarketConnector",
    "CompetitorPriceUnknown",
    "CompetitorPrices",
    "FactVariant",
    "ListingRejected",
    "ListingState",
    "MarketAnswer",
    "MarketAuthError",
    "MarketCapabilities",
    "MarketConfig",
    "MarketConnector",
    "MarketError",
    "MarketKind",
    "MarketRequest",
    "MarketUnavailable",
    "Operation",
    "Prepared",
    "Preparer",
    "ProductFacts",
    "Problem",
    "UnknownMarket",
    "connector_for",
    "kinds",
    "market_kind",
    "order_connector_for",
    "redact",
    "reference_number",
    "register",
    "unregister",
]


class UnknownMarket(LookupError):
    """No market of that kind is registered (built in, registered or by entry point)."""


class Operation(enum.StrEnum):
    """What a request does to a listing. The values are the request log's ``kind``."""

    CREATE = "create"
    UPDATE = "update"
    PRICE = "price"
    STOCK = "stock"
    SUSPEND = "suspend"
    RESUME = "resume"


# --- what a market declares ----------------------------------------------------------------


@dataclass(frozen=True)
class MarketCapabilities:
    """What a market offers; the services read these instead of a market's kind.

    ``currency`` (ISO 4217) is the currency of every price sent; ``language`` the language the
    listing's texts must be in (texts in another language are translated first).
    ``asynchronous``: an accepted request is only queued; the outcome (and, for a create, the
    market's id) arrives later by webhook. ``batch_size``: listings one bulk call may carry.
    ``price_only_update`` / ``stock_only_update``: a price or stock change can be sent without
    the whole product. ``suspend_resume``: a listing can be stopped and sold again.
    ``rate_limit``: the market's documented rate, requests per second per account (the engine
    resource's rate). ``images_uploaded_first``: images go to the market's own image host
    before the product refers to them. ``price_step``: every price is a multiple of it.
    ``lookup_by_reference``: ``find(reference_number)`` works, so a create whose answer was
    lost (a crash mid-call) can be found instead of guessed at. ``update_resumes``: an update
    or a price change also puts a suspended listing on sale again (no separate resume).
    ``zero_stock``: a listing may stay up with every variant at stock 0 (shown sold out);
    a market that refuses stock 0 has a sold-out listing suspended instead, and resumed when
    stock is back.
    """

    currency: str
    language: str
    asynchronous: bool = False
    batch_size: int = 1
    price_only_update: bool = True
    stock_only_update: bool = True
    suspend_resume: bool = True
    rate_limit: float | None = None
    images_uploaded_first: bool = False
    price_step: int = 1
    lookup_by_reference: bool = False
    update_resumes: bool = False
    zero_stock: bool = True

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Z]{3}", self.currency or ""):
            raise ValueError(f"currency must be an ISO 4217 code, not {self.currency!r}")
        if not re.fullmatch(r"[a-z]{2}", self.language or ""):
            raise ValueError(f"language must be an ISO 639-1 code, not {self.language!r}")
        if self.batch_size < 1 or self.price_step < 1:
            raise ValueError("batch_size and price_step must be 1 or more")
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise ValueError("rate_limit must be None or above 0")


@dataclass(frozen=True)
class MarketConfig:
    """Everything a connector is built from: one account's settings and credentials.

    ``settings`` are plain, non-secret JSON (base URL, vendor id, return address, shipping
    fee); ``credentials`` (keys, secrets, tokens) are never shown: left out of ``repr`` and of
    every message. ``on_credentials`` receives new values (a refreshed token) to store,
    encrypted, before anything else happens. ``transport`` is an httpx transport, for tests.
    """

    kind: str
    account: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    credentials: Mapping[str, str] = field(default_factory=dict, repr=False)
    on_credentials: Callable[[dict[str, str]], None] | None = field(default=None, repr=False)
    transport: Any = field(default=None, repr=False)
    timeout: float = 15.0
    # How long a connector may wait on the market's "retry after" itself before it gives the
    # wait to the engine's retry policy (MarketUnavailable with retry_after).
    max_wait: float = 5.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings or {})))
        object.__setattr__(self, "credentials", MappingProxyType(dict(self.credentials or {})))

    def secrets(self) -> tuple[str, ...]:
        """The credential values to keep out of messages (short values would garble text)."""
        return tuple(str(v) for v in self.credentials.values() if v and len(str(v)) >= 4)


# --- what goes in and out of a connector ---------------------------------------------------


@dataclass(frozen=True)
class ListingState:
    """What we know of a listing at the market when a request is built or sent.

    ``external_id`` is the market's main id (None until known); ``external_ids`` every id the
    market gave (Coupang's vendor item ids per option, Naver's channel product number, ...);
    ``fixed`` the values sent with the create that the market does not let change.
    """

    reference_number: str
    external_id: str | None = None
    external_ids: Mapping[str, Any] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    status: str = ""


@dataclass(frozen=True)
class MarketRequest:
    """One request, as recorded in the request log before it is sent. ``body`` is the JSON sent
    (never a credential); ``fixed`` what the create fixes for good (kept on the listing)."""

    operation: Operation
    method: str
    path: str
    body: dict[str, Any]
    fixed: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MarketAnswer:
    """An accepted request. ``pending``: the market queued it and the outcome comes later
    (asynchronous markets). ``external_id`` / ``external_ids`` are the ids the answer gave (to
    merge into the listing's), ``request_uid`` the market's id of the request when it has one;
    ``summary`` a short JSON account of the answer for the request log."""

    status_code: int
    pending: bool = False
    external_id: str | None = None
    external_ids: Mapping[str, Any] = field(default_factory=dict)
    request_uid: str = ""
    summary: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class MarketConnector(Protocol):
    """One account's connection to its market. Raises only ``MarketError`` subclasses:
    ``ListingRejected`` (this body will be refused again; ``conflict`` says when the market
    already has, or does not have, the reference number), ``MarketUnavailable`` (retry later:
    429, 5xx, network, timeout), ``MarketAuthError`` (an operator must fix the credentials)."""

    kind: str
    capabilities: MarketCapabilities

    def settings_problems(self) -> list[str]: ...

    def request_for(
        self, operation: Operation, content: ListingContent, state: ListingState
    ) -> MarketRequest: ...

    def content_hash(self, content: ListingContent) -> str: ...

    def validate(self, request: MarketRequest, state: ListingState) -> Errors: ...

    def send(self, request: MarketRequest, state: ListingState) -> MarketAnswer: ...

    def find(self, reference_number: str) -> MarketAnswer | None: ...

    def export(self, contents: Sequence[ListingContent], path: Path) -> int: ...

    def close(self) -> None: ...


class BaseMarketConnector:
    """What every connector shares: the config, context management, a repr and redaction that
    never show a credential. Subclasses set ``kind`` and ``capabilities``."""

    kind: str = ""
    capabilities: MarketCapabilities

    def __init__(self, config: MarketConfig) -> None:
        self.config = config

    def __repr__(self) -> str:
        return f"<{type(self).__name__} account={self.config.account!r}>"

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Release connections (the default holds none)."""

    def settings_problems(self) -> list[str]:
        return []

    def find(self, reference_number: str) -> MarketAnswer | None:
        """``None``: the market does not have it (markets without lookup never say more)."""
        return None

    def redact(self, text: str) -> str:
        return redact(text, self.config.secrets())


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ``***``."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    return text


# --- the market-neutral product and the preparer -------------------------------------------

REFERENCE_MAX = 36
_REFERENCE_OK = re.compile(r"^[A-Za-z0-9_-]+$")
_REFERENCE_BAD = re.compile(r"[^A-Za-z0-9_-]+")


def reference_number(supplier: str, source_id: str) -> str:
    """Our reference for a supplier product on every market: ``f"{supplier}-{source_id}"``
    when it is at most 36 characters of [A-Za-z0-9_-] (a shape every market's seller code
    takes), else a deterministic short form: the cleaned prefix and 16 hex digits of its
    SHA-256, so a rerun gives the same."""
    full = f"{supplier}-{source_id}"
    if len(full) <= REFERENCE_MAX and _REFERENCE_OK.match(full):
        return full
    digest = hashlib.sha256(full.encode("utf-8")).hexdigest()[:16]
    prefix = _REFERENCE_BAD.sub("-", full)[: REFERENCE_MAX - len(digest) - 1].strip("-")
    return f"{prefix}-{digest}" if prefix else digest


@dataclass(frozen=True)
class FactVariant:
    """One buyable combination: colour and size as the supplier writes them (``""`` when the
    product has none), sold out or not, and the supplier's count when it gives one."""

    color: str
    size: str
    sold_out: bool
    stock: int | None = None


@dataclass(frozen=True)
class ProductFacts:
    """A supplier product, market-neutral (what ``SourceData.normalized_data`` holds).

    Texts are Korean, as the supplier wrote them (promotional words removed). ``category`` is
    our category key (``shoes/sneakers``; ``""`` when no rule recognized it), ``notice_group``
    the Korean product-information notice group (``wear``, ``shoes``, ``bag``,
    ``fashion_goods``, ``etc``). Money is whole KRW.
    """

    source_key: str
    reference: str
    title: str
    description: str
    brand: str
    model_number: str | None
    category: str
    category_path: tuple[str, ...]
    notice_group: str
    cost_krw: int
    list_price_krw: int | None
    colors: tuple[str, ...]
    sizes: tuple[str, ...]
    variants: tuple[FactVariant, ...]
    image_urls: tuple[str, ...]
    gender: str | None = None
    material: str | None = None
    season: str | None = None
    origin: str | None = None
    sold_out: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["category_path"] = list(self.category_path)
        data["colors"], data["sizes"] = list(self.colors), list(self.sizes)
        data["image_urls"] = list(self.image_urls)
        data["variants"] = self.variants_as_dicts()
        return data

    def variants_as_dicts(self) -> list[dict[str, Any]]:
        """The variants as JSON objects (a draft's copy of them)."""
        return [
            {"color": v.color, "size": v.size, "sold_out": v.sold_out, "stock": v.stock}
            for v in self.variants
        ]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProductFacts:
        values = dict(data)
        for name in ("category_path", "colors", "sizes", "image_urls"):
            values[name] = tuple(values.get(name) or ())
        values["variants"] = tuple(FactVariant(**v) for v in values.get("variants") or ())
        return cls(**values)


@dataclass(frozen=True)
class Problem:
    """Something in a product that a market cannot take as is: ``field`` at fault, the
    ``value`` found, ``reason`` (what to do); ``blocking`` means no draft for that market."""

    field: str
    value: str | None
    reason: str
    blocking: bool


@dataclass(frozen=True)
class Prepared:
    """A preparer's answer: the market's draft (JSON, kept per product x account; ``None`` when
    a blocking problem stops it) and every problem found."""

    draft: dict[str, Any] | None
    problems: tuple[Problem, ...] = ()


class Preparer(Protocol):
    """Turns products into one market's listings (mapping tables read once at load).

    ``prepare(facts, raw)``: the draft for this market, or the problems that stop it (``raw``
    is the supplier's record, for markets that read more than the facts).
    ``texts(draft)``: the texts to translate into the market's language (``[]`` when the draft
    is already in it), in a fixed order; ``content(...)`` receives their translations in that
    order. ``content(draft, texts, price, images, gone)``: the ``ListingContent`` to publish
    (``price`` in the market's currency, ``images`` public URLs, ``gone``: the supplier no
    longer sells it, so every variant is out of stock). ``flush()``: write what was learned.
    """

    def prepare(self, facts: ProductFacts, raw: Mapping[str, Any]) -> Prepared: ...

    def texts(self, draft: Mapping[str, Any]) -> list[str]: ...

    def content(
        self,
        draft: Mapping[str, Any],
        texts: Sequence[str],
        price: int,
        images: Sequence[str],
        *,
        gone: bool,
        settings: Mapping[str, Any],
    ) -> ListingContent: ...

    def flush(self) -> None: ...


class CompetitorPriceUnknown(Exception):
    """A competitor price could not be looked up: the product keeps its last price."""


class CompetitorPrices(Protocol):
    """The cheapest other sellers of model numbers on a market (a context manager).
    ``cheapest(model_numbers)`` -> ``{model_number: quote}``, a quote having
    ``competitor_price()`` (the price in the market's currency or None; raises when its
    look-up failed) and ``as_record()`` (JSON kept with the price decision); ``requests`` is
    how many requests the look-ups made."""

    requests: int

    def cheapest(self, model_numbers: Sequence[str]) -> Mapping[str, Any]: ...

    def __enter__(self) -> CompetitorPrices: ...

    def __exit__(self, *exc_info) -> None: ...


@dataclass(frozen=True)
class MarketKind:
    """A market as the registry knows it. ``connector`` builds one account's connector;
    ``preparer`` loads the preparer (it may read the database: call it inside a stage);
    ``competitors`` (optional) opens a competitor price look-up with an account's settings,
    for markets where we price against other sellers; ``orders`` (optional) builds one
    account's order connector (``markets.orders.OrderConnector``)."""

    kind: str
    label: str
    capabilities: MarketCapabilities
    connector: Callable[[MarketConfig], MarketConnector]
    preparer: Callable[[], Preparer]
    competitors: Callable[[Mapping[str, Any]], CompetitorPrices] | None = None
    orders: Callable[[MarketConfig], Any] | None = None


# --- the registry --------------------------------------------------------------------------

# kind -> "module:ATTRIBUTE" of its MarketKind, imported on first use.
_BUILTINS: dict[str, str] = {
    "buyma": "markets.buyma.market:MARKET",
    "smartstore": "markets.smartstore.market:MARKET",
    "coupang": "markets.coupang.market:MARKET",
    "gmarket": "markets.gmarket.market:MARKET",
}
_registered: dict[str, MarketKind] = {}


def register(market: MarketKind, *, replace: bool = False) -> None:
    """Add a market kind (tests, plugins without an entry point)."""
    if market.kind in _registered and not replace:
        raise ValueError(f"market kind {market.kind!r} is already registered")
    _registered[market.kind] = market


def unregister(kind: str) -> None:
    _registered.pop(kind, None)


def kinds() -> tuple[str, ...]:
    """Every kind: built-in, registered and from entry points, sorted."""
    found = set(_BUILTINS) | set(_registered)
    found.update(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
    return tuple(sorted(found))


def market_kind(kind: str) -> MarketKind:
    """The registered market of that kind; ``UnknownMarket`` when there is none."""
    if kind in _registered:
        return _registered[kind]
    if kind in _BUILTINS:
        module, _, attribute = _BUILTINS[kind].partition(":")
        market = getattr(importlib.import_module(module), attribute)
        _registered[kind] = market
        return market
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == kind:
            market = ep.load()
            if not isinstance(market, MarketKind):
                raise UnknownMarket(f"entry point {ep.value!r} is not a MarketKind")
            _registered[kind] = market
            return market
    raise UnknownMarket(f"no market of kind {kind!r} (known: {', '.join(kinds())})")


def connector_for(config: MarketConfig) -> MarketConnector:
    """One account's connector, built by its market kind."""
    return market_kind(config.kind).connector(config)


def order_connector_for(config: MarketConfig):
    """One account's order connector (``markets.orders.OrderConnector``); ``UnknownMarket``
    when the market takes no orders through an API here."""
    market = market_kind(config.kind)
    if market.orders is None:
        raise UnknownMarket(f"market {config.kind!r} has no order API here")
    return market.orders(config)
