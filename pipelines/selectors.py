"""The seller's product list: one row per supplier product with its facts and, per enabled market
account, where it stands there (the read model of the dashboard's product page and its exports).

A product's state on an account comes from two rows: its ``Listing`` (what the market holds:
status, price, stock, last sync, last error; found by ``source_key`` = the product's key) and
its ``MarketProduct`` (what the stages did: the price decision, and, while there is no
listing, why the product waits). A page reads the accounts, counts the products, reads one
page of them and then the MarketProduct and Listing rows of that page in one query each: a
constant number of queries whatever the page size.

Filters and sorting run in the database on all three (SQLite, PostgreSQL, MariaDB): JSON
facts are read with ``source_data.json_values`` and lowered on both sides for a case-blind
search, since MariaDB compares JSON text byte-wise.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Concat, Lower
from django.utils.translation import gettext_lazy as _

from markets.contract import UnknownMarket, market_kind
from markets.models import Listing, ListingStatus, MarketAccount
from media.storage import storage_get
from source_data.json_values import json_number, json_text
from yooini.db import chunked

from .models import MarketProduct, PipelineProduct, ProductState
from .steps.register import not_ready_reason

SORTS = ("title", "cost", "-cost", "synced", "status")
DEFAULT_SORT = "title"
# The status filter's value for products with no listing on any shown account.
UNLISTED = "unlisted"
EXPORT_CHUNK = 500

CURRENCY_SYMBOLS = {"JPY": "¥", "KRW": "₩", "USD": "$", "EUR": "€"}

# Listing statuses in the order a seller wants to see them when sorting by status: what needs
# a person first, then what is off the market, then what sells.
STATUS_URGENCY = (
    ListingStatus.ATTENTION,
    ListingStatus.FAILED,
    ListingStatus.SUSPENDED,
    ListingStatus.OUT_OF_STOCK,
    ListingStatus.PENDING,
    ListingStatus.DRY_RUN,
    ListingStatus.PUBLISHED,
    ListingStatus.DELETED,
)

# Short labels for the table (the model's labels are long and untranslated).
STATUS_LABELS = {
    ListingStatus.PENDING: _("pending"),
    ListingStatus.PUBLISHED: _("on sale"),
    ListingStatus.FAILED: _("failed"),
    ListingStatus.SUSPENDED: _("suspended"),
    ListingStatus.OUT_OF_STOCK: _("out of stock"),
    ListingStatus.DELETED: _("deleted"),
    ListingStatus.DRY_RUN: _("dry run"),
    ListingStatus.ATTENTION: _("needs attention"),
}

# The run status whose colour the dashboard's stylesheet gives each listing status.
STATUS_TONES = {
    ListingStatus.PUBLISHED: "DONE",
    ListingStatus.DRY_RUN: "RUNNING",
    ListingStatus.PENDING: "PENDING",
    ListingStatus.FAILED: "ERROR",
    ListingStatus.ATTENTION: "ERROR",
    ListingStatus.SUSPENDED: "BLOCKED",
    ListingStatus.OUT_OF_STOCK: "SKIPPED",
    ListingStatus.DELETED: "CANCELLED",
}

# ``pipelines.steps.register.not_ready_reason``'s reasons, in the reader's language.
WAITING_LABELS = {
    "not converted": _("not converted"),
    "not listable on this market": _("not listable on this market"),
    "not translated": _("not translated"),
    "needs human translation": _("needs human translation"),
    "no image": _("no image"),
    "not priced": _("not priced"),
    "": _("ready, not listed yet"),
}


@dataclass(frozen=True)
class AccountColumn:
    """One enabled market account: a column group of the page."""

    pk: int
    name: str
    market: str
    market_label: str
    currency: str
    dry_run: bool


@dataclass(frozen=True)
class AccountState:
    """A product on one account. ``status`` is the listing's status ("" without a listing);
    without a listing, ``waiting`` says why (see ``not_ready_reason``; "" once ready). ``price`` is the listed price, else the decided one, in ``currency``."""

    account: AccountColumn
    status: str = ""
    waiting: str = ""
    price: int | None = None
    currency: str = ""
    margin: Decimal | None = None
    margin_rate: Decimal | None = None
    stock_available: int | None = None
    stock_variants: int | None = None
    last_sync: datetime | None = None
    error: str = ""
    listing_id: int | None = None
    # The product is on the account (a MarketProduct row or a listing there).
    present: bool = False

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def tone(self) -> str:
        return STATUS_TONES.get(self.status, "PENDING")

    @property
    def waiting_label(self) -> str:
        return str(WAITING_LABELS.get(self.waiting, self.waiting))

    @property
    def currency_symbol(self) -> str:
        return CURRENCY_SYMBOLS.get(self.currency, self.currency)

    @property
    def price_text(self) -> str:
        if self.price is None:
            return ""
        return f"{self.currency_symbol}{self.price:,}"

    @property
    def margin_percent(self) -> str:
        if self.margin_rate is None:
            return ""
        return f"{(self.margin_rate * 100).quantize(Decimal('0.1'))}%"

    @property
    def margin_text(self) -> str:
        if self.margin is None:
            return ""
        return f"{self.currency_symbol}{self.margin.quantize(Decimal('1')):,}"


@dataclass(frozen=True)
class ProductRow:
    """One supplier product with its facts and its state on each shown account."""

    pk: int
    supplier: str
    source_id: str
    title: str
    brand: str
    model_number: str
    thumbnail_url: str
    cost_krw: int | None
    state: str
    accounts: tuple[AccountState, ...] = field(default_factory=tuple)

    @property
    def key(self) -> str:
        return f"{self.supplier}:{self.source_id}"

    @property
    def cost_text(self) -> str:
        return "" if self.cost_krw is None else f"₩{self.cost_krw:,}"

    @property
    def gone(self) -> bool:
        return self.state != ProductState.ACTIVE


@dataclass(frozen=True)
class SellerProducts:
    """One page of the product list: the Paginator page, its rows and the account columns."""

    page: Page
    rows: list[ProductRow]
    accounts: list[AccountColumn]


def seller_accounts(*, market: str = "", account: str = "") -> list[AccountColumn]:
    """The enabled accounts shown, by name; narrowed to one market kind and/or one account."""
    query = MarketAccount.objects.filter(enabled=True)
    if market:
        query = query.filter(market=market)
    if account:
        query = query.filter(name=account)
    rows = query.order_by("name").values_list("pk", "name", "market", "dry_run")
    return [
        AccountColumn(pk, name, kind, *_market_names(kind), dry_run)
        for pk, name, kind, dry_run in rows
    ]


def seller_filter_choices() -> tuple[list[tuple[str, str]], list[str]]:
    """The filters' choices: (market kind, label) of the enabled accounts, and their names."""
    accounts = list(
        MarketAccount.objects.filter(enabled=True).order_by("name").values_list("name", "market")
    )
    kinds = sorted({kind for _name, kind in accounts})
    return [(kind, _market_names(kind)[0]) for kind in kinds], [name for name, _kind in accounts]


