"""Shaping engine reads for the run pages: durations as text, progress, grid cells as markup.

The grid is the one place where per-cell cost matters (a page holds up to 500 x stages
cells), so its cells are turned into ready strings here in one pass instead of a template
loop with filters for every cell.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from orchestrator.core.waiting import WaitReason
from orchestrator.grid import Grid, GridCell
from orchestrator.models import Batch, BatchStatus, CellStatus

# A short mark inside a waiting cell's square, by the kind of its wait (its tooltip says more).
WAIT_MARKS = {
    "retry": "↻",
    "breaker": "⚡",
    "resource_full": "▮",
    "rate_limit": "⏱",
    "blocked": "⊘",
}


def clock_text(at: datetime) -> str:
    """``14:05`` in the dashboard's time zone (a date too when it is not today)."""
    local = timezone.localtime(at)
    if local.date() != timezone.localdate():
        return local.strftime("%Y-%m-%d %H:%M")
    return local.strftime("%H:%M")


def wait_text(wait: WaitReason | None) -> str:
    return wait.text(clock_text) if wait is not None else ""


def duration_text(seconds: float | None) -> str:
    """``850 ms``, ``12.3 s``, ``4 m 05 s``, ``2 h 03 m``; empty for ``None``."""
    if seconds is None:
        return ""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} m {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} m"


def percent(part: int, whole: int) -> int:
    return int(part * 100 / whole) if whole else 0


def pretty_json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def compact_json(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class BatchLine:
    """A batch as a line of a list: status, progress and duration."""

    batch: Batch
    settled: int
    total: int
    errors: int

    @property
    def percent(self) -> int:
        return percent(self.settled, self.total)

    @property
    def progress_text(self) -> str:
        return f"{self.settled}/{self.total}"

    @property
    def duration(self) -> str:
        if self.batch.finished_at is None:
            return ""
        return duration_text((self.batch.finished_at - self.batch.created_at).total_seconds())

    @property
    def running(self) -> bool:
        return self.batch.status == BatchStatus.RUNNING


def batch_lines(batches: list[Batch], live_counts: dict[str, dict[str, int]]) -> list[BatchLine]:
    """Lines for ``batches``: a finished batch's counts come from its stored totals, a running
    one's from ``live_counts`` (by batch id, by status). Progress is DONE cells out of the
    cells the mode runs: SKIPPED cells count on neither side."""
    lines = []
    for batch in batches:
        counts = live_counts.get(batch.id) if batch.status == BatchStatus.RUNNING else None
        counts = counts if counts is not None else (batch.totals or {})
        lines.append(
            BatchLine(
                batch=batch,
                settled=counts.get(CellStatus.DONE, 0),
                total=max(batch.cells_total - counts.get(CellStatus.SKIPPED, 0), 0),
                errors=counts.get(CellStatus.ERROR, 0) + counts.get(CellStatus.BLOCKED, 0),
            )
        )
    return lines


@dataclass(frozen=True)
class GridLine:
    partition: str
    cells: str  # the row's <td> markup, stage order


def grid_lines(grid: Grid, cell_url: str) -> list[GridLine]:
    """Each row's cells as markup: a coloured ``<td>`` with a tooltip and the htmx request that
    opens the cell, an empty one where the mode has no such stage."""
    order = [s.stage for s in grid.stages]
    empty = '<td class="cell none"></td>'
    words = {"attempt": _("attempt"), "items": _("items"), "item_errors": _("items failed")}
    return [
        GridLine(
            partition=row.partition,
            cells="".join(
                _cell_td(row.cells[stage], cell_url, words) if stage in row.cells else empty
                for stage in order
            ),
        )
        for row in grid.rows
    ]


def _cell_td(cell: GridCell, cell_url: str, words: dict[str, str]) -> str:
    tip = f"{cell.stage}: {cell.status} · {words['attempt']} {cell.attempt}"
    if cell.duration_s is not None:
        tip += f" · {duration_text(cell.duration_s)}"
    if cell.item_count:
        tip += f" · {cell.item_count} {words['items']}"
    if cell.item_errors:
        tip += f" · {cell.item_errors} {words['item_errors']}"
    waiting = wait_text(cell.wait)
    if waiting:
        tip += f"\n{waiting}"
    if cell.error and not (cell.wait and cell.status == CellStatus.BLOCKED):
        tip += f"\n{cell.error}"
    mark = WAIT_MARKS.get(cell.wait.kind, "") if cell.wait else ""
    inner = f'<span class="wait-mark">{mark}</span>' if mark else ""
    if cell.item_errors:
        inner += f'<span class="item-errors">{cell.item_errors}</span>'
    wait_attr = f' data-wait="{cell.wait.kind}"' if cell.wait else ""
    return (
        f'<td class="cell status-{cell.status}" data-cell="{cell.id}" '
        f'data-status="{cell.status}"{wait_attr} title="{escape(tip)}" '
        f'hx-get="{cell_url}{cell.id}/">{inner}</td>'
    )


def status_choices() -> list[tuple[str, str]]:
    """The grid filter's choices: cell statuses, failures first since they are looked for."""
    first = [CellStatus.ERROR, CellStatus.BLOCKED, CellStatus.RUNNING]
    rest = [s for s in CellStatus if s not in first]
    return [("", _("any status"))] + [(s.value, s.value) for s in first + rest]
