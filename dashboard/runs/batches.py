"""Batches: the list, a batch's page with its grid, the live grid fragment, a cell's detail.

Everything on a batch page comes from ``orchestrator.grid`` in a constant number of queries,
whatever the batch's size; the grid shows one page of partitions at a time.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from orchestrator.core.clock import get_clock
from orchestrator.core.workflow import registry
from orchestrator.grid import Grid, batch_grid, cell_detail
from orchestrator.item_errors import batch_item_errors
from orchestrator.models import Batch, BatchStatus, CellStatus, StageRun
from orchestrator.services.processes import runnable_by

from ..charts import PairRow, pair_chart
from .overview import live_counts
from .present import (
    batch_lines,
    compact_json,
    duration_text,
    grid_lines,
    percent,
    pretty_json,
    status_choices,
    wait_text,
)

BATCHES_PER_PAGE = 50
PARTITIONS_PER_PAGE = 100
STATUS_ORDER = [s.value for s in CellStatus]


def batches(request):
    query = Batch.objects.order_by("-created_at", "-id")
    workflow = request.GET.get("workflow", "").strip()
    status = request.GET.get("status", "").strip()
    if workflow:
        query = query.filter(workflow=workflow)
    if status in BatchStatus.values:
        query = query.filter(status=status)
    page = Paginator(query, BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    filters = urlencode({k: v for k, v in (("workflow", workflow), ("status", status)) if v})
    return render(
        request,
        "dashboard/batches.html",
        {
            "page": page,
            "lines": batch_lines(shown, live_counts(shown)),
            "workflows": [w.name for w in registry.workflows()],
            "statuses": BatchStatus.values,
            "workflow": workflow,
            "status": status,
            "filters": filters,
        },
    )


def batch_page(request, batch_id: str):
    context = _grid_context(request, batch_id)
    batch = context["batch"]
    context["params"] = pretty_json(batch.params) if batch.params else ""
    return render(request, "dashboard/batch.html", context)


def batch_grid_fragment(request, batch_id: str):
    """The live part of the batch page (counts, stage summary, grid), polled while it runs."""
    return render(request, "dashboard/_grid.html", _grid_context(request, batch_id))


def cell(request, batch_id: str, cell_id: int):
    """A cell in the batch page's side panel."""
    return render(request, "dashboard/_cell.html", _cell_context(batch_id, cell_id))


def cell_page(request, batch_id: str, cell_id: int):
    """The same cell on a page of its own, as wide as the window: logs and tracebacks."""
    return render(request, "dashboard/cell.html", _cell_context(batch_id, cell_id))


def _cell_context(batch_id: str, cell_id: int) -> dict:
    try:
        detail = cell_detail(cell_id, batch_id=batch_id)
    except StageRun.DoesNotExist:
        raise Http404(_("No such cell in this batch.")) from None
    run = detail.cell
    duration = None
    if run.started_at and run.finished_at:
        duration = duration_text((run.finished_at - run.started_at).total_seconds())
    return {
        "cell": run,
        "duration": duration,
        "wait": wait_text(detail.wait),
        "wait_kind": detail.wait.kind if detail.wait else "",
        # A cell that waits is run only by a process that knows its workflow: who could.
        "runnable_by": (
            runnable_by(run.workflow, now=get_clock().now())
            if run.status == CellStatus.PENDING
            else ""
        ),
        "item_errors": [
            (kind, reason, count)
            for kind, found in (detail.item_errors or {}).items()
            for reason, count in found.items()
        ],
        "failed_items": sum(sum(found.values()) for found in (detail.item_errors or {}).values()),
        "logs": detail.logs or [],
        "checkpoint": pretty_json(run.checkpoint),
        "result": pretty_json(run.result),
        "events": [(e, compact_json(e.payload, 500)) for e in detail.events],
        "retryable": run.status in (CellStatus.ERROR, CellStatus.BLOCKED, CellStatus.CANCELLED),
    }


