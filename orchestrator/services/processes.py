"""Which processes run stage runs, and which workflows each one knows.

A process only claims cells of the workflows it has loaded (``YOOINI_WORKFLOW_MODULES`` may
differ between machines); the cells of the others wait for a process that knows them. Each
process refreshes its row while it lives (every third of a lease), so a waiting cell can say
who could run it, or that nobody running can.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction

from ..core.workflow import registry
from ..models import Batch, BatchStatus, EngineProcess

log = logging.getLogger("yooini.engine")


def known_workflows() -> list[str]:
    """The names of the workflows this process can run."""
    return sorted(w.name for w in registry.workflows())


def process_beat(owner: str, kind: str, *, now: datetime) -> None:
    """Say that ``owner`` is alive now and which workflows it knows."""
    workflows = known_workflows()
    with transaction.atomic(savepoint=False):
        updated = EngineProcess.objects.filter(owner=owner).update(
            seen_at=now, workflows=workflows, kind=kind
        )
        if not updated:
            EngineProcess.objects.create(
                owner=owner, kind=kind, workflows=workflows, started_at=now, seen_at=now
            )


def process_gone(owner: str) -> None:
    """Remove ``owner``'s row as it stops (a killed process's row just goes stale)."""
    try:
        EngineProcess.objects.filter(owner=owner).delete()
    except DatabaseError:  # stopping anyway: a stale row expires by itself
        log.debug("could not remove process row %s", owner, exc_info=True)


@dataclass(frozen=True)
class ProcessSeen:
    owner: str
    kind: str
    seen_at: datetime

    def __str__(self) -> str:
        return f"{self.kind} {self.owner}"


def fresh_after(now: datetime) -> datetime:
    """Rows not refreshed since then belong to processes that are gone."""
    return now - timedelta(seconds=3 * settings.YOOINI_LEASE_SECONDS)


def processes_knowing(workflow: str, *, now: datetime) -> list[ProcessSeen]:
    """The live processes that can run ``workflow``'s cells, longest running first."""
    rows = EngineProcess.objects.filter(seen_at__gte=fresh_after(now)).order_by("started_at")
    return [
        ProcessSeen(r.owner, r.kind, r.seen_at)
        for r in rows.only("owner", "kind", "seen_at", "workflows")
        if workflow in (r.workflows or [])
    ]


def runnable_by(workflow: str, *, now: datetime) -> str:
    """One line: who could run ``workflow``'s cells now."""
    seen = processes_knowing(workflow, now=now)
    if seen:
        return "runnable by " + ", ".join(str(p) for p in seen)
    return (
        f"no running process knows workflow {workflow!r}: start `yooini serve` (or a worker) "
        "with the module that defines it in YOOINI_WORKFLOW_MODULES"
    )


class UnknownWorkflowWarning:
    """Warn once per workflow name that this process leaves its cells alone."""

    def __init__(self, process: str) -> None:
        self.process = process
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def check_running(self, batch_ids: list[str] | None) -> list[str]:
        """Warn about running batches (of ``batch_ids``; None: all) whose workflow is unknown
        here; returns the names warned about just now."""
        known = known_workflows()
        query = Batch.objects.filter(status=BatchStatus.RUNNING).exclude(workflow__in=known)
        if batch_ids is not None:
            query = query.filter(id__in=batch_ids)
        names = set(query.values_list("workflow", flat=True).distinct())
        return self.warn(names)

    def warn(self, names: set[str]) -> list[str]:
        with self._lock:
            new = sorted(names - self._warned)
            self._warned |= set(new)
        for name in new:
            log.warning(
                "%s does not know workflow %r: its cells are left for a process that does "
                "(known here: %s)",
                self.process,
                name,
                ", ".join(known_workflows()) or "none",
            )
        return new
