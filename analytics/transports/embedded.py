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

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
