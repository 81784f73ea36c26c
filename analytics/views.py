"""``POST /collect``: events in (see ``analytics.ingest``), authenticated by the collect key
(``Authorization: Bearer <YOOINI_ANALYTICS_COLLECT_KEY>``), as a tracker or a service sends.

Answers: 200 with ``{"accepted", "rejected", "offsets", "errors": [{"position", "reason"}]}``
(rejected events are in the dead letters); 400 for a body that cannot be read as a batch;
401 for a missing or wrong key; 413 for a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``; 415 for
another content type; 503 when no collect key is configured or the log cannot be reached.
"""

from __future__ import annotations

import hmac
import threading

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from analytics.ingest import BatchInvalid, ingest
from analytics.transports import TransportError, transport_for

_local = threading.local()


def _transport():
    """One transport per web thread, made on first use."""
    found = getattr(_local, "transport", None)
    if found is None or getattr(_local, "url", None) != settings.YOOINI_ANALYTICS_LOG:
        found = _local.transport = transport_for()
        _local.url = settings.YOOINI_ANALYTICS_LOG
    return found


@login_not_required  # authenticated by the collect key
@csrf_exempt
@require_POST
def collect(request: HttpRequest) -> JsonResponse:
    key = settings.YOOINI_ANALYTICS_COLLECT_KEY
    if not key:
        return JsonResponse({"error": "no collect key configured"}, status=503)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), key.encode()):
        return JsonResponse({"error": "missing or wrong collect key"}, status=401)
    content_type = request.content_type or ""
    if not content_type.startswith(
        ("application/json", "application/vnd.yooini.avro-batch", "avro/binary")
    ):
        return JsonResponse(
            {"error": "send application/json or application/vnd.yooini.avro-batch"}, status=415
        )
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"error": "payload too large"}, status=413)
    try:
        result = ingest(body, content_type, _transport())
    except BatchInvalid as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except TransportError as exc:
        return JsonResponse({"error": str(exc)}, status=503)
    return JsonResponse(result.as_json())
