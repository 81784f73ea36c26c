"""Batches: start (or resume), retry failed cells, cancel, and close when nothing is left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from yooini.run_settings import run_settings_checked

from ..core.clock import get_clock
from ..core.workflow import Workflow, registry
from ..item_errors import batch_item_errors, item_errors_totals
from ..models import FINISHED_BATCH, Batch, BatchStatus, CellStatus, Event, StageRun, lock_dispatch
from .events import NewEvent, events_emit
from .resources import resources_ensure

BULK_SIZE = 2000
RESETTABLE = (CellStatus.ERROR, CellStatus.BLOCKED, CellStatus.CANCELLED)
UNSETTLED_UPSTREAM = (CellStatus.ERROR, CellStatus.BLOCKED, CellStatus.CANCELLED)


class BatchConflict(Exception):
    """A request that contradicts a batch's state (e.g. another mode is already running)."""


@dataclass(frozen=True)
class BatchStart:
    batch: Batch
    resumed: bool


def batch_start(
    workflow_name: str,
    *,
    mode: str | None = None,
    params: dict[str, Any] | None = None,
    new: bool = False,
    settings: dict[str, Any] | None = None,
) -> BatchStart:
    """Start a batch of the workflow, or resume its running batch.

    A running batch of the same workflow is resumed (never a second one at once) unless
    ``new``; asking for another mode while one runs raises ``BatchConflict``. ``settings``
    are run settings (``yooini.run_settings``) every process applies to the batch's stage
    runs; given on a resume, they replace the batch's (the caller's configuration now).
    """
    workflow = registry.get(workflow_name)
    workflow.validate()
    mode = mode or workflow.default_mode
    workflow.stages_in_mode(mode)
    params = dict(params or {})
    run_settings = run_settings_checked(settings) if settings is not None else None
    with transaction.atomic():
        lock_dispatch()
        running = Batch.objects.filter(workflow=workflow.name, status=BatchStatus.RUNNING).order_by(
            "created_at"
        )
        current = running.first()
        if current is not None and not new:
            if current.mode != mode:
                raise BatchConflict(
                    f"batch {current.id} of {workflow.name!r} is still RUNNING in mode {current.mode!r}; "
                    f"resume it, cancel it, or start a new one explicitly"
                )
            if run_settings is not None and run_settings != current.settings:
                current.settings = run_settings
                current.save(update_fields=["settings"])
            _note_resume(current, workflow)
            return BatchStart(current, resumed=True)
        return BatchStart(
            _batch_create(workflow, mode, params, settings=run_settings or {}), resumed=False
        )


def batch_start_triggered(workflow: Workflow, event: Event) -> Batch | None:
    """Start the batch an event triggers (once per event, whatever happens to delivery)."""
    if Batch.objects.filter(trigger_event=event.id).exists():
        return None
    try:
        with transaction.atomic():
            return _batch_create(
                workflow,
                workflow.default_mode,
                dict(event.payload),
                trigger_event=event.id,
                parent_batch=event.correlation_id,
            )
    except IntegrityError:
        return None


def _note_resume(batch: Batch, workflow: Workflow, *, actor: str = "") -> None:
    payload: dict[str, Any] = {"workflow": workflow.name, "mode": batch.mode}
    if batch.workflow_version != workflow.version:
        # Defined behaviour for a changed definition: cells keep their stage names; a cell whose
        # stage no longer exists fails with a clear error, new stages are not added.
        payload["definition_changed"] = {"from": batch.workflow_version, "to": workflow.version}
    events_emit([NewEvent("batch.resumed", payload, correlation_id=batch.id, actor=actor)])


def _new_batch_id(now: datetime) -> str:
    prefix = timezone.localtime(now).strftime("%Y%m%d")
    taken = Batch.objects.filter(id__startswith=f"{prefix}_").values_list("id", flat=True)
    numbers = [int(b.split("_", 1)[1]) for b in taken if b.split("_", 1)[1].isdigit()]
    return f"{prefix}_{max(numbers, default=0) + 1:02d}"


