"""Batches: list, start (or resume), detail, and the operator's actions on one."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yooini.api_lists import FilteredListView

from ..core.workflow import registry
from ..grid import batch_grid
from ..item_errors import batch_item_errors
from ..loading import workflows_load
from ..models import Batch, BatchStatus
from ..selectors import batches_cell_counts, batches_filter
from ..services.batches import (
    BatchConflict,
    BatchStart,
    batch_cancel,
    batch_resume,
    batch_retry,
    batch_start,
)
from .errors import CONFLICT, INVALID, NOT_FOUND, Conflict
from .fields import enum_field

COUNTS = serializers.DictField(
    child=serializers.IntegerField(), help_text=_("Cells by status (PENDING, DONE, ERROR, ...).")
)


class BatchSerializer(serializers.Serializer):
    """A batch with its progress: cells by status out of ``cells_total``."""

    batch_id = serializers.CharField(source="id")
    workflow = serializers.CharField()
    workflow_version = serializers.CharField()
    mode = serializers.CharField()
    params = serializers.JSONField()
    status = enum_field("BatchStatus", BatchStatus.choices)
    cancel_requested = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    cells_total = serializers.IntegerField()
    parent_batch = serializers.CharField()
    counts = serializers.SerializerMethodField()

    @extend_schema_field(COUNTS)
    def get_counts(self, batch: Batch) -> dict[str, int]:
        return self.context.get("counts", {}).get(batch.id, {})


class StageSummarySerializer(serializers.Serializer):
    stage = serializers.CharField()
    position = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
    total = serializers.IntegerField()
    settled = serializers.IntegerField(help_text=_("DONE + SKIPPED"))
    items = serializers.IntegerField(help_text=_("Items processed (sum of the cells' counts)."))
    errors = serializers.IntegerField(help_text=_("ERROR + BLOCKED"))
    first_started_at = serializers.DateTimeField(allow_null=True)
    last_finished_at = serializers.DateTimeField(allow_null=True)
    wall_s = serializers.FloatField(allow_null=True)


class ItemErrorGroupSerializer(serializers.Serializer):
    stage = serializers.CharField()
    reason = serializers.CharField()
    count = serializers.IntegerField(help_text=_("Items that failed for this reason."))
    partitions = serializers.IntegerField(help_text=_("Partitions they were in."))
    kind = serializers.ChoiceField(
        choices=["failed", "set aside"],
        help_text=_(
            "failed: counts against the stage's ItemFailures rule; set aside: rows or products "
            "the stage left for a person (rejected rows, human translation), never failing it."
        ),
    )


class BatchDetailSerializer(BatchSerializer):
    totals = serializers.JSONField(
        help_text=_(
            "Final counts and items, once finished; with failed_items and item_errors (the "
            "first groups) when items failed."
        )
    )
    trigger_event = serializers.IntegerField(allow_null=True)
    stages = serializers.SerializerMethodField()
    item_errors = serializers.SerializerMethodField()

    @extend_schema_field(StageSummarySerializer(many=True))
    def get_stages(self, batch: Batch) -> list[dict[str, Any]]:
        return StageSummarySerializer(self.context.get("stages", []), many=True).data

    @extend_schema_field(ItemErrorGroupSerializer(many=True))
    def get_item_errors(self, batch: Batch) -> list[dict[str, Any]]:
        """Items that failed or were set aside, by stage, kind and reason (each reason once,
        with its count)."""
        return [group.as_dict() for group in batch_item_errors(batch.id)]


class BatchStartedSerializer(BatchSerializer):
    resumed = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_resumed(self, batch: Batch) -> bool:
        return bool(self.context.get("resumed"))


class BatchQuerySerializer(serializers.Serializer):
    workflow = serializers.CharField(required=False, max_length=100)
    status = enum_field("BatchStatus", BatchStatus.choices, required=False)


class BatchStartSerializer(serializers.Serializer):
    workflow = serializers.CharField(max_length=100)
    mode = serializers.CharField(
        required=False, max_length=50, help_text=_("Default: the workflow's first mode.")
    )
    params = serializers.JSONField(required=False, help_text=_("A JSON object."))
    new = serializers.BooleanField(
        default=False, help_text=_("Start another batch even if one of the workflow runs.")
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        workflows_load()
        try:
            workflow = registry.get(data["workflow"])
        except KeyError as exc:
            raise ValidationError({"workflow": str(exc).strip("\"'")}) from None
        if data.get("mode") is not None and data["mode"] not in workflow.modes:
            raise ValidationError(
                {
                    "mode": _g("workflow %(workflow)s has no mode %(mode)s (modes: %(modes)s)")
                    % {
                        "workflow": workflow.name,
                        "mode": data["mode"],
                        "modes": ", ".join(workflow.modes),
                    }
                }
            )
        if not isinstance(data.get("params", {}), dict):
            raise ValidationError({"params": _g("params must be a JSON object")})
        return data


class RetrySerializer(serializers.Serializer):
    stage = serializers.CharField(required=False, allow_null=True, max_length=100)
    partition = serializers.CharField(required=False, allow_null=True, max_length=200)


class RetriedSerializer(serializers.Serializer):
    reset = serializers.IntegerField(help_text=_("Cells that will run again."))


def batch_or_404(batch_id: str) -> Batch:
    try:
        return Batch.objects.get(id=batch_id)
    except Batch.DoesNotExist:
        raise NotFound(_g("no batch %(batch_id)s") % {"batch_id": batch_id}) from None


def batch_response(batch: Batch, *, code: int = status.HTTP_200_OK, **extra: Any) -> Response:
    """A batch as ``BatchSerializer`` shapes it (with its counts), plus ``extra`` keys."""
    counts = batches_cell_counts([batch.id])
    body = dict(BatchSerializer(batch, context={"counts": counts}).data)
    return Response({**body, **extra}, status=code)


@extend_schema(parameters=[BatchQuerySerializer])
class BatchListView(FilteredListView):
    """Batches, newest first, with their progress; POST starts (or resumes) one."""

    query_serializer = BatchQuerySerializer
    serializer_class = BatchSerializer

    def get_queryset(self):
        return batches_filter(**self.query())

    @extend_schema(summary=_("Batches, newest first"))
    def get(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        counts = batches_cell_counts([batch.id for batch in page])
        data = BatchSerializer(page, many=True, context={"counts": counts}).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary=_("Start a batch (or resume the running one)"),
        parameters=[],
        request=BatchStartSerializer,
        responses={
            201: BatchStartedSerializer,
            200: OpenApiResponse(BatchStartedSerializer, description=_("A running batch resumed.")),
            400: INVALID,
            409: CONFLICT,
        },
    )
    def post(self, request: Request) -> Response:
        given = BatchStartSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        found = given.validated_data
        started = batch_start_or_refuse(
            found["workflow"], mode=found.get("mode"), params=found.get("params"), new=found["new"]
        )
        code = status.HTTP_200_OK if started.resumed else status.HTTP_201_CREATED
        return batch_response(started.batch, code=code, resumed=started.resumed)


def batch_start_or_refuse(workflow: str, **options) -> BatchStart:
    """``batch_start``, its refusals as API errors: 409 for a conflict, 400 for an unknown
    workflow or mode or params the workflow refuses."""
    try:
        return batch_start(workflow, **options)
    except BatchConflict as exc:
        raise Conflict(str(exc)) from None
    except (KeyError, ValueError) as exc:  # e.g. params the partitions provider refuses
        raise ValidationError({"detail": str(exc).strip("\"'")}) from None


class BatchDetailView(APIView):
    @extend_schema(
        summary=_("A batch with its stage summaries"),
        responses={200: BatchDetailSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, batch_id: str) -> Response:
        try:
            grid = batch_grid(batch_id, limit=1)
        except Batch.DoesNotExist:
            raise NotFound(_g("no batch %(batch_id)s") % {"batch_id": batch_id}) from None
        context = {"counts": {grid.batch.id: grid.counts}, "stages": grid.stages}
        return Response(BatchDetailSerializer(grid.batch, context=context).data)


def api_actor(request: Request) -> str:
    """Who called, as events record it: ``api:<user>``."""
    return f"api:{request.user.get_username()}"


class _BatchAction(APIView):
    def act(self, batch_id: str, action) -> Any:
        batch_or_404(batch_id)
        try:
            return action()
        except Batch.DoesNotExist:
            raise NotFound(_g("no batch %(batch_id)s") % {"batch_id": batch_id}) from None
        except BatchConflict as exc:
            raise Conflict(str(exc)) from None
        except KeyError as exc:  # the batch's workflow is no longer defined
            raise Conflict(str(exc).strip("\"'")) from None


class BatchResumeView(_BatchAction):
    @extend_schema(
        summary=_("Make a cancelled batch runnable again"),
        request=None,
        responses={200: BatchSerializer, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, batch_id: str) -> Response:
        return batch_response(
            self.act(batch_id, lambda: batch_resume(batch_id, actor=api_actor(request)))
        )


class BatchRetryView(_BatchAction):
    @extend_schema(
        summary=_("Run failed, blocked and cancelled cells again"),
        request=RetrySerializer,
        responses={200: RetriedSerializer, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, batch_id: str) -> Response:
        given = RetrySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        found = given.validated_data
        reset = self.act(
            batch_id,
            lambda: batch_retry(
                batch_id,
                stage=found.get("stage"),
                partition=found.get("partition"),
                actor=api_actor(request),
            ),
        )
        return Response({"reset": reset})


class BatchCancelView(_BatchAction):
    @extend_schema(
        summary=_("Stop dispatching the batch's cells"),
        request=None,
        responses={200: BatchSerializer, 404: NOT_FOUND},
    )
    def post(self, request: Request, batch_id: str) -> Response:
        return batch_response(
            self.act(batch_id, lambda: batch_cancel(batch_id, actor=api_actor(request)))
        )
