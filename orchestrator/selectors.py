"""Reads for the CLI and the web: batch documents, stage progress, events."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count

from .core.workflow import registry
from .models import Batch, Event, Schedule, StageRun


def batch_get(batch_id: str | None = None, *, workflow: str | None = None) -> Batch:
    """A batch by id, or the newest one (of ``workflow`` if given); ``Batch.DoesNotExist`` if none."""
    if batch_id:
        return Batch.objects.get(id=batch_id)
    query = Batch.objects.all()
    if workflow:
        query = query.filter(workflow=workflow)
    found = query.order_by("-created_at", "-id").first()
    if found is None:
        raise Batch.DoesNotExist("no batch yet")
    return found


def stage_counts(batch_id: str) -> dict[str, dict[str, int]]:
    """Cells per status for each stage of the batch, stages in workflow order."""
    rows = (
        StageRun.objects.filter(batch_id=batch_id)
        .values("position", "stage", "status")
        .annotate(n=Count("id"))
        .order_by("position")
    )
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        out.setdefault(row["stage"], {})[row["status"]] = row["n"]
    return out


def batch_document(batch_id: str, *, with_cells: bool = True) -> dict[str, Any]:
    """The stable JSON shape of a batch (``yooini status --json``)."""
    batch = Batch.objects.get(id=batch_id)
    per_stage = stage_counts(batch.id)
    counts: dict[str, int] = {}
    for stage_counts_ in per_stage.values():
        for status, n in stage_counts_.items():
            counts[status] = counts.get(status, 0) + n
    doc: dict[str, Any] = {
        "batch_id": batch.id,
        "workflow": batch.workflow,
        "workflow_version": batch.workflow_version,
        "mode": batch.mode,
        "params": batch.params,
        "status": batch.status,
        "cancel_requested": batch.cancel_requested,
        "created_at": batch.created_at.isoformat(),
        "finished_at": batch.finished_at.isoformat() if batch.finished_at else None,
        "counts": counts,
        "stages": [{"stage": stage, "counts": c} for stage, c in per_stage.items()],
    }
    if with_cells:
        doc["cells"] = [
            {
                "partition": row["partition"],
                "stage": row["stage"],
                "status": row["status"],
                "attempt": row["attempt"],
                "item_count": row["item_count"],
                "error": row["error"],
            }
            for row in StageRun.objects.filter(batch_id=batch.id)
            .order_by("id")
            .values("partition", "stage", "status", "attempt", "item_count", "error")
        ]
    return doc


def events_list(
    *, batch_id: str | None = None, event_type: str | None = None, limit: int = 200
) -> list[Event]:
    query = Event.objects.all()
    if batch_id:
        query = query.filter(correlation_id=batch_id)
    if event_type:
        query = (
            query.filter(type__startswith=event_type[:-1])
            if event_type.endswith("*")
            else query.filter(type=event_type)
        )
    return list(reversed(query.order_by("-id")[:limit]))


def event_document(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "payload": event.payload,
        "source": event.source,
        "created_at": event.created_at.isoformat(),
        "correlation_id": event.correlation_id,
        "causation_id": event.causation_id,
    }


def workflows_document() -> list[dict[str, Any]]:
    return [
        {
            "name": w.name,
            "version": w.version,
            "description": w.description,
            "modes": {m: sorted(w.stages_in_mode(m)) for m in w.modes},
            "stages": [
                {
                    "name": s,
                    "after": list(w.stages[s].after),
                    "resource": w.stages[s].resource
                    if not callable(w.stages[s].resource)
                    else "(per partition)",
                    "concurrency": w.stages[s].concurrency,
                    "timeout": w.stages[s].timeout,
                }
                for s in w.stage_order()
            ],
            "trigger": w.trigger,
        }
        for w in registry.workflows()
    ]


def schedules_list(*, enabled: bool | None = None) -> list[Schedule]:
    query = Schedule.objects.all()
    if enabled is not None:
        query = query.filter(enabled=enabled)
    return list(query.order_by("name"))


def schedule_get(name: str) -> Schedule:
    """A schedule by name; ``Schedule.DoesNotExist`` naming it if there is none."""
    try:
        return Schedule.objects.get(name=name)
    except Schedule.DoesNotExist:
        raise Schedule.DoesNotExist(f"no schedule named {name!r}") from None


def schedules_next_due_at() -> datetime | None:
    """The earliest ``next_run_at`` of the enabled schedules (when the scheduler should wake)."""
    found = (
        Schedule.objects.filter(enabled=True, next_run_at__isnull=False)
        .order_by("next_run_at")
        .values_list("next_run_at", flat=True)
        .first()
    )
    return found


def schedule_document(schedule: Schedule) -> dict[str, Any]:
    """The stable JSON shape of a schedule (``yooini schedules --json``)."""
    next_local = None
    if schedule.next_run_at is not None:
        try:
            next_local = schedule.next_run_at.astimezone(ZoneInfo(schedule.time_zone)).isoformat()
        except Exception:  # an invalid zone is reported by validation, not here
            next_local = None
    return {
        "name": schedule.name,
        "workflow": schedule.workflow,
        "mode": schedule.mode,
        "params": schedule.params,
        "cron": schedule.cron or None,
        "every_seconds": schedule.every_seconds,
        "time_zone": schedule.time_zone,
        "enabled": schedule.enabled,
        "misfire": schedule.misfire,
        "overlap": schedule.overlap,
        "next_run_at": schedule.next_run_at.isoformat() if schedule.next_run_at else None,
        "next_run_local": next_local,
        "last_fired_at": schedule.last_fired_at.isoformat() if schedule.last_fired_at else None,
        "last_batch_id": schedule.last_batch_id or None,
        "last_outcome": schedule.last_outcome,
    }
