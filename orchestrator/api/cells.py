"""A batch's partition x stage grid, a page of partitions at a time, and one cell in full."""

from __future__ import annotations

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..core.waiting import WaitReason
from ..grid import MAX_LIMIT, batch_grid, cell_detail
from ..models import Batch, BatchStatus, CellStatus, StageRun, StageRunLog
from .batches import StageSummarySerializer
from .errors import INVALID, NOT_FOUND
from .events import EventSerializer
from .fields import enum_field


class WaitSerializer(serializers.Serializer):
    """Why a PENDING or BLOCKED cell is not running (``core.waiting``)."""

    kind = serializers.CharField(
        help_text=_(
            "cancelling, retry, upstream, blocked, breaker, resource_full, rate_limit or ready"
        )
    )
    text = serializers.CharField(help_text=_("One line, times in the installation's zone."))
    until = serializers.DateTimeField(allow_null=True, help_text=_("When the wait should end."))
    resource = serializers.CharField()


def wait_document(wait: WaitReason | None) -> dict | None:
    if wait is None:
        return None
    from django.utils import timezone

    def clock(at):
        return timezone.localtime(at).strftime("%H:%M")

    return WaitSerializer(
        {
            "kind": wait.kind,
            "text": wait.text(clock),
            "until": wait.until,
            "resource": wait.resource,
        }
    ).data


class StageRunLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = StageRunLog
        fields = ("attempt", "text", "truncated", "created_at")


class GridCellSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The cell's id, for its detail."))
    stage = serializers.CharField()
    status = enum_field("CellStatus", CellStatus.choices)
    attempt = serializers.IntegerField()
    failures = serializers.IntegerField()
    item_count = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_s = serializers.FloatField(allow_null=True)
    error = serializers.CharField(help_text=_("The error's first line (empty if none)."))
    item_errors = serializers.IntegerField(help_text=_("Items failed or set aside."))
    wait = serializers.SerializerMethodField()

    @extend_schema_field(WaitSerializer(allow_null=True))
    def get_wait(self, cell) -> dict | None:
        return wait_document(cell.wait)


class GridRowSerializer(serializers.Serializer):
    partition = serializers.CharField()
    cells = serializers.DictField(
        child=GridCellSerializer(), help_text=_("By stage name; a stage may be missing.")
    )


class GridSerializer(serializers.Serializer):
    batch_id = serializers.CharField(source="batch.id")
    workflow = serializers.CharField(source="batch.workflow")
    mode = serializers.CharField(source="batch.mode")
    status = enum_field("BatchStatus", BatchStatus.choices, source="batch.status")
    counts = serializers.DictField(child=serializers.IntegerField())
    stages = StageSummarySerializer(many=True)
    partitions_total = serializers.IntegerField(
        help_text=_("Partitions matching the filter, for paging.")
    )
    offset = serializers.IntegerField()
    limit = serializers.IntegerField()
    rows = GridRowSerializer(many=True)


class GridQuerySerializer(serializers.Serializer):
    status = enum_field(
        "CellStatus",
        CellStatus.choices,
        required=False,
        help_text=_("Only partitions with at least one cell in this status."),
    )
    partition = serializers.CharField(
        required=False, max_length=200, help_text=_("Partitions whose name contains this.")
    )
    offset = serializers.IntegerField(required=False, default=0, min_value=0)
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=MAX_LIMIT)


class CellDetailSerializer(serializers.ModelSerializer):
    batch_id = serializers.CharField()
    events = EventSerializer(many=True, help_text=_("The cell's attempt history, oldest first."))
    wait = serializers.SerializerMethodField()
    logs = StageRunLogSerializer(
        many=True,
        source="attempt_logs",
        help_text=_("What each attempt logged (bounded), newest first."),
    )

    @extend_schema_field(WaitSerializer(allow_null=True))
    def get_wait(self, cell) -> dict | None:
        return wait_document(getattr(cell, "wait", None))

    class Meta:
        model = StageRun
        fields = (
            "id",
            "batch_id",
            "workflow",
            "partition",
            "stage",
            "position",
            "resource",
            "status",
            "attempt",
            "failures",
            "item_count",
            "error",
            "error_type",
            "traceback",
            "started_at",
            "updated_at",
            "finished_at",
            "next_attempt_at",
            "lease_owner",
            "lease_expires_at",
            "checkpoint",
            "result",
            "events",
            "wait",
            "logs",
        )


class BatchGridView(APIView):
    @extend_schema(
        summary=_("A page of the batch's grid: partitions with their cells by stage"),
        parameters=[GridQuerySerializer],
        responses={200: GridSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def get(self, request: Request, batch_id: str) -> Response:
        query = GridQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            grid = batch_grid(batch_id, **query.validated_data)
        except Batch.DoesNotExist:
            raise NotFound(_g("no batch %(batch_id)s") % {"batch_id": batch_id}) from None
        return Response(GridSerializer(grid).data)


class CellDetailView(APIView):
    @extend_schema(
        summary=_("One cell: its error, traceback, checkpoint and events"),
        responses={200: CellDetailSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, batch_id: str, cell_id: int) -> Response:
        try:
            found = cell_detail(cell_id, batch_id=batch_id)
        except StageRun.DoesNotExist:
            raise NotFound(
                _g("no cell %(cell_id)s in batch %(batch_id)s")
                % {"cell_id": cell_id, "batch_id": batch_id}
            ) from None
        found.cell.events = found.events
        found.cell.wait = found.wait
        found.cell.attempt_logs = found.logs
        return Response(CellDetailSerializer(found.cell).data)
