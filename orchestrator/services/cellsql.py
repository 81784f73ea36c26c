"""The hot path's statements on the cells table, as plain SQL.

Claiming and recording a cell happen for every stage run; through the ORM each statement costs
~0.3 ms of Python before it reaches the database, ten times the statement itself. These few
statements are written once here, portable across SQLite, PostgreSQL and MariaDB (quoted names,
values adapted by the backend), and everything else stays on the ORM.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections

CELL = "yooini_stage_run"
BATCH = "yooini_batch"
EVENT = "yooini_event"


def q(name: str) -> str:
    return connection.ops.quote_name(name)


_sql_cache: dict[tuple[str, str], str] = {}


def sql_for(name: str, build) -> str:
    """A statement built once per database vendor (quoting differs between them)."""
    key = (connection.vendor, name)
    if key not in _sql_cache:
        _sql_cache[key] = build()
    return _sql_cache[key]


_adapted: dict[datetime, Any] = {}


def ts(value: datetime | None) -> Any:
    """A datetime as the backend stores it; the same instant recurs in every statement of a
    round, so the (costly) adaptation is remembered for the last few (a process talks to one
    database)."""
    if value is None:
        return None
    adapted = _adapted.get(value)
    if adapted is None:
        if len(_adapted) > 64:
            _adapted.clear()
        adapted = _adapted[value] = connection.ops.adapt_datetimefield_value(value)
    return adapted


def js(value: Any) -> Any:
    return None if value is None else connection.ops.adapt_json_value(value, None)


def from_js(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _in(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


_cursors = threading.local()


def _cursor(db) -> tuple[Any, bool]:
    """This thread's cursor on its current connection, made once per connection, and whether
    it is the driver's own (placeholders ``?`` on SQLite).

    The hot path runs a few statements per stage run; Django's cursor wrapper costs more than
    SQLite itself spends on most of them. When anything watches the queries (DEBUG, a test
    counting them, an ``execute_wrapper``) Django's wrapper is used, so they see every one.
    """
    watched = bool(db.execute_wrappers) or db.queries_logged
    if not watched:
        db.ensure_connection()
    key = (db.connection, watched)
    if getattr(_cursors, "key", None) != key or db.connection is None:
        cursor = db.cursor() if watched else db.connection.cursor()
        _cursors.cursor, _cursors.key = cursor, (db.connection, watched)
    return _cursors.cursor, not watched


def _run(sql: str, params: Sequence[Any]):
    db = connections[DEFAULT_DB_ALIAS]  # the proxy's every attribute is a thread-local lookup
    cursor, driver = _cursor(db)
    if driver and db.vendor == "sqlite":
        sql = sql.replace("%s", "?")
    cursor.execute(sql, params)
    return cursor


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    return _run(sql, params).rowcount


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    return _run(sql, params).fetchall()


def lock_dispatch() -> bool:
    """Lock the dispatch row; False when it is missing (the caller creates it).

    SQLite has no row locks; its IMMEDIATE transaction already holds the database's write lock.
    """
    if connection.vendor == "sqlite":
        return True
    return bool(fetch("SELECT name FROM yooini_lock WHERE name = %s FOR UPDATE", ["dispatch"]))


# A stage run that nobody holds: no owner, no lease, no deadline.
CLEAR_LEASE = {"lease_owner": "", "lease_expires_at": None, "deadline_at": None}

READY_COLUMNS = (
    "id",
    "attempt",
    "failures",
    "batch_id",
    "workflow",
    "partition",
    "stage",
    "resource",
    "checkpoint",
)


def ready_cells(
    batch_ids: list[str] | None, now: datetime, limit: int, workflows: Sequence[str]
) -> list[dict[str, Any]]:
    """Ready cells of running, not cancelled batches of the named ``workflows`` (those this
    process knows), oldest first, with their batch's mode, params and run settings."""
    if not workflows:
        return []
    head = sql_for(
        "ready",
        lambda: (
            "SELECT "
            + ", ".join(f"c.{q(c)}" for c in READY_COLUMNS)
            + f", b.{q('mode')}, b.{q('params')}, b.{q('settings')} "
            f"FROM {CELL} c JOIN {BATCH} b ON b.id = c.batch_id WHERE "
        ),
    )
    where, params = _batch_filter(batch_ids)
    sql = (
        f"{head}{where} c.workflow IN ({_in(workflows)}) "
        f"AND c.status = 'PENDING' AND c.waiting_on = 0 "
        f"AND (c.next_attempt_at IS NULL OR c.next_attempt_at <= %s) "
        f"AND b.status = 'RUNNING' AND b.cancel_requested = %s "
        f"ORDER BY c.id LIMIT {int(limit)}"
    )
    rows = fetch(sql, [*params, *workflows, ts(now), False])
    out = []
    for row in rows:
        cell = dict(zip(READY_COLUMNS, row, strict=False))
        cell["checkpoint"] = from_js(cell["checkpoint"])
        cell["mode"] = row[len(READY_COLUMNS)]
        cell["params"] = from_js(row[len(READY_COLUMNS) + 1]) or {}
        cell["settings"] = from_js(row[len(READY_COLUMNS) + 2]) or {}
        out.append(cell)
    return out


