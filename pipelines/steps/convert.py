"""CONVERT: a collected product into a BUYMA listing draft (ids from BUYMA's master data,
Korean title and description from templates, forbidden words filtered).

Only products whose source record changed since the last pass are converted again (the
content hash of the record is kept as ``convert_hash``). A product that cannot be converted
keeps its problems on its row (field, value, reason) and is not listed; the others go on.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from markets.buyma.convert import Converter
from suppliers.selectors import collect_unit_for

from ..products import current_hashes, current_records, products_of, products_save

PROBLEMS_KEPT = 50  # problems listed in the stage's result; every one stays on its product


def convert(ctx, partition: str) -> dict[str, Any]:
    unit = collect_unit_for(partition)
    rows = products_of(unit, active_only=True)
    hashes = current_hashes(unit.supplier, [row.source_id for row in rows])
    todo = [r for r in rows if hashes.get(r.source_id, r.convert_hash) != r.convert_hash]
    records = current_records(unit.supplier, [row.source_id for row in todo])
    converter = Converter.load() if todo else None
    changed, blocked, problems = [], 0, []
    for row in todo:
        record = records.get(row.source_id)
        if record is None:
            continue
        result = converter.convert(record.raw, supplier=unit.supplier)
        row.draft = result.draft.to_dict() if result.ok and result.draft else None
        row.problems = [asdict(problem) for problem in result.problems]
        row.convert_hash, row.source_version = record.content_hash, record.version
        row.errors = {k: v for k, v in row.errors.items() if k != "convert"}
        if row.draft is None:
            blocked += 1
            reasons = "; ".join(
                f"{p['field']}: {p['reason']}" for p in row.problems if p.get("blocking")
            )
            row.errors["convert"] = reasons or "not convertible"
            problems.append({"product": row.key, "error": row.errors["convert"]})
        changed.append(row)
    if converter is not None:
        converter.flush_learned()
    products_save(changed, ["draft", "problems", "convert_hash", "source_version", "errors"])
    ctx.add_items(len(changed))
    return {
        "items": len(changed),
        "converted": len(changed) - blocked,
        "blocked": blocked,
        "unchanged": len(rows) - len(changed),
        "problems": problems[:PROBLEMS_KEPT],
    }
