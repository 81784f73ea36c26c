"""The partition x stage grid of a batch, read for the dashboard and the API.

It stays fast at tens of thousands of cells because nothing is per cell on the way in:
the stage summaries are one grouped query, the page of partitions one query, and its cells
one more, whatever the batch's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min, Sum

from .core.clock import get_clock
from .models import Batch, CellStatus, Event, StageRun

MAX_LIMIT = 500
MAX_CELL_EVENTS = 200
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
        rows=_rows(batch.id, page, now),
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


def _rows(batch_id: str, partitions: list[str], now: datetime) -> list[GridRow]:
    if not partitions:
        return []
    cells: dict[str, dict[str, GridCell]] = {name: {} for name in partitions}
    query = (
        StageRun.objects.filter(batch_id=batch_id, partition__in=partitions)
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
        )
    )
    for cell_id, name, stage, status, attempt, failures, items, started, finished, error in query:
        end = now if status == CellStatus.RUNNING else finished
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
        )
    return [GridRow(partition=name, cells=cells[name]) for name in partitions]


def cell_detail(cell_id: int, *, batch_id: str | None = None) -> CellDetail:
    """A cell with its events (its attempt history), oldest first.

    Raises ``StageRun.DoesNotExist`` when the cell does not exist or is not in ``batch_id``.
    """
    query = StageRun.objects.filter(id=cell_id)
    if batch_id is not None:
        query = query.filter(batch_id=batch_id)
    cell = query.get()
    events = Event.objects.filter(
        correlation_id=cell.batch_id, causation_id=f"stage_run:{cell.id}"
    ).order_by("id")[:MAX_CELL_EVENTS]
    return CellDetail(cell=cell, events=list(events))


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
