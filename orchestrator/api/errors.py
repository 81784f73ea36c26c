"""The API's error answers: one JSON shape, ``{"detail": ...}``, and the 409 for a request that
contradicts a batch's state."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import APIException


class Conflict(APIException):
    status_code = 409
    default_detail = _("The request conflicts with the current state.")
    default_code = "conflict"


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class FieldErrorsSerializer(serializers.Serializer):
    """A 400: each invalid field (or ``non_field_errors`` / ``detail``) with its messages."""

    detail = serializers.CharField(required=False)


NOT_FOUND = OpenApiResponse(ErrorSerializer, description=_("Not found."))
CONFLICT = OpenApiResponse(ErrorSerializer, description=_("Conflicts with the current state."))
INVALID = OpenApiResponse(FieldErrorsSerializer, description=_("Invalid input, by field."))
