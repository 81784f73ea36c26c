"""PRICE: each product's price on every market account of the run, in that market's currency,
from its cost, the cheapest competitor (on markets that look one up) and the pricing rules.

The rule is the most specific of market + supplier + brand; the exchange rate (KRW per unit
of the market's currency) comes from the dated FX table (1 for a market in KRW). The decision
and every input it used are stored with the product on that account and go with the listing
(why this price).

In ``partial`` the CONVERT stage does not run, so products whose source record changed since
they were converted get their facts, drafts and translations refreshed here from the new
record, so cost and stock reach every market hourly.
A product whose competitor look-up failed keeps its last price: listing at the full target
because a page could not be read would be the costly mistake.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from markets.contract import CompetitorPriceUnknown, market_kind
from markets.models import MarketAccount
from orchestrator.core.clock import get_clock
from pricing.errors import PricingInputError
from pricing.rules import decide_price
from pricing.services import PricingRuleMissing, decision_record, fx_rate_on, pricing_rules_load
from suppliers.selectors import collect_unit_for

from ..market_products import Preparers, market_products, market_products_save, run_accounts
from ..models import PipelineProduct, ProductState
from ..products import current_hashes, current_records, products_of
from .convert import facts_refresh
from .prepare import products_prepare
from .translate import products_translate

FIELDS = ("price", "currency", "price_decision", "errors")


def price(ctx, partition: str, *, markets: Sequence[str] | None = None) -> dict[str, Any]:
    unit = collect_unit_for(partition)
    accounts = run_accounts(ctx.params, markets)
    rows = [r for r in products_of(unit) if r.facts is not None and r.state == ProductState.ACTIVE]
    refreshed = facts_refresh_changed(unit.supplier, rows, accounts)
    counts = products_reprice(rows, accounts)
    ctx.add_items(counts["items"])
    return {**counts, "refreshed": len(refreshed)}


def products_reprice(rows: Sequence[PipelineProduct], accounts: Sequence[MarketAccount]) -> dict:
    """Decide the price of ``rows`` (products with facts) on every account and save what
    changed on their market rows. Returns counts: items, price_changed, failed,
    search_requests; and ``item_errors``: by reason, the products left without any price."""
    book = pricing_rules_load()
    today = get_clock().now().date()
    counts: dict[str, Any] = {"items": 0, "price_changed": 0, "failed": 0, "search_requests": 0}
    reasons: Counter[str] = Counter()
    for account in accounts:
        market = market_kind(account.market)
        currency = market.capabilities.currency
        rate = fx_rate_on(today, currency=currency)
        states = [(row, s) for row, s in _states(rows, account) if s.draft is not None]
        wanted = sorted({m for _, s in states if (m := s.draft.get("model_number"))})
        quotes: dict[str, Any] = {}
        if market.competitors is not None and wanted:
            with market.competitors(account.settings) as lookup:
                quotes = dict(lookup.cheapest(wanted))
                counts["search_requests"] += lookup.requests
        dirty = []
        for row, state in states:
            counts["items"] += 1
            quote = quotes.get(state.draft.get("model_number") or "")
            brand = row.unit or row.facts.get("brand") or ""
            had_error = "price" in state.errors
            state.errors = {k: v for k, v in state.errors.items() if k != "price"}
            try:
                inputs = book.input_for(
                    market=account.market,
                    supplier=row.supplier,
                    brand=brand,
                    cost_krw=row.facts["cost_krw"],
                    competitor_price=quote.competitor_price() if quote else None,
                    krw_per_unit=rate.krw_per_unit,
                )
                decision = decide_price(inputs)
            except (CompetitorPriceUnknown, PricingInputError, PricingRuleMissing) as exc:
                state.errors["price"] = str(exc)
                dirty.append(state)
                counts["failed"] += 1
                if state.price is None:
                    # A failed item: no price to list it at. One that keeps its last price is
                    # not (its stock still goes out with the register stage).
                    reasons[str(exc)] += 1
                continue
            rule = book.rule_for(market=account.market, supplier=row.supplier, brand=brand)
            record = decision_record(
                decision,
                pricing_rule=rule,
                fx_rate=rate,
                competitor=quote.as_record() if quote else None,
            )
            if state.price == decision.price and _same_decision(state.price_decision, record):
                if had_error:
                    dirty.append(state)
                continue  # decided as before: nothing to write
            counts["price_changed"] += decision.price != state.price
            state.price, state.currency, state.price_decision = decision.price, currency, record
            dirty.append(state)
        market_products_save(dirty, FIELDS)
    if reasons:
        counts["item_errors"] = dict(reasons)
    return counts


def _states(rows, account):
    states = market_products(rows, account)
    return [(row, states[row.pk]) for row in rows]


def facts_refresh_changed(supplier: str, rows, accounts) -> list:
    """Facts and drafts from the current source record, for products converted from an older
    one; returns the rows refreshed."""
    hashes = current_hashes(supplier, [r.source_id for r in rows])
    stale = [r for r in rows if hashes.get(r.source_id, r.convert_hash) != r.convert_hash]
    if not stale:
        return []
    records = current_records(supplier, [r.source_id for r in stale])
    facts_refresh(supplier, stale, records)
    raws = {source_id: record.raw for source_id, record in records.items()}
    preparers = Preparers()
    products_prepare([r for r in stale if r.facts is not None], accounts, raws, preparers)
    # A changed text (a description that lists the sizes left) is translated now, so stock
    # reaches every market within the hour, not at the next full run.
    products_translate(supplier, [r for r in stale if r.facts is not None], accounts, preparers)
    return stale


def _same_decision(old: dict | None, new: dict) -> bool:
    """The same price from the same inputs (when and how the competitor price was looked up
    does not count)."""
    if not old:
        return False
    keep = ("price", "rule", "inputs", "pricing_rule", "fx_rate", "suspend")
    return all(old.get(k) == new.get(k) for k in keep)