def seller_products(
    *,
    q: str = "",
    market: str = "",
    account: str = "",
    status: str = "",
    sort: str = DEFAULT_SORT,
    page: Any = 1,
    per_page: int = 50,
) -> SellerProducts:
    """One page of products matching the filters (see ``seller_products_query``) with their
    state on every shown account; an out-of-range ``page`` gives the last page."""
    accounts, query = _matching(q=q, market=market, account=account, status=status, sort=sort)
    page_obj = Paginator(query, per_page).get_page(page)
    return SellerProducts(page_obj, product_rows(list(page_obj.object_list), accounts), accounts)


def seller_products_all(
    *, q: str = "", market: str = "", account: str = "", status: str = "", sort: str = DEFAULT_SORT
) -> tuple[list[AccountColumn], Iterator[ProductRow]]:
    """Every matching product (for the exports), read a chunk at a time."""
    accounts, query = _matching(q=q, market=market, account=account, status=status, sort=sort)

    def rows() -> Iterator[ProductRow]:
        ids = list(query.values_list("pk", flat=True))
        for chunk in chunked(ids, EXPORT_CHUNK):
            by_pk = PipelineProduct.objects.in_bulk(chunk)
            yield from product_rows([by_pk[pk] for pk in chunk if pk in by_pk], accounts)

    return accounts, rows()


