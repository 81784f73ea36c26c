"""Retention: old events and finished batches go, so tables stay small and fast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from ..core.clock import get_clock
from ..models import FINISHED_BATCH, Batch, Event, StageRun

CHUNK = 5000


@dataclass(frozen=True)
class Pruned:
    events: int
    batches: int


def prune(*, older_than: timedelta) -> Pruned:
    """Delete delivered events and finished batches (with their cells) older than the cutoff.

    Running batches and undelivered events are never deleted, whatever their age.
    """
    cutoff = get_clock().now() - older_than
    events = _delete_in_chunks(
        Event.objects.filter(created_at__lt=cutoff, dispatched_at__isnull=False).values_list(
            "id", flat=True
        ),
        Event,
    )
    old = Batch.objects.filter(status__in=FINISHED_BATCH, finished_at__lt=cutoff)
    batch_ids = list(old.values_list("id", flat=True))
    for start in range(0, len(batch_ids), 100):
        chunk = batch_ids[start : start + 100]
        with transaction.atomic():
            StageRun.objects.filter(batch_id__in=chunk).delete()
            Batch.objects.filter(id__in=chunk).delete()
    return Pruned(events=events, batches=len(batch_ids))


def _delete_in_chunks(ids_query, model) -> int:
    deleted = 0
    while True:
        ids = list(ids_query[:CHUNK])
        if not ids:
            return deleted
        with transaction.atomic():
            deleted += model.objects.filter(id__in=ids).delete()[0]


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``45m``, ``90s`` -> timedelta; a clear error otherwise."""
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit():
        raise ValueError(f"age {text!r} must look like 30d, 12h, 45m or 90s")
    return timedelta(**{units[text[-1]]: int(text[:-1])})
