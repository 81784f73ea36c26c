"""Listings over the REST API, read only. Account credentials are never part of an answer:
the serializers name every field they show, and an account shows only its name, market and
flags."""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orchestrator.api.fields import enum_field
from source_data.models import SourceData
from yooini.api_lists import FilteredListView

from .models import Listing, ListingRequest, ListingStatus
from .selectors import listing_requests, listings_for

RECENT_REQUESTS = 50


class ListingSerializer(serializers.ModelSerializer):
    account = serializers.CharField(source="account.name")
    market = serializers.CharField(source="account.market")
    dry_run_account = serializers.BooleanField(
        source="account.dry_run", help_text=_("The account records requests without sending.")
    )
    status = enum_field("ListingStatus", ListingStatus.choices)
    stock = serializers.SerializerMethodField()

    class Meta:
        model = Listing
        fields = (
            "id",
            "account",
            "market",
            "dry_run_account",
            "reference_number",
            "source_key",
            "external_id",
            "status",
            "price",
            "stock",
            "last_error",
            "created_at",
            "updated_at",
        )

    def get_stock(self, listing: Listing) -> dict:
        # "hash" is bookkeeping for change detection, not stock.
        return {k: v for k, v in (listing.stock or {}).items() if k != "hash"}


class ListingRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = ListingRequest
        fields = (
            "id",
            "kind",
            "at",
            "dry_run",
            "method",
            "path",
            "status_code",
            "request_uid",
            "body",
            "result",
            "error",
        )


class ListingDetailSerializer(ListingSerializer):
    price_decision = serializers.JSONField(
        allow_null=True, help_text=_("How the price was decided, with its inputs.")
    )
    source_data_id = serializers.SerializerMethodField()
    requests = serializers.SerializerMethodField()

    class Meta(ListingSerializer.Meta):
        fields = (
            *ListingSerializer.Meta.fields,
            "price_decision",
            "fixed",
            "content_hash",
            "create_sent_at",
            "source_data_id",
            "requests",
        )

    def get_source_data_id(self, listing: Listing) -> int | None:
        """The current source data record the listing was made from, if it is stored."""
        system, _sep, source_id = listing.source_key.partition(":")
        if not source_id:
            return None
        return (
            SourceData.objects.filter(source_system=system, source_id=source_id, is_current=True)
            .values_list("id", flat=True)
            .first()
        )

    @extend_schema_field(ListingRequestSerializer(many=True))
    def get_requests(self, listing: Listing) -> list:
        recent = list(listing_requests(listing).order_by("-at", "-id")[:RECENT_REQUESTS])
        return ListingRequestSerializer(recent, many=True).data


class ListingQuerySerializer(serializers.Serializer):
    account = serializers.CharField(required=False, max_length=50, help_text=_("Account name."))
    status = enum_field("ListingStatus", ListingStatus.choices, required=False)
    q = serializers.CharField(
        required=False,
        max_length=200,
        help_text=_("Part of the reference number, source key or market id."),
    )


@extend_schema(parameters=[ListingQuerySerializer], summary=_("Listings on market accounts"))
class ListingListView(FilteredListView):
    """Listings by account name, then reference number."""

    query_serializer = ListingQuerySerializer
    serializer_class = ListingSerializer

    def get_queryset(self):
        found = self.query()
        listings = listings_for(account=found.get("account"), status=found.get("status"))
        if found.get("q"):
            # Lower() on both sides: MariaDB's binary collation makes icontains case-sensitive.
            needle = found["q"].lower()
            listings = listings.alias(
                _ref=Lower("reference_number"), _src=Lower("source_key"), _ext=Lower("external_id")
            ).filter(Q(_ref__contains=needle) | Q(_src__contains=needle) | Q(_ext__contains=needle))
        return listings


class ListingDetailView(APIView):
    @extend_schema(
        summary=_("One listing with its price decision and recent requests"),
        responses={
            200: ListingDetailSerializer,
            404: OpenApiResponse(description=_("No such listing.")),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        listing = Listing.objects.select_related("account").filter(pk=pk).first()
        if listing is None:
            raise NotFound(_g("no listing %(id)s") % {"id": pk})
        return Response(ListingDetailSerializer(listing).data)