def _batch_filter(batch_ids: list[str] | None) -> tuple[str, list[Any]]:
    if batch_ids is None:
        return "", []
    return f"c.batch_id IN ({_in(batch_ids)}) AND", list(batch_ids)


def mark_running(
    ids: list[int],
    *,
    owner: str,
    now: datetime,
    lease_until: datetime,
    deadline: datetime | None,
    confirm: bool = False,
) -> dict[int, int] | None:
    """Mark the cells that are still PENDING as RUNNING. With ``confirm`` (PostgreSQL), return
    {id: new attempt} of those this statement took, for a claimer holding no common lock."""
    at = ts(now)
    sql = (
        f"UPDATE {CELL} SET status = 'RUNNING', attempt = attempt + 1, lease_owner = %s, "
        f"lease_expires_at = %s, started_at = %s, updated_at = %s, deadline_at = %s "
        f"WHERE id IN ({_in(ids)}) AND status = 'PENDING'"
    )
    params = [owner, ts(lease_until), at, at, ts(deadline), *ids]
    if confirm:
        return dict(fetch(sql + " RETURNING id, attempt", params))
    execute(sql, params)
    return None


_DONE_SET = (
    "SET status = 'DONE', item_count = %s, result = %s, finished_at = %s, updated_at = %s, "
    "next_attempt_at = NULL, error = '', error_type = '', traceback = '', lease_owner = '', "
    "lease_expires_at = NULL, deadline_at = NULL WHERE id = %s AND attempt = %s AND status = 'RUNNING'"
)


def mark_done(
    cell_id: int,
    attempt: int,
    *,
    items: int,
    result: Any,
    now: datetime,
    children: Sequence[str],
    batch_id: str,
    partition: str,
    event: tuple | None = None,
) -> tuple[bool, bool]:
    """DONE for the holder of ``attempt`` only, releasing ``children`` of the same partition;
    nothing is written for anyone else. Returns (done, event written): where it saves a round
    trip (PostgreSQL) the ``event`` row goes in the same statement, else the caller writes it."""
    done_params = [items, js(result), *[ts(now)] * 2, cell_id, attempt]
    if connection.vendor == "postgresql":
        # One round trip instead of three: release and event only if the DONE update matched.
        parts = [f"WITH done AS (UPDATE {CELL} {_DONE_SET} RETURNING id)"]
        params: list[Any] = list(done_params)
        if children:
            parts.append(
                f"released AS (UPDATE {CELL} SET waiting_on = waiting_on - 1 WHERE EXISTS "
                f"(SELECT 1 FROM done) AND batch_id = %s AND {q('partition')} = %s "
                f"AND stage IN ({_in(children)}) AND status = 'PENDING')"
            )
            params += [batch_id, partition, *children]
        if event is not None:
            parts.append(
                f"logged AS (INSERT INTO {EVENT} ({q('type')}, payload, source, created_at, "
                "correlation_id, causation_id, dispatched_at) SELECT %s, %s, %s, %s, %s, %s, %s "
                "WHERE EXISTS (SELECT 1 FROM done))"
            )
            params += _event_params(event)
        done = bool(fetch(", ".join(parts) + " SELECT count(*) FROM done", params)[0][0])
        return done, done and event is not None
    if not execute(f"UPDATE {CELL} {_DONE_SET}", done_params):
        return False, False
    if children:
        release_children(batch_id, partition, children)
    return True, False


