"""Events of the outbox: what happened, newest first."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from yooini.api_lists import FilteredListView

from ..models import Event
from ..selectors import events_filter


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = (
            "id",
            "type",
            "payload",
            "source",
            "created_at",
            "correlation_id",
            "causation_id",
            "dispatched_at",
            "actor",
        )


class EventQuerySerializer(serializers.Serializer):
    batch = serializers.CharField(
        required=False, max_length=64, help_text=_("A batch id (the same as its correlation id).")
    )
    correlation_id = serializers.CharField(required=False, max_length=64)
    type = serializers.CharField(
        required=False,
        max_length=100,
        help_text=_("An event type; ending in * matches every type with that prefix."),
    )


@extend_schema(parameters=[EventQuerySerializer], summary=_("Events, newest first"))
class EventListView(FilteredListView):
    """Events, newest first (by id), filtered by batch / correlation id and type."""

    query_serializer = EventQuerySerializer
    serializer_class = EventSerializer

    def get_queryset(self):
        found = self.query()
        correlations = {found.get("batch"), found.get("correlation_id")} - {None, ""}
        if len(correlations) > 1:  # two different batches at once: nothing matches both
            return Event.objects.none()
        return events_filter(
            correlation_id=next(iter(correlations), None), event_type=found.get("type")
        )
