"""Error pages that are JSON under ``/api/``: a path the API's URL patterns do not match (an
unusual batch id), a crash or a refused request answers ``{"detail": ...}`` like the views
do, never Django's HTML page. Everywhere else Django's own pages."""

from __future__ import annotations

from django.http import JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def _json(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def not_found(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return _json(404, "Not found.")
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return _json(400, "Bad request.")
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return _json(403, "You do not have permission to perform this action.")
    return defaults.permission_denied(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        return _json(500, "Server error.")
    return defaults.server_error(request)