def _event_params(row: tuple) -> list[Any]:
    kind, payload, source, created, correlation, causation, dispatched = row
    return [kind, js(payload), source, ts(created), correlation, causation, ts(dispatched)]


def release_children(batch_id: str, partition: str, stages: Iterable[str]) -> None:
    names = list(stages)
    head = sql_for(
        "release",
        lambda: (
            f"UPDATE {CELL} SET waiting_on = waiting_on - 1 WHERE batch_id = %s AND {q('partition')} = %s "
        ),
    )
    execute(
        f"{head}AND stage IN ({_in(names)}) AND status = 'PENDING'", [batch_id, partition, *names]
    )


def insert_events(rows: list[tuple[str, dict, str, datetime, str, str, datetime | None]]) -> None:
    """Insert (type, payload, source, created_at, correlation_id, causation_id, dispatched_at) rows."""
    for start in range(0, len(rows), 100):  # stay far below every backend's parameter limit
        chunk = rows[start : start + 100]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
        params: list[Any] = []
        for kind, payload, source, created, correlation, causation, dispatched in chunk:
            params += [
                kind,
                js(payload),
                source,
                ts(created),
                correlation,
                causation,
                ts(dispatched),
            ]
        head = sql_for(
            "events",
            lambda: (
                f"INSERT INTO {EVENT} ({q('type')}, payload, source, created_at, correlation_id, "
                "causation_id, dispatched_at) VALUES "
            ),
        )
        execute(head + values, params)


def can_mark_many() -> bool:
    """Whether this database takes ``mark_done_many``'s one statement (UPDATE ... FROM ...
    RETURNING: PostgreSQL, SQLite >= 3.35; MariaDB has no UPDATE ... RETURNING)."""
    if connection.vendor == "postgresql":
        return True
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 35)
    return False


def mark_done_many(done: list[tuple[int, int, int, Any]], *, now: datetime) -> set[int]:
    """DONE for many (cell id, attempt, items, result) at once, each only for the holder of
    its attempt; returns the ids that were marked."""
    row = (
        "(%s::bigint, %s::int, %s::int, %s::jsonb)"
        if connection.vendor == "postgresql"
        else "(%s, %s, %s, %s)"
    )
    params: list[Any] = []
    for cell_id, attempt, items, result in done:
        params += [cell_id, attempt, items, js(result)]
    at = ts(now)
    sql = (
        f"WITH v(id, attempt, items, result) AS (VALUES {', '.join([row] * len(done))}) "
        f"UPDATE {CELL} AS c SET status = 'DONE', item_count = v.items, result = v.result, "
        f"finished_at = %s, updated_at = %s, next_attempt_at = NULL, error = '', error_type = '', "
        f"traceback = '', lease_owner = '', lease_expires_at = NULL, deadline_at = NULL "
        f"FROM v WHERE c.id = v.id AND c.attempt = v.attempt AND c.status = 'RUNNING' "
        # SQLite's RETURNING sees only the updated table, and by its own name.
        + ("RETURNING c.id" if connection.vendor == "postgresql" else "RETURNING id")
    )
    return {r[0] for r in fetch(sql, [*params, at, at])}
