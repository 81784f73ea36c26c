"""The embedded log: a SQLite file of its own under the var directory (WAL, one row per
entry), so appends never contend with the project's database and no server is needed."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from analytics.transports.contract import Entry, TransportError


class EmbeddedLog:
    name = "embedded"

    def __init__(self, path: str | Path | None = None, *, prefix: str = "yooini") -> None:
        if path is None:
            from django.conf import settings

            path = Path(settings.YOOINI_VAR_DIR) / "analytics" / f"{prefix}-log.sqlite3"
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._db() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS log (topic TEXT NOT NULL, offset INTEGER NOT NULL,"
                " data BLOB NOT NULL, PRIMARY KEY (topic, offset)) WITHOUT ROWID"
            )
            # consumer groups: how far each group has handed out, and what is not acked yet
            db.execute(
                "CREATE TABLE IF NOT EXISTS groups (topic TEXT NOT NULL, grp TEXT NOT NULL,"
                " handed INTEGER NOT NULL, PRIMARY KEY (topic, grp)) WITHOUT ROWID"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS pending (topic TEXT NOT NULL, grp TEXT NOT NULL,"
                " offset INTEGER NOT NULL, consumer TEXT NOT NULL,"
                " PRIMARY KEY (topic, grp, offset)) WITHOUT ROWID"
            )

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            try:
                db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            except sqlite3.Error as exc:
                raise TransportError(f"embedded log {self.path}: {exc}") from None
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL survives kill -9
            self._local.db = db
        return db

    def append(self, topic: str, entry: bytes) -> int:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")  # the next offset is read and taken under one write lock
        try:
            (last,) = db.execute(
                "SELECT COALESCE(MAX(offset), -1) FROM log WHERE topic = ?", (topic,)
            ).fetchone()
            db.execute("INSERT INTO log VALUES (?, ?, ?)", (topic, last + 1, entry))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return last + 1

    def read(self, topic: str, after: int | None, limit: int, wait: float = 0.0) -> list[Entry]:
        deadline = time.monotonic() + wait
        while True:
            rows = (
                self._db()
                .execute(
                    "SELECT offset, data FROM log WHERE topic = ? AND offset > ?"
                    " ORDER BY offset LIMIT ?",
                    (topic, -1 if after is None else after, limit),
                )
                .fetchall()
            )
            if rows or time.monotonic() >= deadline:
                return [Entry(offset, bytes(data)) for offset, data in rows]
            time.sleep(min(0.02, max(0.0, deadline - time.monotonic())))

    def last_offset(self, topic: str) -> int | None:
        (last,) = (
            self._db().execute("SELECT MAX(offset) FROM log WHERE topic = ?", (topic,)).fetchone()
        )
        return last

    def group_read(
        self, topic: str, group: str, consumer: str, limit: int, wait: float = 0.0
    ) -> list[Entry]:
        deadline = time.monotonic() + wait
        while True:
            entries = self._group_take(topic, group, consumer, limit)
            if entries or time.monotonic() >= deadline:
                return entries
            time.sleep(min(0.02, max(0.0, deadline - time.monotonic())))

    def _group_take(self, topic: str, group: str, consumer: str, limit: int) -> list[Entry]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")  # handing out and recording it are one step
        try:
            rows = db.execute(
                "SELECT l.offset, l.data FROM pending p JOIN log l"
                " ON l.topic = p.topic AND l.offset = p.offset"
                " WHERE p.topic = ? AND p.grp = ? AND p.consumer = ? ORDER BY p.offset LIMIT ?",
                (topic, group, consumer, limit),
            ).fetchall()
            if not rows:
                found = db.execute(
                    "SELECT handed FROM groups WHERE topic = ? AND grp = ?", (topic, group)
                ).fetchone()
                handed = -1 if found is None else found[0]
                rows = db.execute(
                    "SELECT offset, data FROM log WHERE topic = ? AND offset > ?"
                    " ORDER BY offset LIMIT ?",
                    (topic, handed, limit),
                ).fetchall()
                if rows:
                    db.executemany(
                        "INSERT INTO pending VALUES (?, ?, ?, ?)",
                        [(topic, group, offset, consumer) for offset, _ in rows],
                    )
                    db.execute(
                        "INSERT INTO groups VALUES (?, ?, ?) ON CONFLICT (topic, grp)"
                        " DO UPDATE SET handed = excluded.handed",
                        (topic, group, rows[-1][0]),
                    )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return [Entry(offset, bytes(data)) for offset, data in rows]

    def ack(self, topic: str, group: str, offsets: list[int]) -> None:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "DELETE FROM pending WHERE topic = ? AND grp = ? AND offset = ?",
            [(topic, group, offset) for offset in offsets],
        )
        db.execute("COMMIT")

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
