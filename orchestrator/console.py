"""Terminal faces shared by the CLI commands: running a batch with a live progress bar, and
printing a batch's grid and summary."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import CommandError
from kombu.exceptions import OperationalError as BrokerUnreachable
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .core.items import FAILED, ItemFailuresExceeded
from .executors import executor_create
from .item_errors import batch_item_errors, item_errors_lines, item_errors_total
from .models import Batch, CellStatus, StageRun
from .runner import Runner
from .selectors import stage_counts

STYLE = {
    "PENDING": "dim",
    "RUNNING": "cyan",
    "DONE": "green",
    "ERROR": "bold red",
    "BLOCKED": "yellow",
    "SKIPPED": "dim",
    "CANCELLED": "magenta",
}
ORDER = ("DONE", "ERROR", "BLOCKED", "SKIPPED", "PENDING", "RUNNING", "CANCELLED")
FINISHED_CELL = (CellStatus.DONE, CellStatus.ERROR, CellStatus.BLOCKED, CellStatus.CANCELLED)

# soft_wrap: a long line stays one line (the terminal folds it on screen), so a command
# printed for copying is copied whole; tables are still fitted to the width.
console = Console(highlight=False, soft_wrap=True)


def run_with_progress(
    batch_id: str, *, executor: str | None, concurrency: int | None, quiet: bool = False
) -> Batch:
    """Run a batch to its end, showing cells finished / total per stage; returns it closed."""
    try:
        engine = executor_create(
            executor or settings.YOOINI_EXECUTOR,
            concurrency=concurrency or settings.YOOINI_CONCURRENCY,
        )
    except BrokerUnreachable as exc:  # the URL may hold a password: name the setting only
        raise CommandError(
            f"cannot reach the Celery broker (YOOINI_BROKER_URL): {exc}; batch {batch_id} "
            f"stays RUNNING: `yooini resume {batch_id}` continues it"
        ) from exc
    with Progress(
        TextColumn("[bold]{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
    ) as progress:
        tasks: dict[str, int] = {}

        def show(scope: list[str]) -> None:
            for stage, counts in stage_counts(batch_id).items():
                total = sum(n for s, n in counts.items() if s != CellStatus.SKIPPED)
                done = sum(counts.get(s, 0) for s in FINISHED_CELL)
                failed = counts.get(CellStatus.ERROR, 0) + counts.get(CellStatus.BLOCKED, 0)
                note = f"[red]{failed} failed[/]" if failed else ("skipped" if not total else "")
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total or 1, note=note)
                progress.update(
                    tasks[stage], total=total or 1, completed=done if total else 1, note=note
                )

        try:
            return Runner(engine, progress=show).run(batch_id)
        finally:
            engine.close()


def print_summary(batch: Batch) -> None:
    per_stage = stage_counts(batch.id)
    shown = [s for s in ORDER if any(counts.get(s) for counts in per_stage.values())]
    table = Table(title=f"batch {batch.id}  {batch.workflow}/{batch.mode}  {_status(batch.status)}")
    table.add_column("stage")
    for status in shown:
        table.add_column(status, justify="right", style=STYLE.get(status))
    table.add_column("items", justify="right")
    items = _items_per_stage(batch.id)
    for stage, counts in per_stage.items():
        table.add_row(
            stage, *[str(counts.get(s, 0) or "") for s in shown], str(items.get(stage, 0))
        )
    console.print(table)
    errors = StageRun.objects.filter(batch_id=batch.id, status=CellStatus.ERROR).order_by("id")
    for cell in errors[:10]:
        error = cell.error
        if cell.error_type == ItemFailuresExceeded.__name__:
            # "ItemFailuresExceeded: all 12 items failed: <reasons>": the reasons follow, grouped.
            error = error.split(": ", 2)[1] + " (reasons below)"
        console.print(
            f"[red]ERROR[/] {cell.partition} / {cell.stage} (attempt {cell.attempt}): "
            f"{escape(error)}"
        )
    if errors.count() > 10:
        console.print(f"... and {errors.count() - 10} more (yooini status {batch.id} --json)")
    groups = batch_item_errors(batch.id)
    if groups:
        failed = sum(g.count for g in groups if g.kind == FAILED)
        console.print(
            f"[yellow]item errors[/] {item_errors_total(groups)} ({failed} failed, "
            f"{item_errors_total(groups) - failed} set aside), by stage and reason:"
        )
        for line in item_errors_lines(groups):
            console.print(f"  {escape(line)}")


def print_grid(batch: Batch, *, limit: int) -> None:
    stages = list(stage_counts(batch.id))
    table = Table(title=f"{batch.id} partition x stage (first {limit} partitions)")
    table.add_column("partition")
    for stage in stages:
        table.add_column(stage)
    rows: dict[str, dict[str, str]] = {}
    for cell in (
        StageRun.objects.filter(batch_id=batch.id)
        .order_by("id")
        .values("partition", "stage", "status")
    ):
        if cell["partition"] not in rows and len(rows) >= limit:
            continue
        rows.setdefault(cell["partition"], {})[cell["stage"]] = cell["status"]
    for partition, cells in rows.items():
        table.add_row(partition, *[_status(cells.get(s, "")) for s in stages])
    console.print(table)


def _status(status: str) -> str:
    style = STYLE.get(status)
    if status.startswith("COMPLETED_WITH"):
        style = "yellow"
    elif status == "COMPLETED":
        style = "green"
    elif status == "FAILED":
        style = "bold red"
    return f"[{style}]{status}[/]" if style else status


def _items_per_stage(batch_id: str) -> dict[str, int]:
    from django.db.models import Sum

    rows = (
        StageRun.objects.filter(batch_id=batch_id)
        .values("stage")
        .annotate(n=Sum("item_count"))
        .order_by()
    )
    return {r["stage"]: r["n"] or 0 for r in rows}


def run_to_end(batch_id: str, opts: dict) -> None:
    """What ``run``, ``resume`` and ``retry`` end with: run the batch with the command's
    executor options, print its summary, exit 0 only if it COMPLETED."""
    batch = run_with_progress(
        batch_id, executor=opts["executor"], concurrency=opts["concurrency"], quiet=opts["quiet"]
    )
    print_summary(batch)
    sys.exit(0 if batch.status == "COMPLETED" else 1)
