"""Block G and each block's health (the seed's agent ``health_check``), and migrations with
the seed's ``rollback_on_fail``.

``health_check()`` says per block whether it can work now: A its roots readable, B and C what
they hold, D its breaker not open (and whether a last good export is there to fall back to),
G every migration of this app applied. ``run_migration()`` applies this app's pending
migrations once (the seed: one attempt) and, when one fails, migrates back to where the app
was before (rollback on fail). On SQLite and PostgreSQL a migration is one transaction, so a
failed one leaves nothing behind; MariaDB cannot roll DDL back, so a migration that failed
halfway there may need a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from .models import Episode, HandClip, MatchReview, ReviewStatus
from .nas.scan import configured_roots
from .sheets.sync import breaker_status

APP = "pokervod"


class MigrationFailed(RuntimeError):
    """A migration failed; the app was migrated back to where it was."""


@dataclass
class MigrationResult:
    applied: list[str] = field(default_factory=list)
    before: str = "zero"


def _state() -> tuple[list[str], str]:
    """This app's unapplied migrations, and its latest applied one (``zero`` for none)."""
    executor = MigrationExecutor(connection)
    targets = [n for n in executor.loader.graph.leaf_nodes() if n[0] == APP]
    plan = executor.migration_plan(targets)
    applied = sorted(name for app, name in executor.loader.applied_migrations if app == APP)
    return [m.name for m, backwards in plan if not backwards], (applied[-1] if applied else "zero")


def run_migration() -> MigrationResult:
    pending, before = _state()
    if not pending:
        return MigrationResult([], before)
    try:
        call_command("migrate", APP, verbosity=0, interactive=False)
    except Exception as exc:
        call_command("migrate", APP, before, verbosity=0, interactive=False)
        raise MigrationFailed(
            f"migrating {APP} failed ({type(exc).__name__}: {exc}); rolled back to {before}"
        ) from exc
    return MigrationResult(pending, before)


def health_check() -> dict[str, dict]:
    roots = configured_roots()
    unreadable = [r for r in roots if not Path(r).is_dir()]
    pending, latest = _state()
    breaker = breaker_status()
    return {
        "A": {
            "ok": bool(roots) and not unreadable,
            "roots": roots,
            "unreadable": unreadable,
        },
        "B": {
            "ok": True,
            "episodes": Episode.objects.count(),
            "reviews_pending": MatchReview.objects.filter(status=ReviewStatus.PENDING).count(),
        },
        "C": {
            "ok": True,
            "clips": HandClip.objects.count(),
            "flagged": HandClip.objects.filter(video_file__present=False).count(),
        },
        "D": {"ok": breaker != "OPEN", "breaker": breaker},
        "G": {"ok": not pending, "latest_migration": latest, "pending": pending},
    }
