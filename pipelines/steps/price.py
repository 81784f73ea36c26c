"""PRICE: each product's BUYMA price from its cost, the cheapest competitor and the rules.

The competitor price comes from BUYMA's price-ascending search page for the model number
(``CompetitorLookup``: our own buyer id excluded, looked up at most once an hour), the rule
from the pricing rules (most specific of supplier + brand, brand, supplier, default), the
exchange rate from the dated FX table. The decision and every input it used are stored on the
product and go with the listing (why this price).

In ``partial`` the CONVERT stage does not run, so products whose source record changed since
they were converted get their cost and stock refreshed here from the new record (the texts,
ids and images stay as converted). A product whose competitor look-up failed keeps its last
price: listing at the full target because a page could not be read would be the costly
mistake.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from markets.buyma.competitors import CompetitorLookup, CompetitorLookupError
from markets.buyma.convert import Converter
from orchestrator.core.clock import get_clock
from pricing import PricingInputError, decide_price
from pricing.selectors import fx_rate_on
from pricing.services import PricingRuleMissing, decision_record, pricing_rules_load
from suppliers.selectors import collect_unit_for

from ..models import ProductState
from ..products import current_hashes, current_records, products_of, products_save
from .accounts import market_accounts

REFRESHED = ("cost_krw", "variants", "sold_out")


def price(ctx, partition: str) -> dict[str, Any]:
    unit = collect_unit_for(partition)
    rows = [r for r in products_of(unit) if r.draft is not None and r.state == ProductState.ACTIVE]
    refreshed = _refresh_facts(unit, rows)
    account = market_accounts(ctx.params, market="buyma")[0]
    settings = account.settings
    fx = fx_rate_on(get_clock().now().date())
    book = pricing_rules_load()
    wanted = sorted({r.draft["model_number"] for r in rows if r.draft.get("model_number")})
    with CompetitorLookup(
        base_url=settings.get("search_base_url") or "https://www.buyma.com",
        own_buyer_id=settings.get("buyer_id"),
        delay_seconds=float(settings.get("search_delay_seconds", 1.0)),
        max_age=timedelta(minutes=float(settings.get("competitor_max_age_minutes", 60))),
    ) as lookup:
        quotes = lookup.cheapest(wanted) if wanted else {}
        requests = lookup.requests
    changed = failed = 0
    # Rows to write: refreshed or failed ones, and those whose decision changed.
    dirty = {row.pk: row for row in rows if row.pk in refreshed or row.errors.get("price")}
    for row in rows:
        quote = quotes.get(row.draft.get("model_number") or "")
        brand = unit.label or row.draft.get("brand_name", "")
        row.errors = {k: v for k, v in row.errors.items() if k != "price"}
        try:
            inputs = book.input_for(
                supplier=unit.supplier,
                brand=brand,
                cost_krw=row.draft["cost_krw"],
                competitor_price_jpy=quote.competitor_price() if quote else None,
                krw_per_jpy=fx.krw_per_jpy,
            )
            decision = decide_price(inputs)
        except (CompetitorLookupError, PricingInputError, PricingRuleMissing) as exc:
            row.errors["price"] = str(exc)
            dirty[row.pk] = row
            failed += 1
            continue
        record = decision_record(
            decision,
            pricing_rule=book.rule_for(supplier=unit.supplier, brand=brand),
            fx_rate=fx,
            competitor=quote.as_record() if quote else None,
        )
        if row.price_jpy == decision.price_jpy and _same_decision(row.price_decision, record):
            continue  # decided as before: nothing to write
        changed += decision.price_jpy != row.price_jpy
        row.price_jpy, row.price_decision = decision.price_jpy, record
        dirty[row.pk] = row
    products_save(list(dirty.values()), ["draft", "price_jpy", "price_decision", "errors"])
    ctx.add_items(len(rows))
    return {
        "items": len(rows),
        "price_changed": changed,
        "failed": failed,
        "refreshed": len(refreshed),
        "search_requests": requests,
    }


def _refresh_facts(unit, rows) -> set[int]:
    """Cost and stock from the current source record, for products converted from an older
    one; returns the ids of the rows refreshed."""
    hashes = current_hashes(unit.supplier, [r.source_id for r in rows])
    stale = [r for r in rows if hashes.get(r.source_id, r.convert_hash) != r.convert_hash]
    if not stale:
        return set()
    records = current_records(unit.supplier, [r.source_id for r in stale])
    converter = Converter.load()
    for row in stale:
        fresh = converter.convert(records[row.source_id].raw, supplier=unit.supplier)
        if fresh.draft is not None:
            facts = fresh.draft.to_dict()
            row.draft = {**row.draft, **{k: facts[k] for k in REFRESHED}}
    return {row.pk for row in stale}


def _same_decision(old: dict | None, new: dict) -> bool:
    """The same price from the same inputs (when and how the competitor price was looked up
    does not count)."""
    if not old:
        return False
    keep = ("price_jpy", "rule", "inputs", "pricing_rule", "fx_rate", "suspend")
    return all(old.get(k) == new.get(k) for k in keep)
