"""Reads for the CLI and the web: batch documents, stage progress, events."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count

from .core.workflow import registry
from .item_errors import batch_item_errors
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


def unknown_batch(batch_id: str, *, shown: int = 5) -> str:
    """One line for an operator who named a batch that does not exist: the newest ones."""
    newest = list(Batch.objects.order_by("-created_at", "-id").values_list("id", flat=True)[:shown])
    known = ", ".join(newest) if newest else "none yet"
    return f"no batch {batch_id!r}; the newest: {known} (yooini status BATCH)"


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
        "item_errors": [group.as_dict() for group in batch_item_errors(batch.id)],
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
    """The last ``limit`` events, oldest first (for the CLI)."""
    query = events_filter(correlation_id=batch_id, event_type=event_type)
    return list(reversed(query[:limit]))


def event_document(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "payload": event.payload,
        "source": event.source,
        "created_at": event.created_at.isoformat(),
        "correlation_id": event.correlation_id,
        "causation_id": event.causation_id,
        "actor": event.actor,
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
            "params": w.params,
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


# --- resources_usage (dashboard data/config pages) ---


def resources_usage() -> list[dict[str, Any]]:
    """Every resource row with its limits, its breaker as of the engine clock's now, and
    ``running``: how many RUNNING cells use it (one grouped query for all resources)."""
    # Imported here so this module's imports stay as they were for the other readers.
    from .core import breaker as br
    from .core.clock import get_clock
    from .models import CellStatus, ResourceState
    from .services.resources import breaker_policy_of, breaker_state_of

    running = dict(
        StageRun.objects.filter(status=CellStatus.RUNNING)
        .exclude(resource="")
        .values_list("resource")
        .annotate(n=Count("id"))
        .values_list("resource", "n")
    )
    now = get_clock().now()
    usage = []
    for row in ResourceState.objects.order_by("name"):
        policy = breaker_policy_of(row)
        state = breaker_state_of(row)
        usage.append(
            {
                "name": row.name,
                "concurrency": row.concurrency,
                "rate": row.rate,
                "rate_per": row.rate_per,
                "burst": row.burst,
                "breaker_threshold": row.breaker_threshold,
                "breaker_reset_after": row.breaker_reset_after,
                "breaker_status": br.effective_status(state, policy, now)
                if policy is not None
                else br.CLOSED,
                "breaker_failures": row.breaker_failures,
                "breaker_opened_at": row.breaker_opened_at,
                "running": running.get(row.name, 0),
            }
        )
    return usage


# --- api reads (REST API: batch lists, events, the overall status) ---


def batches_filter(*, workflow: str | None = None, status: str | None = None):
    """Batches, newest first, optionally of one workflow and / or in one status."""
    query = Batch.objects.all()
    if workflow:
        query = query.filter(workflow=workflow)
    if status:
        query = query.filter(status=status)
    return query.order_by("-created_at", "-id")


def batches_cell_counts(batch_ids: list[str]) -> dict[str, dict[str, int]]:
    """Cells per status of each of these batches, in one grouped query."""
    rows = (
        StageRun.objects.filter(batch_id__in=batch_ids)
        .values("batch_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    out: dict[str, dict[str, int]] = {b: {} for b in batch_ids}
    for row in rows:
        out[row["batch_id"]][row["status"]] = row["n"]
    return out


def events_filter(*, correlation_id: str | None = None, event_type: str | None = None):
    """Events, newest first (by id); ``event_type`` ending in ``*`` is a prefix."""
    query = Event.objects.all()
    if correlation_id:
        query = query.filter(correlation_id=correlation_id)
    if event_type:
        query = (
            query.filter(type__startswith=event_type[:-1])
            if event_type.endswith("*")
            else query.filter(type=event_type)
        )
    return query.order_by("-id")


STATUS_RECENT_BATCHES = 20


def orchestrator_status() -> dict[str, Any]:
    """The engine at a glance: an overall status, each registered workflow's last batch with
    its stages (status, last successful finish, last error), the breakers not closed and the
    next scheduled runs.

    ``status`` is ``failing`` when a workflow's last batch FAILED, ``degraded`` when a breaker
    is not closed or a last batch has failed cells, ``running`` when a last batch is running,
    else ``ok``. A stage's ``last_sync`` is its latest DONE finish over the workflow's last
    ``STATUS_RECENT_BATCHES`` batches (so a failed run still shows the previous success).
    """
    from django.db.models import Max, Min

    from .core import breaker as br
    from .core.clock import get_clock
    from .models import BatchStatus, CellStatus, ResourceState
    from .services.resources import breaker_policy_of, breaker_state_of

    now = get_clock().now()
    schedules = Schedule.objects.filter(enabled=True, next_run_at__isnull=False)
    next_by_workflow = dict(
        schedules.values("workflow").annotate(at=Min("next_run_at")).values_list("workflow", "at")
    )
    workflows = []
    flags: set[str] = set()
    for workflow in registry.workflows():
        recent = list(
            Batch.objects.filter(workflow=workflow.name)
            .order_by("-created_at", "-id")
            .values_list("id", flat=True)[:STATUS_RECENT_BATCHES]
        )
        last = Batch.objects.get(id=recent[0]) if recent else None
        stages: list[dict[str, Any]] = []
        if last is not None:
            synced = dict(
                StageRun.objects.filter(batch_id__in=recent, status=CellStatus.DONE)
                .values("stage")
                .annotate(at=Max("finished_at"))
                .values_list("stage", "at")
            )
            errors: dict[str, StageRun] = {}
            for cell in StageRun.objects.filter(batch_id=last.id, status=CellStatus.ERROR).order_by(
                "-finished_at", "-id"
            )[:1000]:
                errors.setdefault(cell.stage, cell)
            for stage, counts in stage_counts(last.id).items():
                failed = errors.get(stage)
                stages.append(
                    {
                        "stage": stage,
                        "status": _stage_status(counts),
                        "counts": counts,
                        "last_sync": synced.get(stage),
                        "last_error": failed.error.strip().splitlines()[0][:500]
                        if failed is not None and failed.error.strip()
                        else None,
                        "last_error_at": failed.finished_at if failed is not None else None,
                        "last_error_partition": failed.partition if failed is not None else None,
                    }
                )
            if last.status == BatchStatus.FAILED:
                flags.add("failing")
            elif last.status == BatchStatus.COMPLETED_WITH_ERRORS or any(
                s["counts"].get(CellStatus.ERROR) for s in stages
            ):
                flags.add("degraded")
            elif last.status == BatchStatus.RUNNING:
                flags.add("running")
        workflows.append(
            {
                "workflow": workflow.name,
                "last_batch": None
                if last is None
                else {
                    "batch_id": last.id,
                    "mode": last.mode,
                    "status": last.status,
                    "created_at": last.created_at,
                    "finished_at": last.finished_at,
                    "counts": _sum_counts(s["counts"] for s in stages),
                },
                "stages": stages,
                "next_run_at": next_by_workflow.get(workflow.name),
            }
        )
    breakers = []
    for row in ResourceState.objects.exclude(breaker_status=br.CLOSED).order_by("name"):
        policy = breaker_policy_of(row)
        effective = (
            br.effective_status(breaker_state_of(row), policy, now)
            if policy
            else row.breaker_status
        )
        breakers.append(
            {
                "resource": row.name,
                "status": effective,
                "failures": row.breaker_failures,
                "opened_at": row.breaker_opened_at,
            }
        )
    if breakers:
        flags.add("degraded")
    upcoming = schedules.order_by("next_run_at", "name").first()
    return {
        "status": next((s for s in ("failing", "degraded", "running") if s in flags), "ok"),
        "checked_at": now,
        "workflows": workflows,
        "breakers": breakers,
        "next_run": None
        if upcoming is None
        else {
            "schedule": upcoming.name,
            "workflow": upcoming.workflow,
            "mode": upcoming.mode,
            "next_run_at": upcoming.next_run_at,
        },
    }


def _stage_status(counts: dict[str, int]) -> str:
    """One status for a stage's cells: the most telling one present."""
    for status in ("RUNNING", "ERROR", "BLOCKED", "PENDING", "CANCELLED", "DONE"):
        if counts.get(status):
            return status
    return "SKIPPED"


def _sum_counts(many) -> dict[str, int]:
    total: dict[str, int] = {}
    for counts in many:
        for key, n in counts.items():
            total[key] = total.get(key, 0) + n
    return total
