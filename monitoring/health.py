"""Readiness: can this process serve requests that need the database (and the broker)?

Reasons name what is wrong, never where: no URL, host or password ends up in a response.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

BROKER_TIMEOUT = 2.0


def migrations_unapplied(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The migrations (``app.name``) the database still lacks; raises ``DatabaseError`` when
    it cannot be read."""
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def migrations_problems() -> list[str]:
    """Why a process must not start on this database (registered as a startup check of
    ``yooini serve``): it cannot be read, or it lacks migrations."""
    try:
        unapplied = migrations_unapplied()
    except DatabaseError as exc:
        return [f"the database cannot be read ({type(exc).__name__})"]
    if unapplied:
        return [
            f"the database lacks {len(unapplied)} migration(s) (first: {unapplied[0]});"
            " run `yooini migrate` first"
        ]
    return []


def readiness_problems() -> list[str]:
    """What keeps this installation from working now; empty when it is ready.

    The database must answer and hold every migration; in the distributed mode
    (``YOOINI_EXECUTOR=celery``) the broker must accept a connection within two seconds.
    """
    problems = _database_problems()
    if settings.YOOINI_EXECUTOR == "celery":
        problems += _broker_problems()
    return problems


def _database_problems() -> list[str]:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        unapplied = migrations_unapplied()
    except DatabaseError as exc:
        return [f"database unreachable ({type(exc).__name__})"]
    if unapplied:
        return [f"{len(unapplied)} migration(s) not applied: run `yooini migrate`"]
    return []


def _broker_problems() -> list[str]:
    from kombu import Connection

    broker = Connection(settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT)
    try:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; only its kind is shown
        return [f"broker unreachable ({type(exc).__name__})"]
    finally:
        broker.release()
    return []