def _matching(
    *, q: str, market: str, account: str, status: str, sort: str
) -> tuple[list[AccountColumn], QuerySet[PipelineProduct]]:
    accounts = seller_accounts(market=market, account=account)
    narrowed = bool(market or account)
    query = seller_products_query(
        q=q, accounts=accounts, narrowed=narrowed, status=status, sort=sort
    )
    return accounts, query


def seller_products_query(
    *, q: str, accounts: Sequence[AccountColumn], narrowed: bool, status: str, sort: str
) -> QuerySet[PipelineProduct]:
    """The matching products, sorted (ties by supplier and source id).

    ``q`` is part of the title, brand, model number or source id, any case. With a market or
    account filter (``narrowed``) only products on one of the shown ``accounts`` (a
    MarketProduct row or a listing there) are listed. ``status`` is a listing status on one of
    the shown accounts, or ``UNLISTED`` for products listed on none of them.
    """
    account_ids = [a.pk for a in accounts]
    query = PipelineProduct.objects.all()
    if q:
        needle = q.strip().lower()
        aliases = {
            "_q_id": Lower("source_id"),
            "_q_title": Lower(json_text("facts", "title")),
            "_q_brand": Lower(json_text("facts", "brand")),
            "_q_model": Lower(json_text("facts", "model_number")),
        }
        match = Q()
        for alias in aliases:
            match |= Q(**{f"{alias}__contains": needle})
        query = query.alias(**aliases).filter(match)
    if not account_ids:
        # No account shown: nothing is listed on one. (Django cannot compile an empty
        # IN (...) inside a subquery: it would return no product at all.)
        if narrowed or (status and status != UNLISTED):
            return query.none()
        return _sorted(query, DEFAULT_SORT, None)
    listings = _listings_of_product(account_ids)
    if narrowed:
        on_account = MarketProduct.objects.filter(
            product=OuterRef("pk"), account_id__in=account_ids
        )
        query = query.filter(Exists(on_account) | Exists(listings))
    if status == UNLISTED:
        query = query.exclude(Exists(listings))
    elif status:
        query = query.filter(Exists(listings.filter(status=status)))
    return _sorted(query, sort, listings)


def product_rows(
    products: Sequence[PipelineProduct], accounts: Sequence[AccountColumn]
) -> list[ProductRow]:
    """``products`` with their state on each of ``accounts``: two queries, whatever the count."""
    if not products:
        return []
    account_ids = [a.pk for a in accounts]
    states: dict[tuple[int, int], MarketProduct] = {}
    listings: dict[tuple[int, str], Listing] = {}
    if account_ids:
        for state in MarketProduct.objects.filter(
            product__in=[p.pk for p in products], account_id__in=account_ids
        ).defer("problems"):
            states[(state.product_id, state.account_id)] = state
        keys = [p.key for p in products]
        # Oldest first, so the most recently synced listing of a key wins.
        for listing in (
            Listing.objects.filter(account_id__in=account_ids, source_key__in=keys)
            .defer("fixed", "external_ids")
            .order_by("updated_at", "pk")
        ):
            listings[(listing.account_id, listing.source_key)] = listing
    storage = storage_get()
    rows = []
    for product in products:
        facts = product.facts if isinstance(product.facts, dict) else {}
        rows.append(
            ProductRow(
                pk=product.pk,
                supplier=product.supplier,
                source_id=product.source_id,
                title=str(facts.get("title") or ""),
                brand=str(facts.get("brand") or ""),
                model_number=str(facts.get("model_number") or ""),
                thumbnail_url=_thumbnail(product, storage),
                cost_krw=_whole(facts.get("cost_krw")),
                state=product.state,
                accounts=tuple(
                    _account_state(
                        product,
                        column,
                        states.get((product.pk, column.pk)),
                        listings.get((column.pk, product.key)),
                    )
                    for column in accounts
                ),
            )
        )
    return rows


# --- one product on one account ------------------------------------------------------------


