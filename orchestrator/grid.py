"""The partition x stage grid of a batch, read for the dashboard and the API.

It stays fast at tens of thousands of cells because nothing is per cell on the way in:
the stage summaries are one grouped query, the page of partitions one query, and its cells
one more, whatever the batch's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min, Sum
from django.db.models.fields.json import KeyTransform

from .core.clock import get_clock
from .core.items import RESULT_KEY, SET_ASIDE_KEY, item_errors_by_kind, item_errors_count
from .core.waiting import WaitReason
from .models import Batch, CellStatus, Event, StageRun, StageRunLog
from .waits import WAITING, cell_wait, resource_views, stage_waits

MAX_LIMIT = 500
MAX_CELL_EVENTS = 200
MAX_CELL_LOGS = 20  # attempts whose logs a cell view shows, newest first
ERROR_PREVIEW = 200
_SETTLED = (CellStatus.DONE, CellStatus.SKIPPED)
_FAILED = (CellStatus.ERROR, CellStatus.BLOCKED)


@dataclass(frozen=True)
class GridCell:
    id: int
    stage: str
    status: str
    attempt: int
    failures: int
    item_count: int
    started_at: datetime | None
    finished_at: datetime | None
    duration_s: float | None
    error: str
    item_errors: int = 0  # items the cell reported failed (``core.items``)
    wait: WaitReason | None = None  # why a PENDING or BLOCKED cell is not running


@dataclass(frozen=True)
class GridRow:
    partition: str
    cells: dict[str, GridCell]


@dataclass(frozen=True)
class StageSummary:
    stage: str
    position: int
    counts: dict[str, int]
    total: int
    settled: int
    items: int
    first_started_at: datetime | None
    last_finished_at: datetime | None
    wall_s: float | None
    errors: int


@dataclass(frozen=True)
class Grid:
    batch: Batch
    stages: list[StageSummary]
    rows: list[GridRow]
    partitions_total: int
    offset: int
    limit: int
    counts: dict[str, int]


@dataclass(frozen=True)
class CellDetail:
    cell: StageRun
    events: list[Event]
    wait: WaitReason | None = None
    item_errors: dict[str, dict[str, int]] | None = None  # kind -> reason -> count
    logs: list[StageRunLog] | None = None  # one per attempt that logged, newest first


def batch_grid(
    batch_id: str,
    *,
    status: str | None = None,
    partition: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> Grid:
    """One page of the batch's grid with every stage's summary, in four queries.

    ``status`` keeps the partitions having at least one cell in that status; ``partition``
    keeps those whose name contains it. Rows are ordered by partition; ``limit`` is capped
    at ``MAX_LIMIT``. Raises ``Batch.DoesNotExist``.
    """
    batch = Batch.objects.get(id=batch_id)
    offset, limit = max(offset, 0), min(max(limit, 1), MAX_LIMIT)
    now = get_clock().now()
    stages = _stage_summaries(batch.id, now)
    counts: dict[str, int] = {}
    for summary in stages:
        for key, n in summary.counts.items():
            counts[key] = counts.get(key, 0) + n

    matching = StageRun.objects.filter(batch_id=batch.id)
    if status:
        matching = matching.filter(status=status)
    if partition:
        matching = matching.filter(partition__contains=partition)
    names = matching.values_list("partition", flat=True).distinct().order_by("partition")
    # Unfiltered, every stage has every partition: no DISTINCT over the whole batch.
    unfiltered_total = max((s.total for s in stages), default=0)
    total = names.count() if status or partition else unfiltered_total
    page = list(names[offset : offset + limit])
    return Grid(
        batch=batch,
        stages=stages,
        rows=_rows(batch, page, now),
        partitions_total=total,
        offset=offset,
        limit=limit,
        counts=counts,
    )


def _stage_summaries(batch_id: str, now: datetime) -> list[StageSummary]:
    rows = (
        StageRun.objects.filter(batch_id=batch_id)
        .values("position", "stage", "status")
        .annotate(
            n=Count("id"),
            items=Sum("item_count"),
            first=Min("started_at"),
            last=Max("finished_at"),
        )
        .order_by("position", "stage")
    )
    grouped: dict[str, dict] = {}
    for row in rows:
        entry = grouped.setdefault(
            row["stage"],
            {"position": row["position"], "counts": {}, "items": 0, "first": None, "last": None},
        )
        entry["counts"][row["status"]] = row["n"]
        entry["items"] += row["items"] or 0
        entry["first"] = _earliest(entry["first"], row["first"])
        entry["last"] = _latest(entry["last"], row["last"])
    summaries = []
    for stage, entry in grouped.items():
        counts = entry["counts"]
        total = sum(counts.values())
        unfinished = counts.get(CellStatus.RUNNING, 0) + counts.get(CellStatus.PENDING, 0)
        end = now if unfinished else entry["last"]
        summaries.append(
            StageSummary(
                stage=stage,
                position=entry["position"],
                counts=counts,
                total=total,
                settled=sum(counts.get(s, 0) for s in _SETTLED),
                items=entry["items"],
                first_started_at=entry["first"],
                last_finished_at=entry["last"],
                wall_s=_seconds(entry["first"], end),
                errors=sum(counts.get(s, 0) for s in _FAILED),
            )
        )
    return summaries


def _rows(batch: Batch, partitions: list[str], now: datetime) -> list[GridRow]:
    if not partitions:
        return []
    cells: dict[str, dict[str, GridCell]] = {name: {} for name in partitions}
    query = (
        StageRun.objects.filter(batch_id=batch.id, partition__in=partitions)
        .annotate(
            failed=KeyTransform(RESULT_KEY, "result"),
            set_aside=KeyTransform(SET_ASIDE_KEY, "result"),
        )
        .order_by("partition", "position")
        .values_list(
            "id",
            "partition",
            "stage",
            "status",
            "attempt",
            "failures",
            "item_count",
            "started_at",
            "finished_at",
            "error",
            "failed",
            "set_aside",
            "waiting_on",
            "next_attempt_at",
            "resource",
        )
    )
    found = list(query)
    waiting = [row for row in found if row[3] in WAITING]
    resources = resource_views((row[-1] for row in waiting), now) if waiting else {}
    waits = stage_waits(batch) if waiting else {}
    statuses: dict[str, dict[str, str]] = {}
    for row in found:
        statuses.setdefault(row[1], {})[row[2]] = row[3]
    for row in found:
        cell_id, name, stage, status, attempt, failures, items, started, finished, error = row[:10]
        failed, set_aside, waiting_on, next_attempt_at, resource = row[10:]
        end = now if status == CellStatus.RUNNING else finished
        wait = cell_wait(
            batch=batch,
            stage=stage,
            status=status,
            waiting_on=waiting_on,
            next_attempt_at=next_attempt_at,
            resource=resources.get(resource),
            partition_statuses=statuses[name],
            waits=waits,
            now=now,
        )
        cells[name][stage] = GridCell(
            id=cell_id,
            stage=stage,
            status=status,
            attempt=attempt,
            failures=failures,
            item_count=items,
            started_at=started,
            finished_at=finished,
            duration_s=_seconds(started, end),
            error=_first_line(error),
            item_errors=item_errors_count({RESULT_KEY: failed, SET_ASIDE_KEY: set_aside}),
            wait=wait,
        )
    return [GridRow(partition=name, cells=cells[name]) for name in partitions]


def cell_detail(cell_id: int, *, batch_id: str | None = None) -> CellDetail:
    """A cell with its events (its attempt history), oldest first.

    Raises ``StageRun.DoesNotExist`` when the cell does not exist or is not in ``batch_id``.
    """
    query = StageRun.objects.filter(id=cell_id)
    if batch_id is not None:
        query = query.filter(batch_id=batch_id)
    cell = query.select_related("batch").get()
    events = Event.objects.filter(
        correlation_id=cell.batch_id, causation_id=f"stage_run:{cell.id}"
    ).order_by("id")[:MAX_CELL_EVENTS]
    wait = None
    if cell.status in WAITING:
        now = get_clock().now()
        siblings = dict(
            StageRun.objects.filter(batch_id=cell.batch_id, partition=cell.partition).values_list(
                "stage", "status"
            )
        )
        wait = cell_wait(
            batch=cell.batch,
            stage=cell.stage,
            status=cell.status,
            waiting_on=cell.waiting_on,
            next_attempt_at=cell.next_attempt_at,
            resource=resource_views([cell.resource], now).get(cell.resource),
            partition_statuses=siblings,
            waits=stage_waits(cell.batch),
            now=now,
        )
    errors = {
        kind: dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))
        for kind, found in item_errors_by_kind(cell.result).items()
    }
    return CellDetail(
        cell=cell,
        events=list(events),
        wait=wait,
        item_errors=errors,
        logs=list(cell.logs.order_by("-attempt")[:MAX_CELL_LOGS]),
    )


def _first_line(error: str) -> str:
    stripped = (error or "").strip()
    return stripped.splitlines()[0][:ERROR_PREVIEW] if stripped else ""


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max((end - start).total_seconds(), 0.0)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)
