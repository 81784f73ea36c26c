"""Bulk upsert of source records: a new version only when the raw content really changed.

Per chunk, in one short transaction: one query reads the current (id, hash, version) of the
chunk's keys; if some changed, one query reads (and locks) their derived data and one UPDATE
retires them; one INSERT (COPY on PostgreSQL) writes first and new versions; one UPDATE ...
WHERE id IN marks the unchanged rows as seen. Nothing is read or written row by row; the hot
statements are plain SQL (``bulk_sql``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import IntegrityError, OperationalError, connection
from django.db.models import TextField
from django.db.models.functions import Cast

from orchestrator.core.clock import get_clock

from ..models import ProcessingStatus, SourceData
from ..records import CheckedRecord, InvalidRecord, Rejection, SourceRecord, record_check
from .bulk_sql import current_versions, db_timestamp, rows_insert, rows_mark_seen
from .transactions import atomic_retrying

# The checking thread hands the GIL over every this many records when the database is a server:
# the writing thread, back from a socket read, then waits microseconds for the GIL instead of
# the interpreter's 5 ms switch interval (a query costs several such hand-overs). SQLite runs
# in-process and gains nothing from it.
GIL_YIELD_EVERY = 32
_BATCH_ID_MAX = SourceData._meta.get_field("batch_id").max_length


class _StaleRead(Exception):
    """The chunk read a current row that another writer retired before this one could."""


# Two writers that both saw no current row for a key collide on the unique constraint (or
# deadlock on its locks, or one retires a row the other read); the loser's chunk rolls back,
# re-reads and tries again (``atomic_retrying``).
_LOST_RACE = (IntegrityError, OperationalError, _StaleRead)


@dataclass(frozen=True)
class UpsertResult:
    """What ``source_data_upsert_many`` did: every input record is counted exactly once."""

    created: int = 0
    changed: int = 0
    unchanged: int = 0
    rejections: tuple[Rejection, ...] = field(default=())

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    @property
    def total(self) -> int:
        return self.created + self.changed + self.unchanged + self.rejected

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejections": [r.as_dict() for r in self.rejections],
        }


@dataclass
class _Counts:
    created: int = 0
    changed: int = 0
    unchanged: int = 0


def source_data_upsert_many(
    records: Iterable[SourceRecord], *, batch_id: str = "", chunk_size: int = 1000
) -> UpsertResult:
    """Store ``records`` (any iterable, read once, chunk by chunk).

    Promises:
    - a record whose raw content (``content_hash``) equals the current version's is only
      marked as seen (``last_seen_at``, and ``batch_id`` when given); no row is written;
    - a changed record gets a new row ``version + 1`` that becomes current; the old row stays
      as history (``is_current`` NULL, ``superseded_at`` set);
    - an invalid record is rejected with its index and reason and never stops the others;
    - the same key twice in one call is applied in input order, as two calls would be;
    - each chunk commits on its own: a crash loses at most the chunk in flight, and running
      the same call again converges (the committed chunks come back as unchanged).
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    if len(batch_id) > _BATCH_ID_MAX:
        raise ValueError(f"batch_id longer than {_BATCH_ID_MAX} characters")
    counts = _Counts()
    rejections: list[Rejection] = []
    # Validation and hashing (pure Python, about half the work) of chunk n+1 run in a worker
    # thread while the database writes chunk n; the input is still read on this thread.
    yield_every = 0 if connection.vendor == "sqlite" else GIL_YIELD_EVERY
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="source-data-check") as pool:
        pending = None
        for first_index, chunk in _input_chunks(records, chunk_size):
            checking = pool.submit(_check_chunk, chunk, first_index, yield_every)
            if pending is not None:
                _write_chunk(pending.result(), batch_id, counts, rejections)
            pending = checking
        if pending is not None:
            _write_chunk(pending.result(), batch_id, counts, rejections)
    return UpsertResult(counts.created, counts.changed, counts.unchanged, tuple(rejections))