def _account_state(
    product: PipelineProduct,
    account: AccountColumn,
    state: MarketProduct | None,
    listing: Listing | None,
) -> AccountState:
    stage_errors = "; ".join(
        f"{stage}: {text}" for stage, text in (state.errors if state else {}).items() if text
    )
    if listing is None:
        if state is None:
            return AccountState(account)
        decision = state.price_decision
        currency = state.currency or account.currency
        return AccountState(
            account,
            waiting=not_ready_reason(product, state),
            price=state.price,
            currency=currency,
            margin=decision_margin(decision, currency),
            margin_rate=decision_margin_rate(decision),
            error=stage_errors,
            present=True,
        )
    decision = listing.price_decision or (state.price_decision if state else None)
    stock = listing.stock if isinstance(listing.stock, dict) else {}
    currency = listing.currency or account.currency
    return AccountState(
        account,
        status=listing.status,
        # A listing whose create failed has no price at the market: show the decided one.
        price=listing.price if listing.price is not None or state is None else state.price,
        currency=currency,
        margin=decision_margin(decision, currency),
        margin_rate=decision_margin_rate(decision),
        stock_available=_whole(stock.get("available")),
        stock_variants=_whole(stock.get("variants")),
        last_sync=listing.updated_at,
        error=listing.last_error or stage_errors,
        listing_id=listing.pk,
        present=True,
    )


def decision_margin(decision: Any, currency: str = "") -> Decimal | None:
    """The margin amount of a price decision, in the market's currency: ``margin`` (a number,
    or an object with ``value``/``amount``), else ``margin_<currency>`` (``margin_jpy``),
    else any other ``margin_*`` number. Decisions differ by market and by age: read what is
    there."""
    if not isinstance(decision, dict):
        return None
    value = decision.get("margin")
    if isinstance(value, dict):
        value = value.get("value", value.get("amount"))
    candidates = [value, decision.get(f"margin_{currency.lower()}") if currency else None]
    candidates += [v for k, v in decision.items() if k.startswith("margin_") and k != "margin_rate"]
    for candidate in candidates:
        number = _decimal(candidate)
        if number is not None:
            return number
    return None


def decision_margin_rate(decision: Any) -> Decimal | None:
    """The margin as a fraction of the price (``0.15``), when the decision records it."""
    if not isinstance(decision, dict):
        return None
    return _decimal(decision.get("margin_rate"))


# --- helpers -------------------------------------------------------------------------------


def _listings_of_product(account_ids: Sequence[int]) -> QuerySet[Listing]:
    """Listings of the outer product (by its key) on the shown accounts, for subqueries."""
    key = Concat(OuterRef("supplier"), Value(":"), OuterRef("source_id"))
    return Listing.objects.filter(account_id__in=account_ids, source_key=key)


def _sorted(query: QuerySet[PipelineProduct], sort: str, listings: QuerySet[Listing] | None):
    tie = ("supplier", "source_id")
    if sort in ("cost", "-cost"):
        cost = json_number("facts", "cost_krw")
        order = cost.asc(nulls_last=True) if sort == "cost" else cost.desc(nulls_last=True)
        return query.order_by(order, *tie)
    if sort == "synced":
        synced = Subquery(listings.order_by("-updated_at").values("updated_at")[:1])
        return query.alias(_synced=synced).order_by(F("_synced").desc(nulls_last=True), *tie)
    if sort == "status":
        rank = Case(
            *(When(status=s, then=Value(i)) for i, s in enumerate(STATUS_URGENCY)),
            default=Value(len(STATUS_URGENCY)),
            output_field=IntegerField(),
        )
        urgent = Subquery(listings.annotate(_rank=rank).order_by("_rank").values("_rank")[:1])
        return query.alias(_urgency=urgent).order_by(F("_urgency").asc(nulls_last=True), *tie)
    title = Lower(json_text("facts", "title"))
    return query.alias(_title=title).order_by(F("_title").asc(nulls_last=True), *tie)


def _market_names(kind: str) -> tuple[str, str]:
    """(label, currency) of a market kind; the kind itself when its module is not installed."""
    try:
        market = market_kind(kind)
    except (UnknownMarket, ImportError):
        return kind, ""
    return market.label, market.capabilities.currency


def _thumbnail(product: PipelineProduct, storage) -> str:
    images = product.images if isinstance(product.images, list) else []
    if not images:
        return ""
    url = storage.public_url(str(images[0]))
    # A local store without a public URL gives file:// addresses, which no browser loads
    # from a web page: show no thumbnail rather than a broken one.
    return url if url.startswith(("http://", "https://", "/")) else ""


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _whole(value: Any) -> int | None:
    number = _decimal(value)
    return int(number) if number is not None else None
