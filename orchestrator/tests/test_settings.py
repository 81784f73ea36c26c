"""Settings from the environment: the embedded SQLite default and its tuning."""

from django.db import connection


def test_the_database_in_use_is_tuned_for_short_concurrent_writes(db):
    options = connection.settings_dict["OPTIONS"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 5
        elif connection.vendor == "mysql":
            cursor.execute("SELECT @@tx_isolation")  # MariaDB 10.x name
            assert cursor.fetchone()[0] == "READ-COMMITTED"
        else:
            cursor.execute("SHOW transaction_isolation")
            assert cursor.fetchone()[0] == "read committed"


def test_database_url_picks_the_database(monkeypatch):
    from yooini.settings import _database_from_env

    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1:5432/shop")
    db = _database_from_env()
    assert db["ENGINE"].endswith("postgresql") and db["NAME"] == "shop"
    monkeypatch.setenv("DATABASE_URL", "mysql://root@127.0.0.1:3306/shop")
    assert _database_from_env()["OPTIONS"]["charset"] == "utf8mb4"
