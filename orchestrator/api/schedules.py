"""Schedules: read them; an admin edits their timing, params and whether they run."""

from __future__ import annotations

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.permissions import CanConfigure, CanRead

from ..models import Schedule
from ..selectors import schedule_document, schedules_list
from ..services.schedules import ScheduleInvalid, schedule_update
from .errors import INVALID, NOT_FOUND


class ScheduleSerializer(serializers.Serializer):
    name = serializers.CharField()
    workflow = serializers.CharField()
    mode = serializers.CharField()
    params = serializers.JSONField()
    cron = serializers.CharField(allow_null=True)
    every_seconds = serializers.IntegerField(allow_null=True)
    time_zone = serializers.CharField()
    enabled = serializers.BooleanField()
    misfire = serializers.ChoiceField(choices=Schedule.Misfire.choices)
    overlap = serializers.ChoiceField(choices=Schedule.Overlap.choices)
    next_run_at = serializers.DateTimeField(allow_null=True)
    next_run_local = serializers.DateTimeField(
        allow_null=True, help_text=_("next_run_at in the schedule's time zone")
    )
    last_fired_at = serializers.DateTimeField(allow_null=True)
    last_batch_id = serializers.CharField(allow_null=True)
    last_outcome = serializers.CharField()


class ScheduleEditSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    cron = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=100,
        help_text=_("5 fields; setting it replaces an interval."),
    )
    every_seconds = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("An interval; setting it replaces a cron expression."),
    )
    time_zone = serializers.CharField(required=False, max_length=64)
    params = serializers.JSONField(required=False, help_text=_("A JSON object."))


def schedule_or_404(name: str) -> Schedule:
    try:
        return Schedule.objects.get(name=name)
    except Schedule.DoesNotExist:
        raise NotFound(_g("no schedule named %(name)s") % {"name": name}) from None


class ScheduleListView(APIView):
    @extend_schema(summary=_("Every schedule, by name"), responses=ScheduleSerializer(many=True))
    def get(self, request: Request) -> Response:
        documents = [schedule_document(s) for s in schedules_list()]
        return Response(ScheduleSerializer(documents, many=True).data)


class ScheduleDetailView(APIView):
    def get_permissions(self):
        if self.request.method == "PATCH":
            return [CanConfigure()]
        return [CanRead()]

    @extend_schema(summary=_("One schedule"), responses={200: ScheduleSerializer, 404: NOT_FOUND})
    def get(self, request: Request, name: str) -> Response:
        return Response(ScheduleSerializer(schedule_document(schedule_or_404(name))).data)

    @extend_schema(
        summary=_("Edit a schedule (admins)"),
        request=ScheduleEditSerializer,
        responses={200: ScheduleSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def patch(self, request: Request, name: str) -> Response:
        given = ScheduleEditSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        changes = dict(given.validated_data)
        if "params" in changes and not isinstance(changes["params"], dict):
            raise ValidationError({"params": _g("params must be a JSON object")})
        if changes.get("cron") is None and "cron" in changes:
            changes["cron"] = ""
        try:
            schedule = schedule_update(name, changes=changes)
        except Schedule.DoesNotExist:
            raise NotFound(_g("no schedule named %(name)s") % {"name": name}) from None
        except ScheduleInvalid as invalid:
            raise ValidationError(invalid.errors) from None
        return Response(ScheduleSerializer(schedule_document(schedule)).data)
