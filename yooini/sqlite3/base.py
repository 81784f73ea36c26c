"""Django's SQLite backend, with the writers of one process queued on a lock.

SQLite lets one writer in at a time; a connection that finds the database locked is put to
sleep by SQLite's busy handler in growing steps (1 ms up to 100 ms), however soon the lock is
free again. With a few threads writing short transactions (the register cells of several
markets, each commit synced to disk), most of their time went to those sleeps. Here every
transaction of the process takes a lock (one per database file) before ``BEGIN IMMEDIATE``
and gives it back at commit or rollback, so the threads of a process take turns at once;
other processes still meet at SQLite's own lock. The lock is waited for as long as SQLite
would (its ``timeout``), and then the transaction goes on to SQLite's busy handler as before,
so a hold-up is never worse than without it. (docs/decisions/0011-sqlite-writers-take-turns.md)
"""

from __future__ import annotations

import threading

from django.db.backends.sqlite3 import base

_locks: dict[str, threading.Lock] = {}
_locks_lock = threading.Lock()


def _writer_lock(name: str) -> threading.Lock:
    with _locks_lock:
        return _locks.setdefault(name, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _writer: threading.Lock | None = None

    def _start_transaction_under_autocommit(self):
        lock = _writer_lock(str(self.settings_dict["NAME"]))
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        if lock.acquire(timeout=timeout):
            self._writer = lock
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._writer_release()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._writer_release()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._writer_release()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._writer_release()

    def _writer_release(self) -> None:
        lock, self._writer = self._writer, None
        if lock is not None:
            lock.release()
