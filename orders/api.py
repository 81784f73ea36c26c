"""Order lines over the REST API. Viewers see the buyer masked; operators and admins see it in
full. An operator may enter a line's tracking number (the next run of order_processing sends
it to the market)."""

from __future__ import annotations

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.roles import Role, has_role
from orchestrator.api.fields import enum_field
from yooini.api_lists import FilteredListView

from .models import LineStatus, OrderLine
from .processing import tracking_set
from .selectors import line_document, order_lines, with_history
from .services import TransitionRefused, line_cancel_by_seller


class OrderBuyerSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()
    zip_code = serializers.CharField()


class OrderTrackingSerializer(serializers.Serializer):
    company = serializers.CharField(max_length=30, help_text=_("Parcel company code, e.g. CJGLS."))
    number = serializers.RegexField(
        r"^[A-Za-z0-9-]{6,40}$", help_text=_("The invoice number: 6 to 40 letters or digits.")
    )


class OrderEventSerializer(serializers.Serializer):
    at = serializers.CharField()
    to = serializers.CharField()
    source = serializers.CharField()
    cause = serializers.CharField()

    def get_fields(self):
        # "from" (the status before) is a Python keyword: added here, not as an attribute.
        return {"from": serializers.CharField(allow_blank=True), **super().get_fields()}


class OrderRequestSerializer(serializers.Serializer):
    kind = serializers.CharField()
    target = serializers.CharField()
    at = serializers.CharField()
    body = serializers.JSONField()
    status_code = serializers.IntegerField(allow_null=True)
    result = serializers.JSONField()
    error = serializers.CharField(allow_blank=True)


class OrderLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    market = serializers.CharField()
    account = serializers.CharField()
    order_id = serializers.CharField()
    line_id = serializers.CharField()
    ordered_at = serializers.CharField()
    reference_number = serializers.CharField()
    product_name = serializers.CharField()
    option = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.IntegerField()
    currency = serializers.CharField()
    status = enum_field("OrderLineStatus", LineStatus.choices)
    market_status = serializers.CharField()
    cancel_requested = serializers.BooleanField()
    tracking = OrderTrackingSerializer()
    attention = serializers.CharField(help_text=_("What a person must check; empty when nothing."))
    buyer = OrderBuyerSerializer(help_text=_("Masked for viewers."))
    purchase = serializers.JSONField(allow_null=True)


class OrderLineDetailSerializer(OrderLineSerializer):
    timeline = OrderEventSerializer(many=True)
    requests = OrderRequestSerializer(many=True)


class OrderQuerySerializer(serializers.Serializer):
    market = serializers.CharField(required=False, max_length=20)
    account = serializers.CharField(required=False, max_length=50, help_text=_("Account name."))
    status = enum_field("OrderLineStatus", LineStatus.choices, required=False)
    q = serializers.CharField(
        required=False, max_length=100, help_text=_("Part of the order, line or reference id.")
    )


def _reveal(request: Request) -> bool:
    return has_role(request.user, Role.OPERATOR)


@extend_schema(parameters=[OrderQuerySerializer], summary=_("Order lines, newest first"))
class OrderLineListView(FilteredListView):
    query_serializer = OrderQuerySerializer
    serializer_class = OrderLineSerializer

    def get_queryset(self):
        found = self.query()
        return order_lines(
            market=found.get("market"),
            account=found.get("account"),
            status=found.get("status"),
            search=found.get("q"),
        ).select_related("purchase")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        reveal = _reveal(request)
        data = [line_document(line, reveal=reveal, history=False) for line in page]
        return self.get_paginated_response(OrderLineSerializer(data, many=True).data)


def _line(pk: int) -> OrderLine:
    line = with_history(OrderLine.objects.select_related("order", "account")).filter(pk=pk).first()
    if line is None:
        raise NotFound(_g("no order line %(id)s") % {"id": pk})
    return line


class OrderLineDetailView(APIView):
    @extend_schema(
        summary=_("One order line with its timeline and requests"),
        responses={
            200: OrderLineDetailSerializer,
            404: OpenApiResponse(description=_("No such line.")),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        document = line_document(_line(pk), reveal=_reveal(request))
        return Response(OrderLineDetailSerializer(document).data)


class OrderLineTrackingView(APIView):
    # The default permission (CanRead) lets only operators and admins write.

    @extend_schema(
        summary=_("Enter a purchased line's tracking number (sent to the market next run)"),
        request=OrderTrackingSerializer,
        responses={
            200: OrderLineDetailSerializer,
            400: OpenApiResponse(description=_("A bad value, or the line is not purchased.")),
            404: OpenApiResponse(description=_("No such line.")),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        line = _line(pk)
        given = OrderTrackingSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        if line.status != LineStatus.PURCHASED:
            raise ValidationError(
                {"status": [_g("the line is %(status)s, not purchased") % {"status": line.status}]}
            )
        tracking_set(
            line, given.validated_data["company"], given.validated_data["number"], source="person"
        )
        return Response(OrderLineDetailSerializer(line_document(_line(pk), reveal=True)).data)


class OrderLineCancelView(APIView):
    # The default permission (CanRead) lets only operators and admins write.

    @extend_schema(
        summary=_("Cancel a line not yet shipped, on the seller's side"),
        description=_(
            "Not bought yet: it never will be. Bought: the next order_processing run cancels the"
            " purchase at the supplier where it allows, else flags the line. The market is not"
            " told: cancel the order there too."
        ),
        request=None,
        responses={
            200: OrderLineDetailSerializer,
            400: OpenApiResponse(description=_("The line is shipped, ended, or being bought.")),
            404: OpenApiResponse(description=_("No such line.")),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        try:
            line_cancel_by_seller(_line(pk), actor=f"{request.user.get_username()} (api)")
        except TransitionRefused as exc:
            raise ValidationError({"status": [str(exc)]}) from None
        return Response(OrderLineDetailSerializer(line_document(_line(pk), reveal=True)).data)
