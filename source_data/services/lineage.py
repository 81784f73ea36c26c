"""Lineage: which record was made from which, by what transformation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestrator.core.clock import get_clock

from ..models import DataLineage, SourceData
from ..records import json_text


def lineage_record(
    *,
    parent: SourceData,
    child: SourceData,
    transformation: str,
    metadata: Mapping[str, Any] | None = None,
) -> DataLineage:
    """Record that ``child`` came from ``parent`` by ``transformation``.

    Idempotent, so a retried stage can call it again: one row per (parent, child,
    transformation); a repeat keeps ``created_at`` and replaces ``metadata`` with the
    latest. ``ValueError`` for a self-link, an empty transformation or non-JSON metadata.
    """
    if parent.pk is None or child.pk is None:
        raise ValueError("lineage links saved records")
    if parent.pk == child.pk:
        raise ValueError("a record cannot be its own parent")
    if not transformation or len(transformation) > 50:
        raise ValueError("transformation must be 1-50 characters")
    metadata = dict(metadata or {})
    json_text("metadata", metadata)
    link, _ = DataLineage.objects.update_or_create(
        parent=parent,
        child=child,
        transformation=transformation,
        defaults={"metadata": metadata},
        create_defaults={"metadata": metadata, "created_at": get_clock().now()},
    )
    return link
