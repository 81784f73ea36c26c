"""The upsert's hot path in plain SQL: read current versions, insert rows, mark rows seen.

The ORM costs more than the database here: ``bulk_create`` prepares every value of every row
through its field (about four times the database's own time for a 15-column row) and an
``id__in`` of 1,000 values is prepared value by value. These statements take values already
in the driver's form: JSON spelled once by validation (``CheckedRecord``), one timestamp per
chunk. They still run through Django's cursor, so they count as queries in tests and tools.
PostgreSQL gets ``COPY`` for inserts (about four times faster than a multi-row INSERT) and
``= ANY(array)`` for key lists; SQLite and MariaDB get multi-row INSERT and ``IN``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection

from ..models import SourceData

COLUMNS = (
    "source_type",
    "source_system",
    "source_id",
    "raw",
    "normalized",
    "market_data",
    "ai_data",
    "content_hash",
    "version",
    "is_current",
    "processing_status",
    "batch_id",
    "created_at",
    "updated_at",
    "last_seen_at",
)
# The binary COPY's wire types, in COLUMNS order (the JSON columns: see ``_copy``).
_PG_TYPES = (
    ["text"] * 3 + ["bytea"] * 4 + ["text", "int4", "bool", "text", "text"] + ["timestamptz"] * 3
)
_JSONB_V1 = b"\x01"
# Parameters per statement: SQLite allows 32766 since 3.32 (999 before); PostgreSQL 65535.
_MAX_PARAMS = 30_000
_TABLE = SourceData._meta.db_table


def db_timestamp(moment: datetime) -> Any:
    """``moment`` as the driver takes it (what the ORM would send)."""
    return connection.ops.adapt_datetimefield_value(moment)


def current_versions(keys: Sequence[tuple[str, str]]) -> list[tuple[int, str, str, str, int]]:
    """(id, source_system, source_id, content_hash, version) of the current rows of ``keys``
    ((system, id) pairs), maybe with a few more rows (the caller keeps what it asked for).

    Both shapes leave the planner one sensible index, the unique (source_id, source_system,
    is_current). PostgreSQL gets a join on ``unnest``: the unique index bound on all three
    columns is known to give one row per key even on a fresh table without statistics (its
    first load), where ``source_id = ANY(...)`` is planned as a scan of the whole table.
    The others filter on ``source_id IN (...)`` alone.
    """
    found: list[tuple[int, str, str, str, int]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.id, t.source_system, t.source_id, t.content_hash, t.version"
                " FROM unnest(%s::varchar[], %s::varchar[]) AS k(source_system, source_id)"
                f" JOIN {_TABLE} t ON t.source_id = k.source_id"
                " AND t.source_system = k.source_system AND t.is_current = true",
                [[key[0] for key in keys], [key[1] for key in keys]],
            )
            return cursor.fetchall()
        head = (
            f"SELECT id, source_system, source_id, content_hash, version FROM {_TABLE}"
            " WHERE is_current = %s AND source_id"
        )
        for part in _parts(sorted({key[1] for key in keys}), 1):
            condition, params = _in_list(part)
            cursor.execute(f"{head} {condition}", [True, *params])
            found.extend(cursor.fetchall())
    return found


def rows_mark_seen(ids: Sequence[int], *, now: datetime, batch_id: str) -> None:
    """Set ``last_seen_at`` (and ``batch_id`` when given) of rows ``ids``: one UPDATE."""
    assignments, values = "last_seen_at = %s", [db_timestamp(now)]
    if batch_id:
        assignments, values = assignments + ", batch_id = %s", [*values, batch_id]
    with connection.cursor() as cursor:
        for part in _parts(ids, len(values)):
            condition, params = _in_list(part)
            cursor.execute(
                f"UPDATE {_TABLE} SET {assignments} WHERE id {condition}", values + params
            )


def rows_insert(rows: Sequence[tuple[Any, ...]]) -> None:
    """INSERT ``rows`` (values in ``COLUMNS`` order, JSON as text, timestamps from
    ``db_timestamp``) in as few statements as the database allows."""
    if not rows:
        return
    columns = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, f"COPY {_TABLE} ({columns}) FROM STDIN (FORMAT BINARY)", rows)
            return
        one = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
        for part in _parts(rows, 0, width=len(COLUMNS)):
            cursor.execute(
                f"INSERT INTO {_TABLE} ({columns}) VALUES {', '.join([one] * len(part))}",
                [value for row in part for value in row],
            )


def _copy(cursor, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Binary COPY: the client formats values in C and the server parses no text for
    numbers, booleans and timestamps. jsonb's binary input is a version byte (1) followed
    by the JSON text, which is what psycopg's own jsonb dumper sends; the JSON columns are
    declared ``bytea`` so that those bytes go as they are."""
    started = time.monotonic()
    # Django's errors (IntegrityError, ...) as execute() would raise them.
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        copy.set_types(_PG_TYPES)
        for row in rows:
            copy.write_row(
                (
                    *row[:3],
                    _JSONB_V1 + row[3].encode(),
                    _JSONB_V1 + row[4].encode(),
                    _JSONB_V1 + row[5].encode(),
                    _JSONB_V1 + row[6].encode(),
                    *row[7:],
                )
            )
    # COPY bypasses Django's execute(); log it as the debug cursor would, so that
    # assertNumQueries and friends still see one statement.
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"{sql} -- {len(rows)} rows", "time": f"{time.monotonic() - started:.3f}"}
        )


def _in_list(values: Sequence[Any]) -> tuple[str, list[Any]]:
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(values)]
    return f"IN ({', '.join(['%s'] * len(values))})", list(values)


def _parts(values: Sequence[Any], fixed: int, *, width: int = 1) -> list[Sequence[Any]]:
    """``values`` cut so that no statement exceeds the parameter limit (``fixed`` other
    parameters, ``width`` parameters per value). PostgreSQL's arrays are one parameter."""
    if connection.vendor == "postgresql" and width == 1:
        return [values]
    limit = (
        999
        if connection.vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 32)
        else _MAX_PARAMS
    )
    size = max(1, (limit - fixed) // width)
    return [values[i : i + size] for i in range(0, len(values), size)]
