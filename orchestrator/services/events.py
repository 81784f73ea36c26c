"""The outbox: events written in the caller's transaction, delivered after commit.

An event nobody in this process listens to (no subscriber, no trigger) is written already
marked delivered, so the outbox only ever holds work to do.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from ..core.bus import subscribers
from ..core.clock import get_clock
from ..core.workflow import registry
from ..models import Event
from . import cellsql

log = logging.getLogger("yooini.events")


@dataclass(frozen=True)
class NewEvent:
    type: str
    payload: dict[str, Any]
    source: str = "engine"
    correlation_id: str = ""
    causation_id: str = ""
    actor: str = ""  # who asked (an operator's action); see ``Event.actor``


def _needs_delivery(event_type: str) -> bool:
    return subscribers.wants(event_type) or bool(registry.triggered_by(event_type))


def event_row(event: NewEvent, now: datetime) -> tuple:
    """The outbox row of an event: written already delivered when nobody here listens."""
    return (
        event.type,
        event.payload,
        event.source,
        now,
        event.correlation_id,
        event.causation_id,
        None if _needs_delivery(event.type) else now,
    )


def deliver_after_commit(rows: Iterable[tuple]) -> None:
    """Schedule delivery of the rows among these that are waiting for it."""
    if any(row[-1] is None for row in rows):
        transaction.on_commit(events_dispatch_pending)


def events_emit(events: Iterable[NewEvent]) -> int:
    """Write events in the current transaction; deliver them once it commits. Returns how many."""
    now = get_clock().now()
    events = list(events)
    rows = [event_row(e, now) for e in events if not e.actor]
    if rows:
        cellsql.insert_events(rows)
    # An operator's action is rare: its events, which name their actor, go through the ORM.
    acted = [(event_row(e, now), e.actor) for e in events if e.actor]
    if acted:
        Event.objects.bulk_create(
            Event(
                type=kind,
                payload=payload,
                source=source,
                created_at=created,
                correlation_id=correlation,
                causation_id=causation,
                dispatched_at=dispatched,
                actor=actor[:150],
            )
            for (kind, payload, source, created, correlation, causation, dispatched), actor in acted
        )
    deliver_after_commit([*rows, *(row for row, _ in acted)])
    return len(events)


def event_emit(
    event_type: str,
    payload: dict[str, Any] | None = None,
    *,
    source: str = "app",
    correlation_id: str = "",
    causation_id: str = "",
) -> None:
    """Publish one event (from application code); delivered after the transaction commits."""
    with transaction.atomic():
        events_emit(
            [NewEvent(event_type, dict(payload or {}), source, correlation_id, causation_id)]
        )


def events_dispatch_pending(limit: int = 500) -> int:
    """Deliver undelivered events, each exactly once across processes; returns how many.

    Taking an event (a conditional update) and starting the batches it triggers commit
    together, so a trigger fires once even if this process dies right after.
    """
    from .batches import batch_start_triggered

    delivered = 0
    pending = list(
        Event.objects.filter(dispatched_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for event_id in pending:
        with transaction.atomic():
            taken = Event.objects.filter(id=event_id, dispatched_at__isnull=True).update(
                dispatched_at=get_clock().now()
            )
            if not taken:
                continue
            event = Event.objects.get(id=event_id)
            for workflow in registry.triggered_by(event.type):
                batch_start_triggered(workflow, event)
        delivered += 1
        for handler in subscribers.handlers_for(event.type):
            try:
                handler(event)
            except Exception:  # a subscriber's bug must not stop delivery to the others
                log.exception("subscriber %r failed on event %s", handler, event_id)
    return delivered


def wait_for(
    types: str | Iterable[str],
    *,
    correlation_id: str | None = None,
    timeout: float = 30.0,
    after_id: int = 0,
    poll: float = 0.05,
) -> Event:
    """Block until an event of one of ``types`` (after ``after_id``) exists; the database decides.

    Raises ``TimeoutError`` after ``timeout`` seconds of the engine's clock.
    """
    wanted = [types] if isinstance(types, str) else list(types)
    clock = get_clock()
    deadline = clock.now().timestamp() + timeout
    query = Event.objects.filter(type__in=wanted, id__gt=after_id)
    if correlation_id is not None:
        query = query.filter(correlation_id=correlation_id)
    while True:
        found = query.order_by("id").first()
        if found is not None:
            return found
        if clock.now().timestamp() >= deadline:
            raise TimeoutError(f"no event of {wanted} within {timeout}s")
        clock.sleep(poll)
