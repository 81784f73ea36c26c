"""Reading and writing the pipelines' product rows (``PipelineProduct``) in bulk.

Every stage works on all the products of one partition at once: one query to read them, one
to read their current source records, bulk writes for what changed. No stage issues a query
per product.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator.core.clock import get_clock
from source_data.models import SourceData
from suppliers.selectors import CollectUnit

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


def products_seen(unit: CollectUnit, source_ids: Iterable[str], *, batch_id: str) -> None:
    """Record that the supplier lists these products now (new ones start here)."""
    rows = [
        PipelineProduct(
            supplier=unit.supplier,
            source_id=source_id,
            unit=unit.label,
            state=ProductState.ACTIVE,
            seen_batch=batch_id,
        )
        for source_id in dict.fromkeys(source_ids)
    ]
    if rows:
        PipelineProduct.objects.bulk_create(
            rows,
            batch_size=CHUNK,
            update_conflicts=True,
            unique_fields=["supplier", "source_id"],
            # A whole-supplier read keeps the brand unit a product already belongs to.
            update_fields=["unit", "state", "seen_batch"]
            if unit.label
            else ["state", "seen_batch"],
        )


def products_mark_gone(unit: CollectUnit, source_ids: Iterable[str]) -> int:
    """Mark products the supplier no longer lists as gone; returns how many changed."""
    marked = 0
    for chunk in chunked(list(source_ids)):
        marked += PipelineProduct.objects.filter(
            supplier=unit.supplier, source_id__in=chunk, state=ProductState.ACTIVE
        ).update(state=ProductState.GONE)
    return marked


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


def chunked(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