def _batch_create(
    workflow: Workflow,
    mode: str,
    params: dict[str, Any],
    *,
    trigger_event: int | None = None,
    parent_batch: str = "",
    settings: dict[str, Any] | None = None,
) -> Batch:
    now = get_clock().now()
    partitions = workflow.partitions(params)
    order = workflow.stage_order()
    waits = workflow.effective_deps(mode)
    resources_ensure(
        {
            stage.resource_for(p)
            for stage in workflow.stages.values()
            if stage.resource
            for p in partitions
        }
    )
    for _ in range(20):
        try:
            with transaction.atomic():
                batch = Batch.objects.create(
                    id=_new_batch_id(now),
                    workflow=workflow.name,
                    workflow_version=workflow.version,
                    mode=mode,
                    params=params,
                    settings=settings or {},
                    created_at=now,
                    cells_total=len(partitions) * len(order),
                    trigger_event=trigger_event,
                    parent_batch=parent_batch,
                )
            break
        except IntegrityError:
            if (
                trigger_event is not None
                and Batch.objects.filter(trigger_event=trigger_event).exists()
            ):
                raise
    else:
        raise RuntimeError("could not allocate a batch id")
    chunk: list[StageRun] = []
    for partition in partitions:
        for position, name in enumerate(order):
            stage = workflow.stages[name]
            runs = name in waits
            chunk.append(
                StageRun(
                    batch_id=batch.id,
                    workflow=workflow.name,
                    partition=partition,
                    stage=name,
                    position=position,
                    resource=stage.resource_for(partition),
                    status=CellStatus.PENDING if runs else CellStatus.SKIPPED,
                    waiting_on=len(waits[name]) if runs else 0,
                    finished_at=None if runs else now,
                )
            )
        if len(chunk) >= BULK_SIZE:
            StageRun.objects.bulk_create(chunk)
            chunk = []
    StageRun.objects.bulk_create(chunk)
    events_emit(
        [
            NewEvent(
                "batch.started",
                {
                    "workflow": workflow.name,
                    "mode": mode,
                    "params": params,
                    "partitions": len(partitions),
                },
                correlation_id=batch.id,
                causation_id=f"event:{trigger_event}" if trigger_event else "",
            )
        ]
    )
    return batch


