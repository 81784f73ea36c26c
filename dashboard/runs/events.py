"""The event log, newest first, filtered by batch (correlation id) and type.

Paged by id ("older than #n") rather than by page number: the log only grows, and counting
it on every view would cost more than the page itself.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render

from orchestrator.models import Batch
from orchestrator.selectors import events_filter

from .present import compact_json

PER_PAGE = 100


def events(request):
    correlation = request.GET.get("batch", "").strip()
    event_type = request.GET.get("type", "").strip()
    before = request.GET.get("before", "")
    query = events_filter(correlation_id=correlation, event_type=event_type)
    if before.isdigit():
        query = query.filter(id__lt=int(before))
    found = list(query[: PER_PAGE + 1])
    shown = found[:PER_PAGE]
    batch_ids = set(
        Batch.objects.filter(
            id__in={e.correlation_id for e in shown if e.correlation_id}
        ).values_list("id", flat=True)
    )
    filters = {k: v for k, v in (("batch", correlation), ("type", event_type)) if v}
    older = ""
    if len(found) > PER_PAGE:
        older = "?" + urlencode({**filters, "before": shown[-1].id})
    return render(
        request,
        "dashboard/events.html",
        {
            "rows": [(e, compact_json(e.payload), e.correlation_id in batch_ids) for e in shown],
            "batch": correlation,
            "type": event_type,
            "older_url": older,
            "newest_url": ("?" + urlencode(filters)) if before else "",
        },
    )
