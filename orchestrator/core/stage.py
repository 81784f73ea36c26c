"""What a stage function sees and returns: ``fn(ctx: StageContext, partition: str)``.

A stage returns a ``StageResult`` (how many items it handled, what to keep with its cell, its
failed items by reason). The older forms still work: an ``int`` (the item count), a dict
whose ``"items"`` key is the count, or nothing (the count made with ``ctx.add_items``).
Nothing here touches a database: the engine gives the context a way to save checkpoints.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .clock import Clock
from .items import RESULT_KEY, reason_key

__all__ = ["EmittedEvent", "LeaseLost", "StageContext", "StageResult", "result_split"]

STAGE_LOG = logging.getLogger("yooini.stage")

# (stage run id, attempt, value) -> whether this attempt still held the stage run.
CheckpointStore = Callable[[int, int, Any], bool]


@dataclass(frozen=True)
class EmittedEvent:
    type: str
    payload: dict[str, Any]


class LeaseLost(Exception):
    """The stage run was taken over (its lease expired or it timed out): stop working on it."""


@dataclass(frozen=True)
class StageResult:
    """What a stage returns.

    ``items``: how many items it handled (None: the count made with ``ctx.add_items``);
    ``data``: JSON-able facts kept as the cell's result (shown in the cell, the API and
    ``yooini status``); ``item_errors``: ``{reason: count}`` of items that failed, as
    ``ctx.item_failed`` counts them (the stage's ``ItemFailures`` decides whether the cell
    fails)."""

    items: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    item_errors: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.items is not None and (
            isinstance(self.items, bool) or not isinstance(self.items, int) or self.items < 0
        ):
            raise ValueError(f"StageResult: items must be an int >= 0, got {self.items!r}")
        if "items" in self.data or RESULT_KEY in self.data:
            raise ValueError(
                f"StageResult: data must not hold 'items' or {RESULT_KEY!r}; "
                "give them as StageResult(items=..., item_errors=...)"
            )
        for reason, count in self.item_errors.items():
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ValueError(
                    f"StageResult: item_errors[{reason!r}] must be an int >= 1, got {count!r}"
                )


@dataclass
class StageContext:
    """What a stage sees: where it runs, its parameters, its checkpoint, and a way to report."""

    batch_id: str
    workflow: str
    mode: str
    params: dict[str, Any]
    partition: str
    stage: str
    attempt: int
    checkpoint: Any
    deadline_at: datetime | None
    clock: Clock
    stage_run_id: int
    items: int = 0
    log: logging.Logger | logging.LoggerAdapter[logging.Logger] = field(default=STAGE_LOG)
    _events: list[EmittedEvent] = field(default_factory=list)
    _item_errors: dict[str, int] = field(default_factory=dict)
    _checkpoint_store: CheckpointStore | None = field(default=None, repr=False)

    @property
    def correlation_id(self) -> str:
        return self.batch_id

    def add_items(self, count: int = 1) -> None:
        self.items += count

    def item_failed(self, reason: str, count: int = 1) -> None:
        """Count ``count`` items that failed for ``reason`` (kept in the result's
        ``item_errors``; the stage's ``ItemFailures`` decides whether the cell fails)."""
        key = reason_key(reason)
        self._item_errors[key] = self._item_errors.get(key, 0) + count

    def emit(self, event_type: str, payload: dict[str, Any] | None = None) -> None:
        """Publish an event with this stage run's result (written when the outcome is recorded)."""
        self._events.append(EmittedEvent(event_type, dict(payload or {})))

    def save_checkpoint(self, value: Any) -> None:
        """Durably remember a small JSON cursor now; a later attempt reads it as ``checkpoint``.

        Raises ``LeaseLost`` when this attempt no longer holds the stage run.
        """
        if self._checkpoint_store is None:
            raise RuntimeError("this StageContext was made without a checkpoint store")
        if not self._checkpoint_store(self.stage_run_id, self.attempt, value):
            raise LeaseLost(f"stage run {self.stage_run_id} attempt {self.attempt} was taken over")
        self.checkpoint = value

    def time_left(self) -> float | None:
        if self.deadline_at is None:
            return None
        return (self.deadline_at - self.clock.now()).total_seconds()


def result_split(returned: object, counted: int) -> tuple[int, Any]:
    """(item count, JSON-able result to keep) from what a stage returned; ``counted`` is what
    it counted with ``ctx.add_items``. A ``StageResult`` keeps its data with ``items`` and
    ``item_errors`` beside, so the stored result reads the same as the dict form's."""
    if isinstance(returned, StageResult):
        items = counted if returned.items is None else returned.items
        result: dict[str, Any] = {"items": items, **returned.data}
        if returned.item_errors:
            result[RESULT_KEY] = dict(returned.item_errors)
        return items, result
    if isinstance(returned, bool) or returned is None:
        return counted, None
    if isinstance(returned, int):
        return returned, None
    if isinstance(returned, dict):
        items = returned.get("items", counted)
        return (items if isinstance(items, int) else counted), returned
    return counted, {"value": repr(returned)[:1000]}
