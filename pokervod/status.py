"""The seed's ``BlockStatus`` per block, read from the engine's cells of ``pokervod_sync``.

Nothing is kept beside the engine: a block's status is its stage's latest cell (in any mode
that ran it). DONE is ``completed`` (``partial`` when some of its items failed), ERROR
``failed``, PENDING or RUNNING ``in_progress``, BLOCKED ``idle`` with the reason (a block it
depends on failed), no cell ever ``idle``. ``last_sync_at`` is the end of its latest DONE cell.
The overall status follows the seed: all completed is ``completed``, any failed ``partial``,
any in progress ``in_progress``, else ``idle``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from orchestrator.core.items import item_errors_of
from orchestrator.models import CellStatus, StageRun

BLOCKS = {"A": "nas", "B": "catalog", "D": "sheet", "C": "clips"}
WORKFLOW = "pokervod_sync"


@dataclass
class BlockStatus:
    block_id: str
    stage: str
    status: str
    last_sync_at: datetime | None
    last_error: str | None
    items_processed: int
    items_total: int
    batch: str | None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_sync_at"] = self.last_sync_at.isoformat() if self.last_sync_at else None
        return data


def _status_of(cell: StageRun | None) -> tuple[str, str | None]:
    if cell is None:
        return "idle", None
    if cell.status == CellStatus.DONE:
        errors = item_errors_of(cell.result)
        if errors:
            return "partial", "; ".join(f"{r} ({n})" for r, n in errors.items())
        return "completed", None
    if cell.status == CellStatus.ERROR:
        return "failed", cell.error or cell.error_type
    if cell.status in (CellStatus.PENDING, CellStatus.RUNNING):
        return "in_progress", cell.error or None
    if cell.status == CellStatus.BLOCKED:
        return "idle", "not run: a block it depends on failed"
    return "idle", None


def block_statuses() -> dict[str, BlockStatus]:
    cells = StageRun.objects.filter(workflow=WORKFLOW).exclude(
        status__in=[CellStatus.SKIPPED, CellStatus.CANCELLED]
    )
    out: dict[str, BlockStatus] = {}
    for block, stage in BLOCKS.items():
        latest = cells.filter(stage=stage).order_by("-id").first()
        done = cells.filter(stage=stage, status=CellStatus.DONE).order_by("-id").first()
        status, error = _status_of(latest)
        failed = sum(item_errors_of(latest.result).values()) if latest is not None else 0
        processed = latest.item_count if latest is not None else 0
        out[block] = BlockStatus(
            block_id=block,
            stage=stage,
            status=status,
            last_sync_at=done.finished_at if done else None,
            last_error=error,
            items_processed=processed - failed,
            items_total=processed,
            batch=latest.batch_id if latest is not None else None,
        )
    return out


def overall_status(blocks: dict[str, BlockStatus]) -> str:
    statuses = [b.status for b in blocks.values()]
    if statuses and all(s == "completed" for s in statuses):
        return "completed"
    if any(s == "failed" for s in statuses):
        return "partial"
    if any(s == "in_progress" for s in statuses):
        return "in_progress"
    return "idle"
