"""The vendor migrations: GIN indexes and a fillfactor on PostgreSQL, binary keys on MariaDB
and PostgreSQL; all reversible."""

import pytest
from django.core.management import call_command
from django.db import connection

GIN = {"source_data_normalized_gin", "source_data_market_data_gin", "source_data_ai_data_gin"}


def gin_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'yooini_source_data'"
            " AND indexdef LIKE '%USING gin%'"
        )
        return {row[0] for row in cursor.fetchall()}


def key_collations() -> set[str | None]:
    schema = "DATABASE()" if connection.vendor == "mysql" else "current_schema()"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT collation_name FROM information_schema.columns WHERE table_schema = {schema}"
            " AND table_name = 'yooini_source_data' AND column_name IN ('source_system', 'source_id')"
        )
        return {row[0] for row in cursor.fetchall()}


def fillfactor() -> list[str] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'yooini_source_data'")
        return cursor.fetchone()[0]


def state():
    if connection.vendor == "postgresql":
        assert fillfactor() in (["fillfactor=70"], None)
        return gin_indexes() | set(fillfactor() or ()), key_collations()
    if connection.vendor == "mysql":
        return set(), key_collations()
    return None


@pytest.mark.django_db(transaction=True)
def test_vendor_migrations_apply_and_reverse():
    expected = {
        "postgresql": (GIN | {"fillfactor=70"}, {"C"}),
        "mysql": (set(), {"utf8mb4_nopad_bin"}),
    }.get(connection.vendor)
    assert state() == expected
    try:
        call_command("migrate", "source_data", "0001", verbosity=0)
        if expected is not None:
            gin, collations = state()
            assert gin == set() and collations.isdisjoint(expected[1])
    finally:
        call_command("migrate", "source_data", verbosity=0)
    assert state() == expected
