"""Health checks and the Prometheus endpoint: open to load balancers and scrapers, no sign-in.

``/metrics`` asks for ``Authorization: Bearer <YOOINI_METRICS_TOKEN>`` when that setting is
set; the health checks reveal nothing worth a token.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .health import readiness_problems
from .metrics import registry_create

_registry = registry_create()


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 while the process serves requests; touches nothing else (liveness)."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database (and in the distributed mode the broker) is usable, else 503."""
    problems = readiness_problems()
    return JsonResponse(
        {"ready": not problems, "problems": problems}, status=503 if problems else 200
    )


@login_not_required
@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """The engine's figures in the Prometheus text format, read from the database now."""
    token = settings.YOOINI_METRICS_TOKEN
    if token and not _bearer_matches(request, token):
        response = HttpResponse("unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    try:
        body = generate_latest(_registry)
    except DatabaseError as exc:
        return HttpResponse(
            f"database unreachable ({type(exc).__name__})\n", status=503, content_type="text/plain"
        )
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def _bearer_matches(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
