"""The event types of the PokerVOD blocks, and how a block publishes one.

Events go through the engine's outbox (``orchestrator.services.events``): written in the
caller's transaction, delivered after it commits, so a rolled-back change announces nothing.
``source`` is ``pokervod.<block>`` (A, B, C, D).
"""

from __future__ import annotations

from typing import Any

from orchestrator.services.events import NewEvent, events_emit

NAS_SCAN_COMPLETED = "nas.scan.completed"
NAS_FILE_ADDED = "nas.file.added"
NAS_FILE_REMOVED = "nas.file.removed"
CATALOG_EPISODE_CREATED = "catalog.episode.created"
CATALOG_PROJECT_CREATED = "catalog.project.created"
CATALOG_REVIEW_QUEUED = "catalog.review.queued"
SHEETS_SYNC_COMPLETED = "sheets.sync.completed"
SHEETS_ROW_CHANGED = "sheets.row.changed"
SHEETS_ROW_REMOVED = "sheets.row.removed"
HAND_CLIP_CREATED = "hand.clip.created"
HAND_CLIP_TAGGED = "hand.clip.tagged"


def emit(event_type: str, payload: dict[str, Any], *, block: str, correlation_id: str = "") -> None:
    """Publish one event of ``block`` inside the caller's transaction."""
    events_emit([NewEvent(event_type, payload, f"pokervod.{block}", correlation_id)])


def emit_many(
    event_type: str, payloads: list[dict[str, Any]], *, block: str, correlation_id: str = ""
) -> None:
    events_emit([NewEvent(event_type, p, f"pokervod.{block}", correlation_id) for p in payloads])
