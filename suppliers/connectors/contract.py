"""The supplier connector contract: what every connector promises, and the registry that finds one.

A connector reads one supplier's products. The contract is small on purpose (after Airbyte's
spec/check/read and dlt's destination capabilities):

- ``check() -> CheckResult``: can we reach the supplier with these credentials? Never raises for
  an expected failure (bad password, host down); it says so in the result.
- ``read(cursor) -> ReadResult``: one page of records. ``read(None)`` starts a read; a result that
  is not ``done`` carries the ``next_cursor`` to continue with. The engine stores that cursor (a
  small JSON value, ``ctx.save_checkpoint``) and passes it back, in this process or another one:
  a connector never keeps read progress itself, so a fresh instance resumes from any cursor.
- ``read_stock(keys) -> dict[key, StockInfo]``, when ``capabilities.supports_stock``.
- ``capabilities``: what the engine may rely on (incremental reads, stock, page size, the
  supplier's rate limit). The engine branches on these, never on a connector's kind.

Connectors are built from one frozen ``ConnectorConfig`` by ``connector_for(kind, settings,
credentials)``. Built-in kinds are listed in ``_BUILTINS``; third-party packages add kinds through
the ``yooini.suppliers`` entry-point group. No Django import here or in any connector.
"""

from __future__ import annotations

import importlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Any, ClassVar, Protocol, runtime_checkable
from urllib.parse import quote, quote_plus

from suppliers.bounds import (
    CATEGORY_DEPTH_MAX,
    IMAGES_MAX,
    JSON_DEPTH_MAX,
    NAME_MAX_CHARS,
    OPTIONS_MAX,
    PRICE_MAX_WON,
    STOCK_MAX,
    URL_MAX_CHARS,
    deeper_than,
    price_problem,
    safe_text,
    stock_problem,
    text_problem,
)

ENTRY_POINT_GROUP = "yooini.suppliers"

# A cursor is whatever JSON the connector returned as ``next_cursor``; the engine does not look
# inside it. Only JSON types, because it is stored as the stage's checkpoint.
Cursor = dict[str, Any] | None


# --- errors --------------------------------------------------------------------------------


class ConnectorError(Exception):
    """A connector could not do what was asked. ``retryable`` tells the engine whether trying
    again later can help; messages never contain a credential (connectors redact them).
    """

    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message


class ConfigError(ConnectorError):
    """The settings are wrong (unknown kind, missing or invalid setting): fix the configuration."""


class AuthError(ConnectorError):
    """The supplier refused the credentials."""


class SourceError(ConnectorError):
    """The supplier answered, but with something unusable (a file that is not a feed, a response
    without the configured items path, an API error). Retrying the same request will not help.
    """


class TransientError(ConnectorError):
    """Network failure, timeout, rate limit or server error that outlived the bounded retries.
    ``retry_after`` is the supplier's own hint in seconds when it gave one.
    """

    retryable: ClassVar[bool] = True


class Unsupported(ConnectorError):
    """The connector does not offer this operation (see its ``capabilities``)."""


