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
from yooini.db import chunked

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


def source_data_normalized_update(
    *, source_system: str, normalized: Mapping[str, Mapping[str, Any] | None]
) -> int:
    """Write each current record's ``normalized`` data by source id, in bulk, and move it to
    ``processed`` (``error`` for ``None``: the record could not be normalized). Returns the
    rows written; ids without a current record are skipped."""
    now = get_clock().now()
    written = 0
    for chunk in chunked(list(normalized), 500):
        rows = list(
            SourceData.objects.filter(
                source_system=source_system, source_id__in=chunk, is_current=True
            )
        )
        for row in rows:
            value = normalized[row.source_id]
            row.normalized = dict(value) if value is not None else {}
            json_text("normalized", row.normalized)
            row.processing_status = (
                ProcessingStatus.PROCESSED if value is not None else ProcessingStatus.ERROR
            )
            row.updated_at = now
        SourceData.objects.bulk_update(rows, ["normalized", "processing_status", "updated_at"])
        written += len(rows)
    return written


def source_data_market_update_many(
    *, source_system: str, market: str, entries: Mapping[str, Mapping[str, Any]]
) -> int:
    """``source_data_market_update`` for many records of one system and one market, in one
    transaction per 500 records (rows locked, as one update does); nested objects are merged
    (``deep_merged``). Returns the rows written."""
    now = get_clock().now()
    stamp = json_timestamp(now)
    written = 0
    for chunk in chunked(list(entries), 500):

        def merge(chunk=chunk) -> int:
            rows = list(
                SourceData.objects.select_for_update().filter(
                    source_system=source_system, source_id__in=chunk, is_current=True
                )
            )
            for row in rows:
                values = {
                    k: json_timestamp(v) if isinstance(v, datetime) else v
                    for k, v in entries[row.source_id].items()
                }
                old = row.market_data.get(market, {})
                if "price" in values and values["price"] != old.get("price"):
                    values.setdefault("price_updated_at", stamp)
                entry = deep_merged(old, values)
                market_entry_check(market, entry)
                json_text("market_data", entry)
                row.market_data = {**row.market_data, market: entry}
                row.updated_at = now
            SourceData.objects.bulk_update(rows, ["market_data", "updated_at"])
            return len(rows)

        written += atomic_retrying(merge)
    return written


def source_data_ai_update_many(
    *, source_system: str, values: Mapping[str, Mapping[str, Any]]
) -> int:
    """``source_data_ai_update`` for many records of one system: each id's values merged into
    its current ``ai_data`` (``deep_merged``), in one locked transaction per 500 records.
    Returns the rows written."""
    now = get_clock().now()
    written = 0
    for chunk in chunked(list(values), 500):

        def merge(chunk=chunk) -> int:
            rows = list(
                SourceData.objects.select_for_update().filter(
                    source_system=source_system, source_id__in=chunk, is_current=True
                )
            )
            for row in rows:
                ai_data = deep_merged(row.ai_data, values[row.source_id])
                ai_data_check(ai_data)
                json_text("ai_data", ai_data)
                row.ai_data = ai_data
                row.updated_at = now
            SourceData.objects.bulk_update(rows, ["ai_data", "updated_at"])
            return len(rows)

        written += atomic_retrying(merge)
    return written


def deep_merged(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """``old`` updated with ``new``; where both hold an object under a key, the objects are
    merged the same way (so one account's or one market's entry never drops another's)."""
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merged(merged[key], value)
        else:
            merged[key] = value
    return merged
