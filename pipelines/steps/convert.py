"""CONVERT: each collected product as market-neutral facts (``pipelines.normalize``), written
to the product's row and to its source record (``SourceData.normalized``, status
``processed``), then prepared for every market account of the run (``steps.prepare``).

Only products whose source record changed since the last pass are normalized again (the
content hash of the record is kept as ``convert_hash``). A record that cannot be read as a
product, or that a market cannot take, keeps its reason on its row; the others go on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from orchestrator.core.items import SET_ASIDE_KEY, set_aside
from source_data.services import source_data_normalized_update
from suppliers.models import Supplier
from suppliers.selectors import collect_unit_for

from ..market_products import Preparers, run_accounts
from ..normalize import NotAProduct, product_facts
from ..products import current_hashes, current_records, products_of, products_save
from ..stock import facts_with_safety_stock, safety_stock
from .prepare import products_prepare

PROBLEMS_KEPT = 50  # problems listed in the stage's result; every one stays on its product


def convert(ctx, partition: str, *, markets: Sequence[str] | None = None) -> dict[str, Any]:
    unit = collect_unit_for(partition)
    accounts = run_accounts(ctx.params, markets)
    rows = products_of(unit, active_only=True)
    hashes = current_hashes(unit.supplier, [row.source_id for row in rows])
    todo = [r for r in rows if hashes.get(r.source_id, r.convert_hash) != r.convert_hash]
    todo_ids = {r.pk for r in todo}
    # Products without a draft on some account are prepared again (a mapping may be fixed).
    records = current_records(unit.supplier, [row.source_id for row in rows])
    changed, problems = facts_refresh(unit.supplier, todo, records)
    raws = {source_id: record.raw for source_id, record in records.items()}
    counts = products_prepare(rows, accounts, raws, Preparers())
    # Items: the products this stage holds done, whatever attempt did each (a resumed stage
    # counts the work of the attempt that was killed too).
    ctx.add_items(len(rows))
    return {
        "items": len(rows),
        "converted": len(changed) - len(problems),
        "blocked": counts["blocked"],
        SET_ASIDE_KEY: set_aside(["not listable on a market account"] * counts["blocked"]),
        "prepared": counts["prepared"],
        "unchanged": len(rows) - len(todo_ids),
        "problems": problems[:PROBLEMS_KEPT],
    }


def facts_refresh(supplier: str, rows, records) -> tuple[list, list[dict[str, str]]]:
    """Normalize ``rows`` from their current records; write the facts on the rows and on the
    source records. Returns (rows changed, problems)."""
    changed, problems, normalized = [], [], {}
    threshold = safety_stock(Supplier.objects.filter(name=supplier).first()) if rows else 0
    for row in rows:
        record = records.get(row.source_id)
        if record is None:
            continue
        row.errors = {k: v for k, v in row.errors.items() if k != "convert"}
        try:
            facts = product_facts(record.raw, supplier=supplier).to_dict()
            facts = facts_with_safety_stock(facts, threshold)
        except NotAProduct as exc:
            facts = None
            row.errors["convert"] = str(exc)
            problems.append({"product": row.key, "error": str(exc)})
        row.facts = facts
        row.convert_hash, row.source_version = record.content_hash, record.version
        normalized[row.source_id] = facts
        changed.append(row)
    products_save(changed, ["facts", "convert_hash", "source_version", "errors"])
    source_data_normalized_update(source_system=supplier, normalized=normalized)
    return changed, problems