class RecordValueError(ValueError):
    """A value of a record or option outside what the contract accepts; ``field`` names it
    (``price``, ``options``, ...) so a connector can report the column at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _check_text(field: str, value: Any, what: str, limit: int | None = None) -> None:
    if not isinstance(value, str):
        raise RecordValueError(field, f"{what} must be text, not {type(value).__name__}")
    problem = text_problem(value, what, limit) if limit else text_problem(value, what)
    if problem:
        raise RecordValueError(field, problem)


def _check_number(field: str, value: Any, problem_of: Callable[..., str | None], what: str):
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordValueError(field, f"{what} must be a whole number, not {short(value)}")
    problem = problem_of(value, what)
    if problem:
        raise RecordValueError(field, problem)


# --- the data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectorConfig:
    """Everything a connector is built from: the one input of every connector factory.

    ``settings`` are plain, non-secret JSON (URLs, column mappings, page sizes) and are shown in
    reprs; ``credentials`` (tokens, passwords, API keys) are never shown: they are left out of
    ``repr`` and every error message. Both are read-only copies.
    """

    kind: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    credentials: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings or {})))
        object.__setattr__(self, "credentials", MappingProxyType(dict(self.credentials or {})))

    def secrets(self) -> tuple[str, ...]:
        """The credential values to keep out of messages (short values would garble text)."""
        return tuple(str(v) for v in self.credentials.values() if v and len(str(v)) >= 4)


@dataclass(frozen=True)
class Capabilities:
    """What a connector offers; the engine reads these instead of a connector's kind.

    ``incremental``: a finished read returns a cursor that makes the next read return only what
    changed since. ``supports_stock``: ``read_stock`` works. ``page_size``: records per ``read``
    call at most. ``rate_limit``: the supplier's documented or safe request rate (requests per
    second), a hint for the engine's resource limits; ``None`` when there is no known limit.
    """

    incremental: bool
    supports_stock: bool
    page_size: int
    rate_limit: float | None = None


@dataclass(frozen=True)
class CheckResult:
    """The outcome of ``check()``: ``ok`` or a human message saying why not.

    ``retryable`` is True when the failure may pass by itself (network, rate limit, 5xx).
    """

    ok: bool
    message: str = ""
    retryable: bool = False


@dataclass(frozen=True)
class SupplierOption:
    """One purchasable variant. ``price`` is the option's own price when the supplier gives one,
    ``stock`` its count (``0`` sold out, ``None`` unknown); ``attributes`` are (name, value)
    pairs such as ("색상", "블랙").
    """

    name: str
    key: str | None = None
    price: int | None = None
    stock: int | None = None
    attributes: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        _check_text("options", self.name, "option name")
        if self.price is not None:
            _check_number("options", self.price, price_problem, "option price")
        if self.stock is not None:
            _check_number("options", self.stock, stock_problem, "option stock")


@dataclass(frozen=True)
class SupplierRecord:
    """One supplier product, normalized, with the supplier's own data beside it.

    Invariants (checked here, so no connector can break them; a breach raises
    ``RecordValueError`` naming the field): ``source_id`` and ``name`` are non-empty text
    without broken characters, ``price`` is a whole number of KRW within
    ``suppliers.bounds`` (1 to 1,000,000,000), ``stock`` is ``None`` when unknown, ``0`` when
    sold out, at most 1,000,000; names, options, images and the category path stay within
    their bounds. ``category`` is the supplier's path, outermost first. ``raw`` is the source
    row or item as JSON-safe values, for whatever later stages need.
    """

    source_id: str
    name: str
    price: int
    raw: Mapping[str, Any] = field(default_factory=dict)
    stock: int | None = None
    options: tuple[SupplierOption, ...] = ()
    images: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    updated_at: str | None = None

    def __post_init__(self) -> None:
        for name in ("source_id", "name"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise RecordValueError(name, f"{name} must be a non-empty string")
        _check_text("source_id", self.source_id, "source_id", 200)
        _check_text("name", self.name, "name", NAME_MAX_CHARS)
        if isinstance(self.price, bool) or not isinstance(self.price, int):
            raise RecordValueError(
                "price", f"price must be a whole number of won, not {short(self.price)}"
            )
        _check_number("price", self.price, price_problem, "price")
        if self.stock is not None:
            if isinstance(self.stock, bool) or not isinstance(self.stock, int):
                raise RecordValueError(
                    "stock", f"stock must be None or a count, not {short(self.stock)}"
                )
            _check_number("stock", self.stock, stock_problem, "stock")
        for name, values, limit in (
            ("options", self.options, OPTIONS_MAX),
            ("images", self.images, IMAGES_MAX),
            ("category", self.category, CATEGORY_DEPTH_MAX),
        ):
            if len(values) > limit:
                raise RecordValueError(
                    name, f"{name}: {len(values):,} of them, above the limit of {limit:,}"
                )
        for url in self.images:
            _check_text("images", url, "image URL", URL_MAX_CHARS)
        for part in self.category:
            _check_text("category", part, "category")
        if deeper_than(self.raw):
            raise RecordValueError("raw", f"the item nests deeper than {JSON_DEPTH_MAX} levels")

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self), ensure_ascii=False))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SupplierRecord:
        values = dict(data)
        values["options"] = tuple(
            SupplierOption(**{**o, "attributes": tuple(tuple(a) for a in o.get("attributes", ()))})
            for o in values.get("options", ())
        )
        values["images"] = tuple(values.get("images", ()))
        values["category"] = tuple(values.get("category", ()))
        return cls(**values)


@dataclass(frozen=True)
class RejectedRow:
    """A row or item that was not turned into a record, reported once, with why.

    ``row`` is the spreadsheet row number as the supplier sees it (header = 1) for feeds, or the
    item's key / position for APIs; ``column`` the column or field at fault (``None`` for the
    whole row); ``value`` the offending value as text (shortened).
    """

    row: int | str
    column: str | None
    value: str | None
    reason: str

    def __post_init__(self) -> None:
        # What a rejection quotes comes from the supplier: a broken character in it must not
        # break the log, the checkpoint or the JSON column it ends in.
        for name in ("row", "column", "value", "reason"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, safe_text(value))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ReadResult:
    """One page of a read.

    Invariants: when ``done`` is False, ``next_cursor`` is not None and continues the read.
    When ``done`` is True, ``next_cursor`` is what the engine keeps for the next run: the
    "changed since" cursor of an incremental connector, ``None`` for one that always reads
    everything. Every rejected row is reported in exactly one page.
    """

    records: tuple[SupplierRecord, ...]
    rejected: tuple[RejectedRow, ...]
    next_cursor: Cursor
    done: bool

    def __post_init__(self) -> None:
        if not self.done and self.next_cursor is None:
            raise ValueError("a read that is not done must return a next_cursor")


@dataclass(frozen=True)
class StockInfo:
    """A product's stock as the supplier reports it now. ``quantity`` is ``None`` when the
    supplier gives availability but no count; ``changed_at`` (ISO 8601) when it says when the
    stock last changed; ``price`` (whole KRW) when the same read shows the current price, so a
    stock check also catches a price change.
    """

    available: bool
    quantity: int | None = None
    changed_at: str | None = None
    price: int | None = None


# --- the protocol --------------------------------------------------------------------------


@runtime_checkable
class Connector(Protocol):
    """The contract. See the module docstring; ``testing.ConnectorContract`` checks it."""

    kind: str
    config: ConnectorConfig
    capabilities: Capabilities

    def check(self) -> CheckResult: ...

    def read(self, cursor: Cursor) -> ReadResult: ...

    def read_stock(self, keys: Sequence[str]) -> dict[str, StockInfo]: ...

    def close(self) -> None: ...


class BaseConnector:
    """Shared plumbing for the built-in connectors: the config, a safe repr, redaction of
    credentials from every error raised by ``read`` and ``read_stock``, ``check`` built on a
    cheap probe, and ``close``. Subclasses implement ``_probe``, ``_read`` (and ``_read_stock``).

    Holds no read progress: anything kept on the instance is a cache (an HTTP client, a login
    token) that a fresh instance rebuilds.
    """

    kind: str = ""
    # Settings worth showing in repr; everything else (mappings, headers) stays out of it.
    _repr_settings: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: ConnectorConfig) -> None:
        self.config = config

    @property
    def capabilities(self) -> Capabilities:
        raise NotImplementedError

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={self.config.settings[name]!r}"
            for name in self._repr_settings
            if name in self.config.settings
        )
        return self._redact(
            f"{type(self).__name__}(kind={self.kind!r}{', ' if shown else ''}{shown})"
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Release connections; the instance must not be used afterwards."""

    def check(self) -> CheckResult:
        try:
            self._guarded(self._probe)
        except ConnectorError as exc:
            return CheckResult(ok=False, message=str(exc), retryable=exc.retryable)
        return CheckResult(ok=True, message="ok")

    def read(self, cursor: Cursor) -> ReadResult:
        return self._guarded(self._read, cursor)

    def read_stock(self, keys: Sequence[str]) -> dict[str, StockInfo]:
        if not self.capabilities.supports_stock:
            raise Unsupported(f"{self.kind} connector does not report stock")
        return self._guarded(self._read_stock, list(keys))

    def _probe(self) -> None:
        raise NotImplementedError

    def _read(self, cursor: Cursor) -> ReadResult:
        raise NotImplementedError

    def _read_stock(self, keys: list[str]) -> dict[str, StockInfo]:
        raise Unsupported(f"{self.kind} connector does not report stock")

    def _secrets(self) -> Iterable[str]:
        """Values to redact; subclasses add session secrets (a login token) to these."""
        return self.config.secrets()

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets())

    def _guarded(self, fn: Callable, *args):
        try:
            return fn(*args)
        except ConnectorError as exc:
            # Scrub in place (keeps the type and retry_after) and cut the chain: a wrapped
            # httpx error would print the request URL, which may carry an API key.
            exc.message = self._redact(exc.message)
            exc.args = (exc.message,)
            exc.__cause__ = None
            exc.__suppress_context__ = True
            raise exc from None


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (also URL-encoded, as it appears in a query string) masked."""
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, "***")
    return text


# --- normalization every connector shares --------------------------------------------------

# "12,000원", "₩12,000", "12000", "12,000.0", "KRW 12000": digits with optional thousands
# commas, an optional zero fraction (spreadsheets write 12000.0) and a currency mark.
_WON = re.compile(
    r"^(?P<sign>-)?\s*(?:₩|￦|KRW)?\s*(?P<n>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?\s*(?:원|KRW)?$",
    re.IGNORECASE,
)


def parse_won(value: Any) -> int:
    """A price as a whole number of KRW; raises ``ValueError`` saying why it is not one.

    Accepts ints, integral floats and texts like "12,000원"; refuses text that is not an amount
    ("문의", "12000~15000"), fractions of a won, negative amounts and amounts above
    ``suppliers.bounds.PRICE_MAX_WON``. Zero is returned as 0: the caller decides whether 0 is
    allowed (a price is not, a stock count is).
    """
    amount = _whole_number(value, "won")
    if amount > PRICE_MAX_WON:
        raise ValueError(f"is above the limit of {PRICE_MAX_WON:,} won")
    return amount


# Stock cells in Korean feeds often say 품절 (sold out) instead of 0.
_SOLD_OUT_WORDS = frozenset({"품절", "일시품절", "sold out", "soldout"})


def parse_count(value: Any) -> int | None:
    """A stock count: ``None`` when blank (unknown), 0 for "품절"; raises ``ValueError`` else
    (also above ``suppliers.bounds.STOCK_MAX``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in _SOLD_OUT_WORDS:
            return 0
        value = re.sub(r"\s*(개|ea|EA|pcs)$", "", text)
    amount = _whole_number(value, "")
    if amount > STOCK_MAX:
        raise ValueError(f"is above the limit of {STOCK_MAX:,}")
    return amount


# More digits than this is above every bound: read as 10**40 instead of int() reading them,
# which refuses thousands of digits with a message about Python's own limits.
_DIGITS_MAX = 40


def _whole_number(value: Any, unit: str) -> int:
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int):
        amount = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not a number")
        if not value.is_integer():
            raise ValueError(f"not a whole number{' of ' + unit if unit else ''}")
        amount = int(value)
    elif isinstance(value, str):
        match = _WON.match(value.strip())
        if not match:
            raise ValueError("not a number")
        if match["frac"] and match["frac"].strip("0"):
            raise ValueError(f"not a whole number{' of ' + unit if unit else ''}")
        digits = match["n"].replace(",", "").lstrip("0") or "0"
        amount = int(digits) if len(digits) <= _DIGITS_MAX else 10**_DIGITS_MAX
        if match["sign"] and amount:
            raise ValueError("must not be negative")
    else:
        raise ValueError("not a number")
    if amount < 0:
        raise ValueError("must not be negative")
    return amount


