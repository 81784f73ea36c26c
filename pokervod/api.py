"""Block E's REST endpoints, under ``/api/pokervod/`` with the project's auth (a token or a
session; any signed-in role reads): the projects, the catalog search, the block status."""

from __future__ import annotations

from django.db import connection
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orchestrator.api.errors import INVALID

from .search import CLIP, EPISODE, SearchError, list_projects, search_catalog
from .status import block_statuses, overall_status


class ProjectSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    seasons = serializers.IntegerField()
    episodes = serializers.IntegerField()
    clips = serializers.IntegerField()


class FoundSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[EPISODE, CLIP])
    id = serializers.IntegerField()
    title = serializers.CharField()
    rank = serializers.FloatField()


class SearchSerializer(serializers.Serializer):
    query = serializers.CharField()
    database = serializers.CharField(help_text="Whose full-text index answered.")
    results = FoundSerializer(many=True)


class BlockStatusSerializer(serializers.Serializer):
    block_id = serializers.CharField()
    stage = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["idle", "in_progress", "completed", "failed", "partial"]
    )
    last_sync_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_null=True)
    items_processed = serializers.IntegerField()
    items_total = serializers.IntegerField()
    batch = serializers.CharField(allow_null=True)


class BlocksSerializer(serializers.Serializer):
    overall = serializers.ChoiceField(choices=["idle", "in_progress", "completed", "partial"])
    blocks = serializers.DictField(child=BlockStatusSerializer())


class ProjectListView(APIView):
    @extend_schema(
        summary="PokerVOD projects with their counts", responses=ProjectSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        return Response(ProjectSerializer(list_projects(), many=True).data)


class SearchView(APIView):
    @extend_schema(
        summary="Search the PokerVOD catalog (episodes and hand clips) by full text",
        parameters=[
            OpenApiParameter(
                "q", str, required=True, description="Words, each matched as a prefix."
            ),
            OpenApiParameter("kind", str, enum=[EPISODE, CLIP], required=False),
            OpenApiParameter("limit", int, required=False, description="1 to 200, default 20."),
        ],
        responses={200: SearchSerializer, 400: INVALID},
    )
    def get(self, request: Request) -> Response:
        query = request.query_params.get("q", "")
        limit = request.query_params.get("limit", "20")
        if not limit.isdigit():
            raise ValidationError({"limit": "a whole number from 1 to 200"})
        try:
            found = search_catalog(
                query, kind=request.query_params.get("kind") or None, limit=int(limit)
            )
        except SearchError as exc:
            field, _, message = str(exc).partition(": ")
            raise ValidationError({"q" if field == "query" else field: message}) from None
        body = {
            "query": query,
            "database": connection.vendor,
            "results": [f.__dict__ for f in found],
        }
        return Response(SearchSerializer(body).data)


class BlockStatusView(APIView):
    @extend_schema(
        summary="Each PokerVOD block's status (the seed's BlockStatus)", responses=BlocksSerializer
    )
    def get(self, request: Request) -> Response:
        blocks = block_statuses()
        body = {
            "overall": overall_status(blocks),
            "blocks": {k: b.as_dict() for k, b in blocks.items()},
        }
        return Response(BlocksSerializer(body).data)


urlpatterns = [
    path("pokervod/projects/", ProjectListView.as_view(), name="api-pokervod-projects"),
    path("pokervod/search/", SearchView.as_view(), name="api-pokervod-search"),
    path("pokervod/status/", BlockStatusView.as_view(), name="api-pokervod-status"),
]
