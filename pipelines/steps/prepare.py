"""PREPARE: a product's facts as each market's draft (``Preparer.prepare``), kept per product
and market account. Part of CONVERT in a full run, and of PRICE in a partial one for the
products whose supplier record changed since (so stock and cost reach every market hourly).

A product is prepared again when its source record changed, and every run while it has no
draft: a blocked product (say, an unmapped category) is listed by the first run after a person
fixes the mapping. A product that sold out keeps its draft (its options as the market knows
them), listed with every option out of stock. A draft whose texts to translate changed loses its translation; a market in
the suppliers' language needs none (``texts`` is ``[]`` at once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from markets.contract import ProductFacts
from markets.models import MarketAccount

from ..market_products import Preparers, market_products, market_products_save, needs_translation
from ..models import MarketProduct, PipelineProduct

FIELDS = ("prepare_hash", "draft", "problems", "texts", "translate_hash", "needs_human", "errors")


def products_prepare(
    rows: Sequence[PipelineProduct],
    accounts: Sequence[MarketAccount],
    raws: Mapping[str, Mapping[str, Any]],
    preparers: Preparers,
) -> dict[str, int]:
    """Prepare ``rows`` (with facts) for every account; ``raws`` is each product's current
    supplier record by source id. Returns counts: prepared, blocked."""
    prepared = blocked = 0
    rows = [r for r in rows if r.facts is not None]
    for account in accounts:
        preparer = preparers[account.market]
        translated = needs_translation(account)
        changed: list[MarketProduct] = []
        for row, state in _states(rows, account):
            if state.prepare_hash == row.convert_hash and state.draft is not None:
                continue
            raw = raws.get(row.source_id)
            if raw is None:
                continue
            facts = ProductFacts.from_dict(row.facts)
            if facts.sold_out and state.draft is not None:
                # A sold-out page often lists no options any more; the market still holds
                # the ones it was given, so the draft keeps them, each sold out at listing.
                state.prepare_hash = row.convert_hash
                changed.append(state)
                continue
            result = preparer.prepare(facts, raw)
            old_texts = preparer.texts(state.draft) if state.draft and translated else None
            state.draft = result.draft
            state.problems = [asdict(p) for p in result.problems]
            state.prepare_hash = row.convert_hash
            state.errors = {k: v for k, v in state.errors.items() if k != "prepare"}
            if result.draft is None:
                blocked += 1
                reasons = "; ".join(f"{p.field}: {p.reason}" for p in result.problems if p.blocking)
                state.errors["prepare"] = reasons or "not listable on this market"
            elif not translated:
                state.texts, state.translate_hash, state.needs_human = [], "", False
            elif old_texts != preparer.texts(result.draft):
                state.texts, state.translate_hash = None, ""
            prepared += 1
            changed.append(state)
        market_products_save(changed, FIELDS)
    preparers.flush()
    return {"prepared": prepared, "blocked": blocked}


def _states(rows: Sequence[PipelineProduct], account: MarketAccount):
    states = market_products(rows, account)
    return [(row, states[row.pk]) for row in rows]
