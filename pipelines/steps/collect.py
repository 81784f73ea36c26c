"""COLLECT: a supplier's products (all of them, or one brand's) into source data.

``full`` reads everything the unit lists, page by page with the engine keeping the cursor
(``suppliers.stages.collect_read``), records which products the supplier lists now, and marks
the unit's products it no longer lists as gone.

``partial`` refreshes price and stock of the products we already know and adds none. For a
mall it reads only the listing pages (one request per ~60 products) and fetches the page of a
product only when its card shows another price or other buyable sizes than we stored, so an
hourly run costs a few hundred requests, not one per product. Other kinds are read whole and
their new products ignored.
"""

from __future__ import annotations

from typing import Any

from orchestrator.core.items import SET_ASIDE_KEY, set_aside
from suppliers.connectors import ConfigError, Connector, RejectedRow, SupplierRecord
from suppliers.connectors.mall import MallConnector
from suppliers.selectors import CollectUnit, collect_unit_for, supplier_get
from suppliers.services import (
    supplier_connector,
    supplier_cursor_save,
    supplier_records_upsert,
)
from suppliers.stages import REJECTED_KEPT, CollectProgress, collect_read

from ..models import ProductState
from ..products import (
    card_text,
    products_mark_gone,
    products_of,
    products_reactivate,
    products_seen,
)


def collect(ctx, partition: str) -> dict[str, Any]:
    unit = collect_unit_for(partition)
    supplier = supplier_get(name=unit.supplier)
    if not supplier.enabled:
        return {"items": 0, "skipped": "supplier is disabled"}
    if ctx.mode == "partial":
        result = _refresh_known(ctx, unit, supplier)
    else:
        result = _read_all(ctx, unit, supplier)
    ctx.emit("supplier.collected", {"partition": partition, **_summary(result)})
    return result


def _read_all(ctx, unit: CollectUnit, supplier) -> dict[str, Any]:
    # A brand unit reads from the start every time; the supplier's stored cursor belongs to
    # whole-supplier reads (the "changed since" of an incremental API).
    start = supplier.cursor if not unit.label else None
    progress = CollectProgress.resume(ctx.checkpoint, start=start)
    if not progress.done:
        with _connector(unit, supplier) as connector:
            collect_read(
                ctx,
                supplier_name=supplier.name,
                connector=connector,
                progress=progress,
                on_page=lambda page: products_seen(unit, page.records, batch_id=ctx.batch_id),
            )
    if not unit.label:
        supplier_cursor_save(supplier=supplier, cursor=progress.cursor)
    gone = [
        p.source_id for p in products_of(unit, active_only=True) if p.seen_batch != ctx.batch_id
    ]
    # An incremental read returns only what changed: absence there says nothing.
    incremental = progress.cursor is not None
    result = progress.result()
    result["gone"] = 0 if incremental else products_mark_gone(unit, gone)
    return result


def _refresh_known(ctx, unit: CollectUnit, supplier) -> dict[str, Any]:
    known = {p.source_id: p for p in products_of(unit)}
    seen: set[str] = set()
    changed_records: list[SupplierRecord] = []
    rejected: list[dict[str, Any]] = []
    with _connector(unit, supplier) as connector:
        if isinstance(connector, MallConnector):
            for item in connector.listing_items():
                row = known.get(item.product_id)
                if row is None or item.product_id in seen:
                    continue
                seen.add(item.product_id)
                card = card_text(item.price, item.sizes)
                if card and card == row.card:
                    continue
                fetched = connector.product_record(item.product_id)
                if isinstance(fetched, RejectedRow):
                    seen.discard(item.product_id)
                    rejected.append(fetched.to_dict())
                else:
                    changed_records.append(fetched)
        else:
            cursor = None
            while True:
                page = connector.read(cursor)
                for record in page.records:
                    if record.source_id in known:
                        seen.add(record.source_id)
                        changed_records.append(record)
                rejected.extend(r.to_dict() for r in page.rejected)
                if page.done:
                    break
                cursor = page.next_cursor
    upserted = supplier_records_upsert(
        supplier_name=supplier.name, records=changed_records, batch_id=ctx.batch_id
    )
    # New cards of what was read again, and products back after they were gone.
    products_seen(unit, changed_records, batch_id=ctx.batch_id)
    products_reactivate(unit, [i for i in seen if known[i].state != ProductState.ACTIVE])
    gone = products_mark_gone(unit, [i for i in known if i not in seen])
    ctx.add_items(len(seen))
    return {
        "items": len(seen),
        "fetched": len(changed_records),
        "changed": upserted.changed,
        "unchanged": upserted.unchanged + len(seen) - len(changed_records),
        "gone": gone,
        "rejected_count": len(rejected),
        "rejected": rejected[:REJECTED_KEPT],
        SET_ASIDE_KEY: set_aside(f"row rejected: {r.get('reason')}" for r in rejected),
    }


def _connector(unit: CollectUnit, supplier) -> Connector:
    if not unit.brand:
        return supplier_connector(supplier)
    if supplier.kind != "mall":
        raise ConfigError(
            f"brand unit {unit.partition}: only mall suppliers are read brand by brand; "
            f"{supplier.name} is kind {supplier.kind!r} (use a unit with no brand)"
        )
    return supplier_connector(supplier, settings={"brands": [unit.brand]})


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    keys = ("items", "created", "changed", "unchanged", "gone", "rejected_count", "fetched")
    return {k: result[k] for k in keys if k in result}