def _input_chunks(records: Iterable[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    iterator = iter(records)
    first = 0
    while chunk := list(islice(iterator, size)):
        yield first, chunk
        first += len(chunk)


def _check_chunk(
    chunk: list[Any], first_index: int, yield_every: int
) -> tuple[list[CheckedRecord], list[Rejection]]:
    checked: list[CheckedRecord] = []
    rejected: list[Rejection] = []
    for index, record in enumerate(chunk, first_index):
        if yield_every and index % yield_every == 0:
            time.sleep(0)
        try:
            checked.append(record_check(record))
        except InvalidRecord as exc:
            source_id = str(getattr(record, "source_id", ""))[:200]
            # A broken character or a NUL in the id itself is shown escaped, never as is.
            source_id = source_id.replace("\x00", "\\x00")
            source_id = source_id.encode("utf-8", "backslashreplace").decode()
            rejected.append(Rejection(index, source_id, exc.field, exc.reason))
    return checked, rejected


def _write_chunk(
    checked: tuple[list[CheckedRecord], list[Rejection]],
    batch_id: str,
    counts: _Counts,
    rejections: list[Rejection],
) -> None:
    items, rejected = checked
    rejections.extend(rejected)
    for round_ in _rounds(items):
        _write_round(round_, batch_id, counts)


def _rounds(chunk: list[CheckedRecord]) -> list[list[CheckedRecord]]:
    """Split a chunk so that no key appears twice in a round; the n-th occurrence of a key
    goes to round n, which keeps input order per key."""
    if len({item.record.key for item in chunk}) == len(chunk):
        return [chunk] if chunk else []
    seen: dict[tuple[str, str], int] = {}
    rounds: list[list[CheckedRecord]] = []
    for item in chunk:
        key = item.record.key
        n = seen.get(key, 0)
        seen[key] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(item)
    return rounds


def _write_round(items: list[CheckedRecord], batch_id: str, counts: _Counts) -> None:
    created, changed, unchanged = atomic_retrying(
        lambda: _apply(items, batch_id, get_clock().now()), retry_on=_LOST_RACE
    )
    counts.created += created
    counts.changed += changed
    counts.unchanged += unchanged


def _apply(items: list[CheckedRecord], batch_id: str, now: datetime) -> tuple[int, int, int]:
    current = _current_versions(items)
    stamp = db_timestamp(now)
    rows: list[tuple[Any, ...]] = []
    seen_ids: list[int] = []
    changed: list[tuple[CheckedRecord, tuple[int, str, int]]] = []
    for item in items:
        found = current.get(item.record.key)
        if found is None:
            rows.append(_row(item, 1, batch_id, stamp, None))
        elif found[1] == item.content_hash:
            seen_ids.append(found[0])
        else:
            changed.append((item, found))
    created = len(rows)
    if changed:
        previous = _derived_of([found[0] for item, found in changed if _carries_forward(item)])
        # Retire before inserting: the unique (source_id, source_system, is_current) admits one
        # current row. Fewer rows retired than read means another writer got there first.
        old_ids = [found[0] for _, found in changed]
        retired = SourceData.objects.filter(id__in=old_ids, is_current=True).update(
            is_current=None, superseded_at=now, updated_at=now
        )
        if retired != len(old_ids):
            raise _StaleRead(f"{len(old_ids) - retired} current rows changed under this chunk")
        rows.extend(
            _row(item, found[2] + 1, batch_id, stamp, previous.get(found[0]))
            for item, found in changed
        )
    rows_insert(rows)
    if seen_ids:
        rows_mark_seen(seen_ids, now=now, batch_id=batch_id)
    return created, len(changed), len(seen_ids)


def _current_versions(items: list[CheckedRecord]) -> dict[tuple[str, str], tuple[int, str, int]]:
    """(system, id) -> (row id, content hash, version) of the chunk's current rows: one query."""
    keys = {item.record.key for item in items}
    found: dict[tuple[str, str], tuple[int, str, int]] = {}
    for row_id, system, source_id, digest, version in current_versions(list(keys)):
        if (system, source_id) in keys:
            found[(system, source_id)] = (row_id, digest, version)
    return found


def _carries_forward(item: CheckedRecord) -> bool:
    return item.normalized_json is None or item.market_json is None or item.ai_json is None


def _derived_of(ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """The derived JSON of rows, as text: carried into the new version unparsed. The rows are
    locked (in id order), so a concurrent ``source_data_market_update`` lands either before
    this read (and is carried) or after the new version exists (and goes to it)."""
    if not ids:
        return {}
    text = [Cast(name, TextField()) for name in ("normalized", "market_data", "ai_data")]
    rows = (
        SourceData.objects.select_for_update()
        .filter(id__in=ids)
        .order_by("id")
        .values_list("id", *text)
    )
    return {row[0]: row[1:] for row in rows}


def _row(
    item: CheckedRecord,
    version: int,
    batch_id: str,
    stamp: Any,
    previous: tuple[str, str, str] | None,
) -> tuple[Any, ...]:
    """A row in ``bulk_sql.COLUMNS`` order."""
    record = item.record
    normalized, market_data, ai_data = previous or ("{}", "{}", "{}")
    return (
        record.source_type,
        record.source_system,
        record.source_id,
        item.raw_json,
        normalized if item.normalized_json is None else item.normalized_json,
        market_data if item.market_json is None else item.market_json,
        ai_data if item.ai_json is None else item.ai_json,
        item.content_hash,
        version,
        True,
        ProcessingStatus.RAW.value,
        batch_id,
        stamp,
        stamp,
        stamp,
    )
