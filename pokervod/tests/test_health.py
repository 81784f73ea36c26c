"""Block G: health per block, and migrations rolled back when one fails."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from orchestrator.models import ResourceState
from pokervod.health import MigrationFailed, health_check, run_migration

pytestmark = pytest.mark.django_db(transaction=True)
SEARCH_MIGRATION = importlib.import_module("pokervod.migrations.0005_catalog_search")


def test_health_per_block(tmp_path, settings):
    settings.POKERVOD_NAS_ROOTS = [str(tmp_path), str(tmp_path / "unmounted")]
    health = health_check()
    assert health["A"] == {
        "ok": False,
        "roots": [str(tmp_path), str(tmp_path / "unmounted")],
        "unreadable": [str(tmp_path / "unmounted")],
    }
    assert health["D"] == {"ok": True, "breaker": "CLOSED"}
    assert health["G"]["ok"] and health["G"]["pending"] == []
    ResourceState.objects.filter(name="pokervod.sheets").update(
        breaker_status="OPEN", breaker_opened_at="2999-01-01T00:00:00Z"
    )
    assert health_check()["D"] == {"ok": False, "breaker": "OPEN"}


@pytest.mark.skipif(
    connection.vendor == "mysql", reason="MariaDB cannot roll a half-applied migration back"
)
def test_a_failed_migration_is_rolled_back_and_a_good_one_applied(monkeypatch):
    from django.core.management import call_command

    call_command("migrate", "pokervod", "0004", verbosity=0)
    try:
        assert health_check()["G"]["pending"] == ["0005_catalog_search"]
        broken = {
            vendor: ([*up, "THIS IS NOT SQL"], down)
            for vendor, (up, down) in SEARCH_MIGRATION.BY_VENDOR.items()
        }
        monkeypatch.setattr(SEARCH_MIGRATION, "BY_VENDOR", broken)
        with pytest.raises(MigrationFailed, match="rolled back to 0004_hand_clip_source_hash"):
            run_migration()
        assert "yooini_pokervod_search" not in connection.introspection.table_names()
        monkeypatch.undo()
        done = run_migration()
        assert (
            done.applied == ["0005_catalog_search"] and done.before == "0004_hand_clip_source_hash"
        )
        assert health_check()["G"]["ok"]
        assert run_migration().applied == []
    finally:
        call_command("migrate", "pokervod", verbosity=0)
