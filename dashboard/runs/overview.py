"""The overview: every workflow's recent batches, what runs next, resources, recent failures.

A constant number of queries whatever the number of workflows: one windowed query gives
every workflow's last batches, one grouped query the progress of those still running.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from orchestrator import selectors
from orchestrator.core.workflow import registry
from orchestrator.models import FINISHED_BATCH, Batch, BatchStatus, CellStatus, Schedule, StageRun

from ..charts import Bar, column_chart
from .present import BatchLine, batch_lines, duration_text

LAST_BATCHES = 5
CHART_BATCHES = 30
FAILURES = 10
NEXT_RUNS = 10
REFRESH_SECONDS = 5  # how often the overview fetches itself again (htmx)


@dataclass(frozen=True)
class WorkflowCard:
    name: str
    description: str
    modes: list[str]
    lines: list[BatchLine]
    chart: SafeString


def overview(request):
    names = [w.name for w in registry.workflows()]
    recent = recent_batches(names, CHART_BATCHES)
    shown = [b for batches in recent.values() for b in batches[:LAST_BATCHES]]
    lines = batch_lines(shown, live_counts(shown))
    by_workflow: dict[str, list[BatchLine]] = {}
    for line in lines:
        by_workflow.setdefault(line.batch.workflow, []).append(line)
    cards = [
        WorkflowCard(
            name=w.name,
            description=w.description,
            modes=w.modes,
            lines=by_workflow.get(w.name, []),
            chart=durations_chart(recent.get(w.name, [])),
        )
        for w in registry.workflows()
    ]
    schedules = list(
        Schedule.objects.filter(enabled=True, next_run_at__isnull=False).order_by("next_run_at")[
            :NEXT_RUNS
        ]
    )
    failures = list(
        StageRun.objects.filter(status=CellStatus.ERROR)
        .order_by("-finished_at", "-id")
        .only("id", "batch_id", "workflow", "partition", "stage", "error", "finished_at")[:FAILURES]
    )
    failed_batches = list(
        Batch.objects.filter(status=BatchStatus.FAILED).order_by("-created_at")[:FAILURES]
    )
    return render(
        request,
        "dashboard/overview.html",
        {
            "cards": cards,
            "schedules": schedules,
            "resources": selectors.resources_usage(),
            "failures": failures,
            "failed_batches": failed_batches,
            "refresh_seconds": REFRESH_SECONDS,
            "now_text": timezone.localtime().strftime("%H:%M:%S"),
        },
    )


def recent_batches(workflows: list[str], per_workflow: int) -> dict[str, list[Batch]]:
    """Each workflow's newest ``per_workflow`` batches, newest first, in one query."""
    if not workflows:
        return {}
    ranked = (
        Batch.objects.filter(workflow__in=workflows)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("workflow")],
                order_by=[F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=per_workflow)
        .order_by("workflow", "-created_at", "-id")
    )
    out: dict[str, list[Batch]] = {}
    for batch in ranked:
        out.setdefault(batch.workflow, []).append(batch)
    return out


def live_counts(batches: list[Batch]) -> dict[str, dict[str, int]]:
    """Cells by status for each running batch among ``batches`` (one grouped query); finished
    ones keep their counts in ``totals``."""
    running = [b.id for b in batches if b.status == BatchStatus.RUNNING]
    if not running:
        return {}
    rows = (
        StageRun.objects.filter(batch_id__in=running)
        .values("batch_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        out.setdefault(row["batch_id"], {})[row["status"]] = row["n"]
    return out


def durations_chart(batches: list[Batch]) -> SafeString:
    """Finished batches' durations, oldest first, coloured by their status."""
    finished = [b for b in reversed(batches) if b.status in FINISHED_BATCH and b.finished_at]
    bars = []
    for batch in finished:
        seconds = (batch.finished_at - batch.created_at).total_seconds()
        bars.append(
            Bar(
                value=seconds,
                title=f"{batch.id} · {batch.status} · {duration_text(seconds)}",
                css=f"status-{batch.status}",
                href=reverse("dashboard:batch", args=[batch.id]),
            )
        )
    return column_chart(bars, unit=" s", label=_("Batch durations"))
