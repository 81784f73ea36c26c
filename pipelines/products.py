"""Reading and writing the pipelines' product rows (``PipelineProduct``) in bulk.

Every stage works on all the products of one partition at once: one query to read them, one
to read their current source records, bulk writes for what changed. No stage issues a query
per product.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator.core.clock import get_clock
from source_data.models import SourceData
from suppliers.connectors import SupplierRecord
from suppliers.selectors import CollectUnit
from yooini.db import chunked, conflict_target

from .models import PipelineProduct, ProductState

CHUNK = 500  # ids per IN (...) list, well under every database's parameter limit


@dataclass(frozen=True)
class CurrentRecord:
    """The current SourceData version of a product: what the supplier says now."""

    version: int
    content_hash: str
    raw: dict[str, Any]


def products_of(unit: CollectUnit, *, active_only: bool = False) -> list[PipelineProduct]:
    """The unit's products (a brand unit's, or every product of a whole supplier)."""
    query = PipelineProduct.objects.filter(supplier=unit.supplier)
    if unit.label:
        query = query.filter(unit=unit.label)
    if active_only:
        query = query.filter(state=ProductState.ACTIVE)
    return list(query.order_by("source_id"))


def products_seen(unit: CollectUnit, records: Iterable[SupplierRecord], *, batch_id: str) -> None:
    """Record that the supplier lists these products now (new ones start here), with what
    their listing card shows."""
    rows = {
        record.source_id: PipelineProduct(
            supplier=unit.supplier,
            source_id=record.source_id,
            unit=unit.label,
            state=ProductState.ACTIVE,
            seen_batch=batch_id,
            card=card_of_record(record),
        )
        for record in records
    }
    fields = ["state", "seen_batch", "card"]
    if unit.label:  # a whole-supplier read keeps the brand unit a product already belongs to
        fields.append("unit")
    if rows:
        PipelineProduct.objects.bulk_create(
            list(rows.values()),
            batch_size=CHUNK,
            update_conflicts=True,
            update_fields=fields,
            **conflict_target("supplier", "source_id"),
        )


def product_unavailable(row: PipelineProduct) -> bool:
    """Nothing of the product can be bought: gone from the supplier, or sold out there."""
    return row.state != ProductState.ACTIVE or bool((row.facts or {}).get("sold_out"))


def card_of_record(record: SupplierRecord) -> str:
    """What a mall's listing card would show of this product: its price and buyable sizes."""
    options = (record.raw or {}).get("options") or []
    sizes = {o.get("size") for o in options if o.get("size") and not o.get("sold_out")}
    return card_text(record.price, sizes)


def card_text(price: int | None, sizes: Iterable[str] | None) -> str:
    if price is None or sizes is None:
        return ""
    return f"{price}|{','.join(sorted(sizes))}"[:500]


def products_mark_gone(unit: CollectUnit, source_ids: Iterable[str]) -> int:
    """Mark products the supplier no longer lists as gone; returns how many changed."""
    marked = 0
    for chunk in chunked(list(source_ids)):
        marked += PipelineProduct.objects.filter(
            supplier=unit.supplier, source_id__in=chunk, state=ProductState.ACTIVE
        ).update(state=ProductState.GONE)
    return marked


def products_reactivate(unit: CollectUnit, source_ids: Iterable[str]) -> None:
    """Products listed again after they were gone."""
    for chunk in chunked(list(source_ids)):
        PipelineProduct.objects.filter(supplier=unit.supplier, source_id__in=chunk).update(
            state=ProductState.ACTIVE
        )


def products_save(rows: Sequence[PipelineProduct], fields: Sequence[str]) -> None:
    """Write ``fields`` of these rows (bulk; ``bulk_update`` does not touch auto_now itself)."""
    now = get_clock().now()
    for row in rows:
        row.updated_at = now
    if rows:
        PipelineProduct.objects.bulk_update(rows, [*fields, "updated_at"], batch_size=CHUNK)


def current_records(supplier: str, source_ids: Sequence[str]) -> dict[str, CurrentRecord]:
    """The current source record of each id that has one."""
    found: dict[str, CurrentRecord] = {}
    for chunk in chunked(list(source_ids)):
        rows = SourceData.objects.filter(
            source_system=supplier, source_id__in=chunk, is_current=True
        ).values_list("source_id", "version", "content_hash", "raw")
        for source_id, version, content_hash, raw in rows:
            found[source_id] = CurrentRecord(version, content_hash, raw)
    return found


def current_hashes(supplier: str, source_ids: Sequence[str]) -> dict[str, str]:
    """The content hash of each id's current source record (no JSON read)."""
    found: dict[str, str] = {}
    for chunk in chunked(list(source_ids)):
        found.update(
            SourceData.objects.filter(
                source_system=supplier, source_id__in=chunk, is_current=True
            ).values_list("source_id", "content_hash")
        )
    return found
