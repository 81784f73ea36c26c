"""In-place updates of a current record's derived data (market state, AI results).

Derived data does not make a version: only raw content does. Each update is a short
read-modify-write under ``select_for_update`` (on SQLite the IMMEDIATE transaction serializes
writers), so two stages updating different markets of one record both land, and an update
racing with a new version of the record lands on the version that stays current (the upsert
locks the rows whose derived data it carries forward). A deadlock is retried
(``atomic_retrying``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from orchestrator.core.clock import get_clock

from ..models import ProcessingStatus, SourceData
from ..records import InvalidRecord, ai_data_check, json_text, market_entry_check
from ..timestamps import json_timestamp
from .transactions import atomic_retrying


def source_data_market_update(
    *, source_system: str, source_id: str, market: str, values: Mapping[str, Any]
) -> SourceData:
    """Merge ``values`` into ``market_data[market]`` of the current version and return it.

    Datetimes become ``json_timestamp`` text; setting ``price`` without ``price_updated_at``
    stamps it with the clock's now. ``SourceData.DoesNotExist`` if there is no current row,
    ``InvalidRecord`` (a ``ValueError``) if the merged entry breaks the market contract.
    """
    now = get_clock().now()
    values = {k: json_timestamp(v) if isinstance(v, datetime) else v for k, v in values.items()}
    if "price" in values and "price_updated_at" not in values:
        values["price_updated_at"] = json_timestamp(now)

    def merge() -> SourceData:
        row = _current_for_update(source_system, source_id)
        entry = {**row.market_data.get(market, {}), **values}
        market_entry_check(market, entry)
        json_text("market_data", entry)
        row.market_data = {**row.market_data, market: entry}
        row.updated_at = now
        row.save(update_fields=["market_data", "updated_at"])
        return row

    return atomic_retrying(merge)


def source_data_ai_update(
    *,
    source_system: str,
    source_id: str,
    values: Mapping[str, Any],
    processing_status: str | None = None,
) -> SourceData:
    """Merge ``values`` into ``ai_data`` of the current version (and set its processing
    status when given); same errors as ``source_data_market_update``."""
    if processing_status is not None and processing_status not in ProcessingStatus.values:
        raise InvalidRecord("processing_status", f"unknown status {processing_status!r}")
    now = get_clock().now()

    def merge() -> SourceData:
        row = _current_for_update(source_system, source_id)
        ai_data = {**row.ai_data, **values}
        ai_data_check(ai_data)
        json_text("ai_data", ai_data)
        row.ai_data = ai_data
        row.updated_at = now
        fields = ["ai_data", "updated_at"]
        if processing_status is not None:
            row.processing_status = processing_status
            fields.append("processing_status")
        row.save(update_fields=fields)
        return row

    return atomic_retrying(merge)


def _current_for_update(source_system: str, source_id: str) -> SourceData:
    query = SourceData.objects.select_for_update().filter(
        source_system=source_system, source_id=source_id, is_current=True
    )
    row = query.first()
    if row is None:
        # A new version may have replaced the row while this statement waited for its lock
        # (the locked row then no longer matches); a second look finds the new one.
        row = query.get()
    return row
