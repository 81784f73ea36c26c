"""A claimed stage run and what came of it: plain data passed between the runner that claims a
cell, the executor that runs it (``orchestrator.execution``) and the service that records the
outcome (``orchestrator.services.outcomes``), so neither of the last two imports the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .stage import EmittedEvent

__all__ = ["Claim", "Outcome"]


@dataclass(frozen=True)
class Claim:
    """A stage run taken by a runner: everything needed to execute it without another read."""

    stage_run_id: int
    attempt: int
    failures: int
    batch_id: str
    workflow: str
    mode: str
    params: dict[str, Any]
    partition: str
    stage: str
    resource: str
    checkpoint: Any = None
    deadline_at: datetime | None = None
    owner: str = ""  # who holds the lease: the claiming runner, or the worker that adopted it
    settings: dict[str, Any] = field(default_factory=dict)  # the batch's run settings


@dataclass(frozen=True)
class Outcome:
    claim: Claim
    ok: bool
    items: int = 0
    result: Any = None
    error: str = ""
    error_type: str = ""
    traceback: str = ""
    retryable: bool = True
    duration: float = 0.0
    events: tuple[EmittedEvent, ...] = ()
    log: str = ""  # what the attempt logged (bounded), written with the outcome
    log_truncated: bool = False
