"""Reads of the notifications tables."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from .models import Channel, Delivery


def channel_by_name(name: str) -> Channel:
    """The channel called ``name``; ``Channel.DoesNotExist`` otherwise."""
    return Channel.objects.get(name=name)


def delivery_counts() -> dict[str, int]:
    """How many deliveries are in each status (PENDING, SENT, FAILED), zeros included."""
    counts = dict.fromkeys(Delivery.Status.values, 0)
    rows = Delivery.objects.values("status").annotate(n=Count("id")).order_by()
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def deliveries_list(*, status: str | None = None, limit: int = 100) -> QuerySet[Delivery]:
    """The latest deliveries, newest first, optionally of one status."""
    query = Delivery.objects.select_related("channel").order_by("-id")
    if status:
        query = query.filter(status=status)
    return query[:limit]
