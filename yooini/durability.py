"""``durable_atomic()``: a transaction whose commit is on disk before the block returns.

Use it for the record written before an external side effect (a market call, a supplier
purchase): if the record could be lost after the call was made, a rerun would make the call
twice. See docs/decisions/0009-durable-record-before-side-effects.md.

- SQLite runs in WAL mode with ``synchronous=NORMAL``: a commit survives a killed process
  but not a power cut (the WAL is synced only at checkpoints). Inside ``durable_atomic`` the
  connection runs ``synchronous=FULL``, so this COMMIT syncs the WAL; the setting is restored
  afterwards (https://www.sqlite.org/pragma.html#pragma_synchronous).
- PostgreSQL: ``SET LOCAL synchronous_commit = on`` for this transaction, whatever the
  server or session default: COMMIT returns once its WAL is flushed (and, with synchronous
  standbys, once they have it). https://www.postgresql.org/docs/current/wal-async-commit.html
- MariaDB: durability is a server setting only (``innodb_flush_log_at_trx_commit = 1``, and
  ``sync_binlog = 1`` when the binary log is on): a plain transaction, and a warning (here,
  once per process, and from ``yooini check``) when the server is weaker.

The block must be the outermost transaction (``atomic(durable=True)``): inside another
transaction its commit would not be the one that reaches the disk.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

log = logging.getLogger("yooini.durability")

_FULL = 2  # PRAGMA synchronous values: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
_checked: set[str] = set()
_warned_lock = threading.Lock()


@contextlib.contextmanager
def durable_atomic(using: str | None = None) -> Iterator[None]:
    """``transaction.atomic(durable=True)`` whose COMMIT is synced to disk on every database
    (see the module docstring). Raises ``RuntimeError`` inside another transaction."""
    alias = using or DEFAULT_DB_ALIAS
    connection = connections[alias]
    if connection.vendor == "sqlite":
        with _sqlite_full_sync(connection), transaction.atomic(using=alias, durable=True):
            yield
        return
    if connection.vendor == "mysql":
        _check_once(alias)
    with transaction.atomic(using=alias, durable=True):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO on")
        yield


@contextlib.contextmanager
def _sqlite_full_sync(connection) -> Iterator[None]:
    # Only outside a transaction: SQLite may ignore a change of this setting inside one.
    if connection.in_atomic_block:
        if all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
            # A test case's transaction, which Django's durable check ignores too: it is
            # never committed, so there is nothing to sync.
            yield
            return
        raise RuntimeError("durable_atomic must be the outermost transaction")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        before = cursor.fetchone()[0]
        if before >= _FULL:
            yield
            return
        cursor.execute(f"PRAGMA synchronous = {_FULL}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA synchronous = {int(before)}")


def durability_problems(using: str | None = None) -> list[str]:
    """What in the database server's settings lets a committed transaction be lost in a
    power cut even through ``durable_atomic`` (empty when nothing does)."""
    connection = connections[using or DEFAULT_DB_ALIAS]
    problems: list[str] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW fsync")
            if cursor.fetchone()[0] != "on":
                problems.append("PostgreSQL runs with fsync=off: no commit is ever on disk")
        elif connection.vendor == "mysql":
            cursor.execute("SELECT @@innodb_flush_log_at_trx_commit, @@log_bin, @@sync_binlog")
            problems += mariadb_problems(*cursor.fetchone())
    return problems


def mariadb_problems(flush_log_at_trx_commit, log_bin, sync_binlog) -> list[str]:
    """What in these MariaDB server settings lets a returned commit be lost in a power cut.
    https://mariadb.com/kb/en/innodb-system-variables/#innodb_flush_log_at_trx_commit"""
    problems = []
    if int(flush_log_at_trx_commit) != 1:
        problems.append(
            f"innodb_flush_log_at_trx_commit={flush_log_at_trx_commit}: a commit is not on "
            "disk when it returns; set it to 1"
        )
    if int(log_bin) and int(sync_binlog) != 1:
        problems.append(
            f"sync_binlog={sync_binlog} with the binary log on: set it to 1 so that a commit "
            "is in the binary log on disk too"
        )
    return problems


def _check_once(alias: str) -> None:
    """Read the server's settings once per process (not per commit) and warn if weak."""
    with _warned_lock:
        if alias in _checked:
            return
        _checked.add(alias)
    for problem in durability_problems(alias):
        log.warning("durable commits on database %r are not durable: %s", alias, problem)


@checks.register(checks.Tags.database)
def durability_check(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """``yooini check --database default``: warn when the server's settings are weaker than
    what ``durable_atomic`` needs."""
    found = []
    for alias in databases or ():
        try:
            problems = durability_problems(alias)
        except DatabaseError as exc:
            problems = [f"cannot read the server's settings ({type(exc).__name__})"]
        found += [
            checks.Warning(problem, id="yooini.W001", obj=f"database {alias!r}")
            for problem in problems
        ]
    return found
