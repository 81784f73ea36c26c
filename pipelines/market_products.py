"""Reading and writing the pipelines' product x market account rows (``MarketProduct``) in bulk,
and the markets a run lists on.

A stage works on every product of its partition on every account of the run at once: one
query per account (per 500 products) to read the rows, bulk writes for what changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markets.contract import MarketCapabilities, Preparer, market_kind
from markets.models import MarketAccount
from orchestrator.core.clock import get_clock
from suppliers.connectors import ConfigError
from yooini.db import chunked

from .models import MarketProduct, PipelineProduct

SOURCE_LANGUAGE = "ko"  # what suppliers write in: a market in another language needs a translation


def run_accounts(params: Mapping[str, Any], markets: Sequence[str] | None) -> list[MarketAccount]:
    """The enabled accounts a run lists on: of the workflow's ``markets`` (every market when
    None), narrowed by ``--param markets=a,b`` and ``--param account=name[,name]``."""
    query = MarketAccount.objects.filter(enabled=True)
    wanted = _names(params.get("markets"))
    kinds = list(markets) if markets else None
    if wanted:
        kinds = [k for k in (kinds or wanted) if k in wanted]
    if kinds is not None:
        query = query.filter(market__in=kinds)
    names = _names(params.get("account"))
    if names:
        query = query.filter(name__in=names)
    accounts = list(query.order_by("name"))
    if not accounts:
        what = (
            f"account {', '.join(names)}"
            if names
            else f"{' or '.join(kinds or ['market'])} account"
        )
        raise ConfigError(f"no enabled {what}: create one in the admin (Markets)")
    return accounts


def _names(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def capabilities_of(account: MarketAccount) -> MarketCapabilities:
    return market_kind(account.market).capabilities


def needs_translation(account: MarketAccount) -> bool:
    return capabilities_of(account).language != SOURCE_LANGUAGE


class Preparers:
    """Each market's preparer, loaded once per stage run on first use."""

    def __init__(self) -> None:
        self._loaded: dict[str, Preparer] = {}

    def __getitem__(self, kind: str) -> Preparer:
        if kind not in self._loaded:
            self._loaded[kind] = market_kind(kind).preparer()
        return self._loaded[kind]

    def flush(self) -> None:
        for preparer in self._loaded.values():
            preparer.flush()


def market_products(
    products: Iterable[PipelineProduct], account: MarketAccount
) -> dict[int, MarketProduct]:
    """Each product's row on ``account`` (new, unsaved rows for those without one)."""
    products = list(products)
    found: dict[int, MarketProduct] = {}
    for chunk in chunked([p.pk for p in products]):
        for row in MarketProduct.objects.filter(account=account, product_id__in=chunk):
            found[row.product_id] = row
    for product in products:
        row = found.get(product.pk)
        if row is None:
            row = MarketProduct(product=product, account=account, currency="")
            found[product.pk] = row
        row.product = product
        row.account = account
    return found


def market_products_save(rows: Sequence[MarketProduct], fields: Sequence[str]) -> None:
    """Create the new rows and write ``fields`` of the others, in bulk."""
    now = get_clock().now()
    new, old = [], []
    for row in rows:
        row.updated_at = now
        (old if row.pk else new).append(row)
    for chunk in chunked(new):
        MarketProduct.objects.bulk_create(chunk)
    if old:
        MarketProduct.objects.bulk_update(old, [*fields, "updated_at"], batch_size=500)


def by_market(accounts: Iterable[MarketAccount]) -> dict[str, list[MarketAccount]]:
    grouped: dict[str, list[MarketAccount]] = defaultdict(list)
    for account in accounts:
        grouped[account.market].append(account)
    return dict(grouped)
