"""The engine at a glance: the workflows, the overall status, and a sync started on request."""

from __future__ import annotations

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..core.workflow import Workflow, registry
from ..loading import workflows_load
from ..models import BatchStatus, CellStatus, Schedule
from ..selectors import orchestrator_status, workflows_document
from .batches import batch_start_or_refuse
from .errors import CONFLICT, INVALID
from .fields import enum_field

FULL, INCREMENTAL = "full", "incremental"
# The names a workflow may give its incremental mode, in order of preference.
INCREMENTAL_MODES = ("incremental", "partial")


class WorkflowStageSerializer(serializers.Serializer):
    name = serializers.CharField()
    after = serializers.ListField(child=serializers.CharField())
    resource = serializers.CharField(allow_null=True)
    concurrency = serializers.IntegerField(allow_null=True)
    timeout = serializers.FloatField(allow_null=True)


class WorkflowSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.CharField()
    description = serializers.CharField()
    default_mode = serializers.CharField()
    modes = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Each mode with the stages it runs."),
    )
    stages = WorkflowStageSerializer(many=True)
    trigger = serializers.CharField(allow_null=True)


class StageStatusSerializer(serializers.Serializer):
    stage = serializers.CharField()
    status = enum_field(
        "CellStatus", CellStatus.choices, help_text=_("The most telling status among its cells.")
    )
    counts = serializers.DictField(child=serializers.IntegerField())
    last_sync = serializers.DateTimeField(
        allow_null=True, help_text=_("Its latest successful finish over recent batches.")
    )
    last_error = serializers.CharField(allow_null=True)
    last_error_at = serializers.DateTimeField(allow_null=True)
    last_error_partition = serializers.CharField(allow_null=True)


class LastBatchSerializer(serializers.Serializer):
    batch_id = serializers.CharField()
    mode = serializers.CharField()
    status = enum_field("BatchStatus", BatchStatus.choices)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())


class WorkflowStatusSerializer(serializers.Serializer):
    workflow = serializers.CharField()
    last_batch = LastBatchSerializer(allow_null=True)
    stages = StageStatusSerializer(many=True)
    next_run_at = serializers.DateTimeField(allow_null=True)


class BreakerSerializer(serializers.Serializer):
    resource = serializers.CharField()
    status = serializers.CharField(help_text=_("OPEN or HALF_OPEN"))
    failures = serializers.IntegerField()
    opened_at = serializers.DateTimeField(allow_null=True)


class NextRunSerializer(serializers.Serializer):
    schedule = serializers.CharField()
    workflow = serializers.CharField()
    mode = serializers.CharField()
    next_run_at = serializers.DateTimeField()


class StatusSerializer(serializers.Serializer):
    status = enum_field(
        "OverallStatus",
        ["ok", "running", "degraded", "failing"],
        help_text=_(
            "failing: a last batch FAILED; degraded: a breaker is not closed or a last batch has "
            "failed cells; running: a last batch runs; ok otherwise."
        ),
    )
    checked_at = serializers.DateTimeField()
    workflows = WorkflowStatusSerializer(many=True)
    breakers = BreakerSerializer(many=True)
    next_run = NextRunSerializer(allow_null=True)


class SyncSerializer(serializers.Serializer):
    workflow = serializers.CharField(
        required=False,
        max_length=100,
        help_text=_(
            "Default: the only workflow, or else the only workflow with an enabled schedule."
        ),
    )
    sync_type = serializers.ChoiceField(
        choices=[FULL, INCREMENTAL],
        help_text=_("full: the workflow's full mode; incremental: its incremental or partial one."),
    )


class SyncStartedSerializer(serializers.Serializer):
    batch_id = serializers.CharField()
    status = enum_field("SyncStatus", ["started", "resumed"])
    workflow = serializers.CharField()
    mode = serializers.CharField()


def sync_workflow(name: str | None) -> Workflow:
    """The named workflow; unnamed, the only one there is, or else the only one scheduled."""
    workflows_load()
    if name:
        try:
            return registry.get(name)
        except KeyError as exc:
            raise ValidationError({"workflow": str(exc).strip("\"'")}) from None
    every = registry.workflows()
    if len(every) == 1:
        return every[0]
    scheduled = set(Schedule.objects.filter(enabled=True).values_list("workflow", flat=True))
    candidates = [w for w in every if w.name in scheduled]
    if len(candidates) == 1:
        return candidates[0]
    raise ValidationError(
        {
            "workflow": _g("name the workflow to sync (one of: %(names)s)")
            % {"names": ", ".join(w.name for w in every) or "-"}
        }
    )


def sync_mode(workflow: Workflow, sync_type: str) -> str:
    """``full``: the mode named full, else the default; ``incremental``: the first of
    ``INCREMENTAL_MODES`` the workflow has (400 if none)."""
    if sync_type == FULL:
        return FULL if FULL in workflow.modes else workflow.default_mode
    for mode in INCREMENTAL_MODES:
        if mode in workflow.modes:
            return mode
    raise ValidationError(
        {
            "sync_type": _g("workflow %(workflow)s has no incremental mode (modes: %(modes)s)")
            % {"workflow": workflow.name, "modes": ", ".join(workflow.modes)}
        }
    )


class WorkflowListView(APIView):
    @extend_schema(summary=_("The workflows defined"), responses=WorkflowSerializer(many=True))
    def get(self, request: Request) -> Response:
        workflows_load()
        documents = [
            {**doc, "default_mode": registry.get(doc["name"]).default_mode}
            for doc in workflows_document()
        ]
        return Response(WorkflowSerializer(documents, many=True).data)


class StatusView(APIView):
    @extend_schema(summary=_("Overall status, per workflow and stage"), responses=StatusSerializer)
    def get(self, request: Request) -> Response:
        workflows_load()
        return Response(StatusSerializer(orchestrator_status()).data)


class SyncView(APIView):
    @extend_schema(
        summary=_("Start a full or incremental sync of a workflow"),
        request=SyncSerializer,
        responses={
            201: SyncStartedSerializer,
            200: OpenApiResponse(SyncStartedSerializer, description=_("A running batch resumed.")),
            400: INVALID,
            409: CONFLICT,
        },
    )
    def post(self, request: Request) -> Response:
        given = SyncSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        workflow = sync_workflow(given.validated_data.get("workflow"))
        mode = sync_mode(workflow, given.validated_data["sync_type"])
        started = batch_start_or_refuse(workflow.name, mode=mode)
        body = {
            "batch_id": started.batch.id,
            "status": "resumed" if started.resumed else "started",
            "workflow": workflow.name,
            "mode": mode,
        }
        code = status.HTTP_200_OK if started.resumed else status.HTTP_201_CREATED
        return Response(SyncStartedSerializer(body).data, status=code)