def short(value: Any, limit: int = 80) -> str | None:
    """A value as text for a rejection report, shortened so one bad cell cannot flood a log."""
    if value is None:
        return None
    try:
        text = (
            value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        )
    except (ValueError, RecursionError):  # NaN is fine; a list nested 10,000 deep is not
        text = f"<{type(value).__name__}>"
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return safe_text(text)


# --- the registry --------------------------------------------------------------------------

Factory = Callable[[ConnectorConfig], Connector]

# Imported on first use, so importing the contract never imports httpx or openpyxl.
_BUILTINS: dict[str, str] = {
    "csv": "suppliers.connectors.feed:CsvFeedConnector",
    "excel": "suppliers.connectors.feed:ExcelFeedConnector",
    "http": "suppliers.connectors.http_api:HttpApiConnector",
    "ownerclan": "suppliers.connectors.ownerclan:OwnerclanConnector",
    "domeggook": "suppliers.connectors.domeggook:DomeggookConnector",
    "mall": "suppliers.connectors.mall:MallConnector",
}
_registered: dict[str, Factory] = {}


def register(kind: str, factory: Factory, *, replace: bool = False) -> None:
    """Add a kind in code (tests, plugins loaded by hand). Refuses to shadow an existing kind
    unless ``replace``."""
    if not replace and (kind in _BUILTINS or kind in _registered):
        raise ConfigError(f"connector kind {kind!r} is already registered")
    _registered[kind] = factory