def batch_resume(batch_id: str, *, actor: str = "") -> Batch:
    """Make a batch runnable again: a cancelled one gets its cancelled cells back.

    ``actor`` (here and in ``batch_retry`` and ``batch_cancel``) is who asked, recorded on the
    event: the dashboard user, ``cli:<os user>`` or ``api:<user>``."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(id=batch_id)
        if batch.status == BatchStatus.CANCELLED or batch.cancel_requested:
            StageRun.objects.filter(batch=batch, status=CellStatus.CANCELLED).update(
                status=CellStatus.PENDING, finished_at=None
            )
            _reopen(batch)
        elif batch.status in FINISHED_BATCH:
            raise BatchConflict(
                f"batch {batch.id} is {batch.status}; use retry to run its failed cells again"
            )
        _note_resume(batch, registry.get(batch.workflow), actor=actor)
    return batch


def _reopen(batch: Batch) -> None:
    batch.status = BatchStatus.RUNNING
    batch.cancel_requested = False
    batch.finished_at = None
    batch.save(update_fields=["status", "cancel_requested", "finished_at"])


def batch_retry(
    batch_id: str, *, stage: str | None = None, partition: str | None = None, actor: str = ""
) -> int:
    """Reset failed, blocked and cancelled cells (optionally of one stage / partition) to run again.

    DONE cells are never touched. A reset cell whose upstream still failed stays BLOCKED.
    Returns the number of cells that will run again.
    """
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(id=batch_id)
        workflow = registry.get(batch.workflow)
        waits = workflow.effective_deps(batch.mode)
        if stage is not None and stage not in waits:
            raise BatchConflict(
                f"stage {stage!r} does not run in batch {batch.id} (mode {batch.mode})"
            )
        cells = StageRun.objects.filter(batch=batch)
        if partition is not None:
            cells = cells.filter(partition=partition)
        status: dict[tuple[str, str], str] = {}
        ids: dict[tuple[str, str], int] = {}
        for row in cells.values("id", "partition", "stage", "status"):
            status[(row["partition"], row["stage"])] = row["status"]
            ids[(row["partition"], row["stage"])] = row["id"]
        targets = _retry_targets(status, waits, stage)
        updates: dict[tuple[str, int], list[int]] = {}
        order = [name for name in workflow.stage_order() if name in waits]
        for part in sorted({p for p, _ in targets}):
            for name in order:
                if (part, name) not in targets:
                    continue
                upstream = [status.get((part, u)) for u in waits[name]]
                if any(s in UNSETTLED_UPSTREAM for s in upstream):
                    new, waiting = CellStatus.BLOCKED, 0
                else:
                    new = CellStatus.PENDING
                    waiting = sum(
                        1 for s in upstream if s not in (CellStatus.DONE, CellStatus.SKIPPED)
                    )
                status[(part, name)] = new
                updates.setdefault((new, waiting), []).append(ids[(part, name)])
        pending = 0
        for (new, waiting), cell_ids in updates.items():
            for start in range(0, len(cell_ids), BULK_SIZE):
                StageRun.objects.filter(id__in=cell_ids[start : start + BULK_SIZE]).update(
                    status=new,
                    waiting_on=waiting,
                    failures=0,
                    next_attempt_at=None,
                    finished_at=None,
                    error="" if new == CellStatus.PENDING else "blocked: upstream failed",
                    error_type="",
                    traceback="",
                )
            if new == CellStatus.PENDING:
                pending += len(cell_ids)
        if pending:
            _reopen(batch)
            events_emit(
                [
                    NewEvent(
                        "batch.retried",
                        {"cells": pending, "stage": stage, "partition": partition},
                        correlation_id=batch.id,
                        actor=actor,
                    )
                ]
            )
    return pending


def _retry_targets(status: dict, waits: dict, stage: str | None) -> set[tuple[str, str]]:
    if stage is None:
        return {key for key, s in status.items() if s in RESETTABLE and key[1] in waits}
    below = {name for name, ups in waits.items() if _reaches(waits, name, stage)}
    return {
        (part, name)
        for (part, name), s in status.items()
        if (name == stage and s in RESETTABLE) or (name in below and s == CellStatus.BLOCKED)
    }


def _reaches(waits: dict, name: str, ancestor: str) -> bool:
    todo, seen = list(waits[name]), set()
    while todo:
        current = todo.pop()
        if current == ancestor:
            return True
        if current not in seen:
            seen.add(current)
            todo.extend(waits.get(current, ()))
    return False


def batch_cancel(batch_id: str, *, actor: str = "") -> Batch:
    """Stop dispatching new cells; the batch ends CANCELLED once its running cells finish."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(id=batch_id)
        if batch.status in FINISHED_BATCH:
            return batch
        batch.cancel_requested = True
        batch.save(update_fields=["cancel_requested"])
        events_emit([NewEvent("batch.cancel_requested", {}, correlation_id=batch.id, actor=actor)])
    batch_close_if_finished(batch_id)
    batch.refresh_from_db()
    return batch


def batch_close_if_finished(batch_id: str) -> Batch | None:
    """Close the batch if no cell can still run; returns it when it was closed by this call."""
    now = get_clock().now()
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(id=batch_id)
        if batch.status != BatchStatus.RUNNING:
            return None
        counts = cell_counts(batch.id)
        if counts.get(CellStatus.RUNNING):
            return None
        if batch.cancel_requested:
            StageRun.objects.filter(batch=batch, status=CellStatus.PENDING).update(
                status=CellStatus.CANCELLED, finished_at=now
            )
            counts = cell_counts(batch.id)
            final = BatchStatus.CANCELLED
        elif counts.get(CellStatus.PENDING):
            return None
        else:
            final = _final_status(counts)
        items = StageRun.objects.filter(batch=batch).aggregate(n=Sum("item_count"))["n"] or 0
        batch.status = final
        batch.finished_at = now
        item_errors = item_errors_totals(batch_item_errors(batch.id))
        batch.totals = {**counts, "items": items, **item_errors}
        batch.save(update_fields=["status", "finished_at", "totals"])
        events_emit(
            [
                NewEvent(
                    f"batch.{final.lower()}",
                    {"workflow": batch.workflow, "totals": batch.totals},
                    correlation_id=batch.id,
                )
            ]
        )
    return batch


def _final_status(counts: dict[str, int]) -> str:
    failed = counts.get(CellStatus.ERROR, 0) + counts.get(CellStatus.BLOCKED, 0)
    if not failed:
        return BatchStatus.COMPLETED
    return BatchStatus.COMPLETED_WITH_ERRORS if counts.get(CellStatus.DONE) else BatchStatus.FAILED


def cell_counts(batch_id: str) -> dict[str, int]:
    rows = (
        StageRun.objects.filter(batch_id=batch_id)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}
