"""``durable_atomic`` on the database under test (SQLite, PostgreSQL, MariaDB): the setting
that makes the COMMIT reach the disk is in force inside, restored after, and the record is
readable from another connection the moment the block returns. That the SQLite commit is
really synced before the side effect is proved by tracing it (tests/test_durable_sqlite.py).
"""

from __future__ import annotations

import pytest
from django.core import checks
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from orchestrator.models import EngineLock as Lock
from yooini.durability import (
    durability_check,
    durability_problems,
    durable_atomic,
    mariadb_problems,
)

pytestmark = pytest.mark.usefixtures("transactional_db")


def _setting() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
            return {0: "off", 1: "normal", 2: "full", 3: "extra"}[cursor.fetchone()[0]]
        if connection.vendor == "postgresql":
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]
        cursor.execute("SELECT @@innodb_flush_log_at_trx_commit")
        return f"flush {cursor.fetchone()[0]}"


def test_the_commit_is_synced_inside_and_the_setting_restored_after():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # a session that asked for fast, lossy commits
            cursor.execute("SET synchronous_commit TO off")
    before = _setting()
    with durable_atomic():
        inside = _setting()
        assert connection.in_atomic_block
    expected = {"sqlite": ("normal", "full"), "postgresql": ("off", "on")}.get(
        connection.vendor, (before, before)
    )
    assert (before, inside) == expected
    assert _setting() == before


def test_the_record_is_readable_elsewhere_when_the_block_returns():
    with durable_atomic():
        Lock.objects.create(name="durable-record")
    # A second connection, as another process would open: the row is committed already.
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {connection.ops.quote_name(Lock._meta.db_table)} "
                f"WHERE {connection.ops.quote_name('name')} = %s",
                ["durable-record"],
            )
            assert cursor.fetchone()[0] == 1
    finally:
        other.close()


def test_an_exception_rolls_back_and_still_restores_the_setting():
    before = _setting()
    with pytest.raises(ValueError), durable_atomic():
        Lock.objects.create(name="never")
        raise ValueError("the call is not made")
    assert not Lock.objects.filter(name="never").exists() and _setting() == before


def test_inside_another_transaction_it_refuses():
    with transaction.atomic(), pytest.raises(RuntimeError), durable_atomic():
        pass


def test_the_servers_settings_are_checked():
    problems = durability_problems()
    assert durability_check(databases=[DEFAULT_DB_ALIAS]) == [
        checks.Warning(p, id="yooini.W001", obj="database 'default'") for p in problems
    ]
    if connection.vendor != "mysql":
        assert problems == []  # SQLite is synced by the block; PostgreSQL by SET LOCAL


def test_weak_mariadb_settings_are_named():
    assert mariadb_problems(1, 0, 0) == []
    assert mariadb_problems(1, 1, 1) == []
    flush, binlog = mariadb_problems(2, 1, 0)
    assert flush.startswith("innodb_flush_log_at_trx_commit=2") and "sync_binlog=0" in binlog
