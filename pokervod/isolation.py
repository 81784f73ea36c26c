"""Failure isolation, as the seed asks: when a block's stage of ``pokervod_sync`` fails for
good, that block alone is failed (the engine blocks what runs after it in the batch) and the
blocks that depend on it are told by a ``system.error`` event:
``{"source": "D", "stage": "sheet", "error": ..., "dependents": ["C"]}``.

It listens to the engine's ``stage.failed`` (delivered once across processes) and publishes in
that delivery, so each failure is told once.
"""

from __future__ import annotations

from orchestrator.core.bus import subscribe
from orchestrator.models import Batch
from orchestrator.services.events import event_emit

from .status import BLOCKS, WORKFLOW

STAGE_BLOCK = {stage: block for block, stage in BLOCKS.items()}
# Who reads what each block makes, within pokervod_sync (the seed's graph, blocks built so far).
DEPENDENTS = {"A": ["D", "C"], "B": ["D", "C"], "D": ["C"], "C": []}
SYSTEM_ERROR = "system.error"


def on_stage_failed(event) -> None:
    stage = (event.payload or {}).get("stage")
    block = STAGE_BLOCK.get(stage)
    if block is None:
        return
    if not Batch.objects.filter(id=event.correlation_id, workflow=WORKFLOW).exists():
        return
    event_emit(
        SYSTEM_ERROR,
        {
            "source": block,
            "stage": stage,
            "error": str(event.payload.get("error", ""))[:500],
            "dependents": DEPENDENTS[block],
        },
        source="pokervod.orchestrator",
        correlation_id=event.correlation_id,
        causation_id=f"event:{event.id}",
    )


def connect() -> None:
    subscribe("stage.failed", on_stage_failed)