def unregister(kind: str) -> None:
    _registered.pop(kind, None)


def kinds() -> tuple[str, ...]:
    """Every kind ``connector_for`` can build: built-in, registered and from entry points."""
    found = set(_BUILTINS) | set(_registered)
    found.update(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
    return tuple(sorted(found))


def connector_for(
    kind: str,
    settings: Mapping[str, Any] | None = None,
    credentials: Mapping[str, str] | None = None,
) -> Connector:
    """Build the connector of ``kind``. Lookup order: code registrations, built-ins, then the
    ``yooini.suppliers`` entry points. Raises ``ConfigError`` for an unknown kind, a factory that
    fails to load, bad settings, or a factory whose product breaks the protocol.
    """
    config = ConnectorConfig(kind=kind, settings=settings or {}, credentials=credentials or {})
    factory = _factory(kind)
    connector = factory(config)
    if not isinstance(connector, Connector):
        raise ConfigError(
            f"connector kind {kind!r} built {type(connector).__name__}, not a Connector"
        )
    return connector


def _factory(kind: str) -> Factory:
    if kind in _registered:
        return _registered[kind]
    if kind in _BUILTINS:
        module, _, name = _BUILTINS[kind].partition(":")
        return getattr(importlib.import_module(module), name)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == kind:
            try:
                return ep.load()
            except Exception as exc:  # a broken plugin must not look like an unknown kind
                raise ConfigError(
                    f"connector kind {kind!r} from entry point {ep.value!r} failed to load: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
    raise ConfigError(f"unknown connector kind {kind!r}; known kinds: {', '.join(kinds())}")
