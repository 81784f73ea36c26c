"""Daily market reports over the REST API: the list (newest first) and one report whole."""

from __future__ import annotations

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .selectors import ReportNotFound, report_document, report_get, reports_list


class ReportSerializer(serializers.Serializer):
    batch_id = serializers.CharField()
    day = serializers.DateField()
    ready = serializers.BooleanField()
    accounts_expected = serializers.IntegerField()
    summary = serializers.JSONField(help_text=_("Totals per currency and one line per account."))


class ReportSectionSerializer(serializers.Serializer):
    account = serializers.CharField()
    market = serializers.CharField()
    dry_run = serializers.BooleanField()
    finished = serializers.BooleanField()
    prices = serializers.JSONField(help_text=_("Price position against competitors, margin."))
    stock = serializers.JSONField(help_text=_("Restock, sold-out and delist findings."))
    sales = serializers.JSONField(help_text=_("Orders, revenue, margin, top products."))


class ReportDetailSerializer(ReportSerializer):
    ready_at = serializers.CharField(allow_null=True)
    accounts_finished = serializers.ListField(child=serializers.CharField())
    sections = ReportSectionSerializer(many=True)


@extend_schema(summary=_("Daily market reports, newest first"))
class ReportListView(generics.ListAPIView):
    serializer_class = ReportSerializer

    def get_queryset(self):
        return reports_list()


class ReportDetailView(APIView):
    @extend_schema(
        summary=_("One daily market report with every account's section"),
        responses={
            200: ReportDetailSerializer,
            404: OpenApiResponse(description=_("No such report.")),
        },
    )
    def get(self, request: Request, batch_id: str) -> Response:
        try:
            report = report_get(batch_id)
        except ReportNotFound:
            raise NotFound(_g("no daily report of batch %(id)s") % {"id": batch_id}) from None
        return Response(ReportDetailSerializer(report_document(report)).data)
