"""Source data over the REST API, read only: search current records, open one with its
versions and lineage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orchestrator.api.fields import enum_field
from yooini.api_lists import FilteredListView

from .models import ProcessingStatus, SourceData, SourceType
from .selectors import (
    LineageHop,
    lineage_ancestors,
    lineage_descendants,
    source_data_active_in_market,
    source_data_aggregate_by_market,
    source_data_by_market,
    source_data_history,
    source_data_need_price_update,
    source_data_search,
    source_data_with_ai_score_above,
)

LINEAGE_DEPTH = 5


class SourceDataSerializer(serializers.ModelSerializer):
    status = enum_field("ProcessingStatus", ProcessingStatus.choices, source="processing_status")
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = SourceData
        fields = (
            "id",
            "source_type",
            "source_system",
            "source_id",
            "version",
            "is_current",
            "status",
            "content_hash",
            "batch_id",
            "created_at",
            "updated_at",
            "last_seen_at",
            "superseded_at",
        )

    def get_is_current(self, record: SourceData) -> bool:
        return bool(record.is_current)


class VersionSerializer(SourceDataSerializer):
    class Meta(SourceDataSerializer.Meta):
        fields = ("id", "version", "is_current", "content_hash", "created_at", "superseded_at")


class LinkSerializer(serializers.Serializer):
    depth = serializers.IntegerField(help_text=_("1 = a direct parent or child."))
    transformation = serializers.CharField()
    metadata = serializers.JSONField()
    created_at = serializers.DateTimeField()
    record = SourceDataSerializer(help_text=_("The record at the other end of the link."))


class SourceDataDetailSerializer(SourceDataSerializer):
    versions = VersionSerializer(many=True, help_text=_("Every version, oldest first."))
    parents = LinkSerializer(many=True, help_text=_("Where it came from, nearest first."))
    children = LinkSerializer(many=True, help_text=_("What was made from it, nearest first."))

    class Meta(SourceDataSerializer.Meta):
        fields = (
            *SourceDataSerializer.Meta.fields,
            "raw",
            "normalized",
            "market_data",
            "ai_data",
            "versions",
            "parents",
            "children",
        )


class SourceDataQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        max_length=200,
        help_text=_("Part of the source id, or of a title, name or brand."),
    )
    source_system = serializers.CharField(required=False, max_length=50)
    source_type = serializers.ChoiceField(choices=SourceType.choices, required=False)
    status = enum_field("ProcessingStatus", ProcessingStatus.choices, required=False)
    current = serializers.BooleanField(
        required=False, default=True, help_text=_("false: every version, not only current ones.")
    )
    market = serializers.RegexField(
        r"^[A-Za-z0-9_-]{1,50}$",
        required=False,
        help_text=_("Only records listed on this market (any status)."),
    )
    active_in = serializers.RegexField(
        r"^[A-Za-z0-9_-]{1,50}$",
        required=False,
        help_text=_("Only records whose listing on this market is active."),
    )
    price_older_than = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=10 * 365 * 86400,
        help_text=_("With market: only records whose price there is older than these seconds."),
    )
    ai_score_above = serializers.FloatField(
        required=False, help_text=_("Only records whose AI quality score is at least this.")
    )

    def validate(self, attrs):
        if "price_older_than" in attrs and "market" not in attrs:
            raise serializers.ValidationError({"price_older_than": _g("needs market")})
        return attrs


@extend_schema(parameters=[SourceDataQuerySerializer], summary=_("Source data records"))
class SourceDataListView(FilteredListView):
    """Records, most recently changed first (current versions unless ``current=false``)."""

    query_serializer = SourceDataQuerySerializer
    serializer_class = SourceDataSerializer

    def get_queryset(self):
        found = self.query()
        rows = source_data_search(
            q=found.get("q", ""),
            source_system=found.get("source_system", ""),
            source_type=found.get("source_type", ""),
            status=found.get("status", ""),
            current_only=found["current"],
        )
        # The hub's questions (which products are on a market, active there, due a new price,
        # scored high enough), each narrowing the search.
        if "market" in found and "price_older_than" in found:
            older = timedelta(seconds=found["price_older_than"])
            rows = rows.filter(
                id__in=source_data_need_price_update(
                    market=found["market"], older_than=older
                ).values("id")
            )
        elif "market" in found:
            rows = rows.filter(id__in=source_data_by_market(market=found["market"]).values("id"))
        if "active_in" in found:
            rows = rows.filter(
                id__in=source_data_active_in_market(market=found["active_in"]).values("id")
            )
        if "ai_score_above" in found:
            rows = rows.filter(
                id__in=source_data_with_ai_score_above(score=found["ai_score_above"]).values("id")
            )
        return rows


class MarketSummaryView(APIView):
    @extend_schema(
        summary=_("Per market: products listed, active, and their prices"),
        responses={
            200: OpenApiResponse(
                description=_("{market: {listed, active, min_price, max_price, avg_price}}")
            )
        },
    )
    def get(self, request: Request) -> Response:
        return Response(source_data_aggregate_by_market())


def _links(hops: list[LineageHop], *, up: bool) -> list[dict[str, Any]]:
    return [
        {
            "depth": hop.depth,
            "transformation": hop.link.transformation,
            "metadata": hop.link.metadata,
            "created_at": hop.link.created_at,
            "record": hop.link.parent if up else hop.link.child,
        }
        for hop in hops
    ]


class SourceDataDetailView(APIView):
    @extend_schema(
        summary=_("One record with its versions and lineage"),
        responses={
            200: SourceDataDetailSerializer,
            404: OpenApiResponse(description=_("No such record.")),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        record = SourceData.objects.filter(pk=pk).first()
        if record is None:
            raise NotFound(_g("no source data record %(id)s") % {"id": pk})
        record.versions = list(
            source_data_history(source_system=record.source_system, source_id=record.source_id)
        )
        record.parents = _links(
            lineage_ancestors(source_data=record, max_depth=LINEAGE_DEPTH), up=True
        )
        record.children = _links(
            lineage_descendants(source_data=record, max_depth=LINEAGE_DEPTH), up=False
        )
        return Response(SourceDataDetailSerializer(record).data)
