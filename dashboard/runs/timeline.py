"""A batch's timeline (Gantt): one bar per cell from its start to its finish, drawn as HTML
and CSS by the server (no script). A cell's bar is its last attempt; cells that never started
have none. At most ``MAX_BARS`` cells, the earliest started first; filter by partition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from orchestrator.core.clock import get_clock
from orchestrator.models import Batch, CellStatus, StageRun

from .present import duration_text

MAX_BARS = 300
TICKS = 5


@dataclass(frozen=True)
class TimelineBar:
    cell_id: int
    partition: str
    stage: str
    status: str
    attempt: int
    left: float  # percent of the batch's span from its start
    width: float  # percent of the span
    duration: str


def timeline_bars(
    cells: list[dict], *, start: datetime, end: datetime, now: datetime
) -> list[TimelineBar]:
    """Bars for ``cells`` (``id``, ``partition``, ``stage``, ``status``, ``attempt``,
    ``started_at``, ``finished_at``) on a span from ``start`` to ``end``; a running cell's
    bar reaches ``now``."""
    span = max((end - start).total_seconds(), 1e-3)
    bars = []
    for cell in cells:
        began = cell["started_at"]
        if began is None:
            continue
        ended = cell["finished_at"] or (now if cell["status"] == CellStatus.RUNNING else began)
        ended = max(ended, began)
        left = min(max((began - start).total_seconds() / span * 100, 0.0), 100.0)
        width = min((ended - began).total_seconds() / span * 100, 100.0 - left)
        bars.append(
            TimelineBar(
                cell_id=cell["id"],
                partition=cell["partition"],
                stage=cell["stage"],
                status=cell["status"],
                attempt=cell["attempt"],
                left=round(left, 3),
                width=round(width, 3),
                duration=duration_text((ended - began).total_seconds()),
            )
        )
    return bars


def timeline(request, batch_id: str):
    batch = get_object_or_404(Batch, id=batch_id)
    search = request.GET.get("q", "").strip()[:200]
    cells = StageRun.objects.filter(batch_id=batch.id, started_at__isnull=False)
    if search:
        cells = cells.filter(partition__contains=search)
    shown = list(
        cells.order_by("started_at", "id").values(
            "id", "partition", "stage", "status", "attempt", "started_at", "finished_at"
        )[:MAX_BARS]
    )
    now = get_clock().now()
    start = min([batch.created_at, *(c["started_at"] for c in shown)])
    end = batch.finished_at or now
    end = max([end, *(c["finished_at"] for c in shown if c["finished_at"])])
    span = (end - start).total_seconds()
    ticks = [duration_text(span * i / TICKS) if i else "0" for i in range(TICKS + 1)]
    return render(
        request,
        "dashboard/timeline.html",
        {
            "batch": batch,
            "bars": timeline_bars(shown, start=start, end=end, now=now),
            "started": start,
            "ended": end,
            "span": duration_text(span),
            "ticks": ticks,
            "search": search,
            "more": cells.count() - len(shown) if len(shown) == MAX_BARS else 0,
            "title": _("Timeline of batch %(id)s") % {"id": batch.id},
        },
    )