def _grid_context(request, batch_id: str) -> dict:
    status = request.GET.get("status", "")
    status = status if status in STATUS_ORDER else ""
    search = request.GET.get("q", "").strip()[:200]
    page = _positive_int(request.GET.get("page"), 1)
    try:
        grid = batch_grid(
            batch_id,
            status=status or None,
            partition=search or None,
            offset=(page - 1) * PARTITIONS_PER_PAGE,
            limit=PARTITIONS_PER_PAGE,
        )
    except Batch.DoesNotExist:
        raise Http404(_("No such batch.")) from None
    batch = grid.batch
    pages = max((grid.partitions_total + PARTITIONS_PER_PAGE - 1) // PARTITIONS_PER_PAGE, 1)
    filters = {k: v for k, v in (("status", status), ("q", search)) if v}
    base = reverse("dashboard:batch", args=[batch.id])
    # Progress: DONE out of the cells the mode runs (SKIPPED cells are on neither side).
    settled = grid.counts.get(CellStatus.DONE, 0)
    total = sum(grid.counts.values()) - grid.counts.get(CellStatus.SKIPPED, 0)
    resettable = sum(
        grid.counts.get(s, 0) for s in (CellStatus.ERROR, CellStatus.BLOCKED, CellStatus.CANCELLED)
    )
    end = batch.finished_at or get_clock().now()
    item_errors = batch_item_errors(batch.id)
    return {
        "batch": batch,
        "duration": duration_text((end - batch.created_at).total_seconds()),
        "live": batch.status == BatchStatus.RUNNING,
        "grid": grid,
        # the cell URL with its id cut off: each cell appends its own
        "lines": grid_lines(grid, reverse("dashboard:cell", args=[batch.id, 0])[:-2]),
        "stages": _stage_rows(grid),
        "chart": pair_chart(
            [PairRow(s.stage, s.items, s.errors) for s in grid.stages],
            first_name=_("items"),
            second_name=_("errors"),
        ),
        "counts": [(s, grid.counts[s]) for s in STATUS_ORDER if grid.counts.get(s)],
        "item_errors": item_errors,
        "failed_items": sum(g.count for g in item_errors),
        "settled": settled,
        "total": total,
        "percent": percent(settled, total),
        "can_retry": resettable > 0,
        "can_resume": batch.status == BatchStatus.CANCELLED or batch.cancel_requested,
        "can_cancel": batch.status == BatchStatus.RUNNING and not batch.cancel_requested,
        "status": status,
        "search": search,
        "status_choices": status_choices(),
        "page": page,
        "pages": pages,
        "first_row": grid.offset + 1 if grid.rows else 0,
        "last_row": grid.offset + len(grid.rows),
        "prev_url": _page_url(base, filters, page - 1) if page > 1 else "",
        "next_url": _page_url(base, filters, page + 1) if page < pages else "",
        "poll_url": reverse("dashboard:batch_grid", args=[batch.id])
        + ("?" + urlencode({**filters, "page": page})),
    }


def _stage_rows(grid: Grid) -> list[dict]:
    return [
        {
            "stage": s.stage,
            "counts": [
                (status, s.counts[status]) for status in STATUS_ORDER if s.counts.get(status)
            ],
            "total": s.total - s.counts.get(CellStatus.SKIPPED, 0),
            "settled": s.counts.get(CellStatus.DONE, 0),
            "percent": percent(
                s.counts.get(CellStatus.DONE, 0), s.total - s.counts.get(CellStatus.SKIPPED, 0)
            ),
            "items": s.items,
            "errors": s.errors,
            "wall": duration_text(s.wall_s),
        }
        for s in grid.stages
    ]


def _page_url(base: str, filters: dict, page: int) -> str:
    return base + "?" + urlencode({**filters, "page": page})


def _positive_int(raw: str | None, default: int) -> int:
    try:
        return max(int(raw or default), 1)
    except ValueError:
        return default
