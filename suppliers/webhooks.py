"""Webhooks: suppliers push product changes to ``POST /hooks/suppliers/<name>/``.

A delivery carries three headers and a JSON body::

    X-Yooini-Timestamp: 1767225600              (Unix seconds when it was signed)
    X-Yooini-Event-Id:  evt_01J...              (the sender's id of this event, <= 200 chars)
    X-Yooini-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<event id>.<body>">

keyed with the supplier's ``webhook_secret`` credential (``webhook_secret_previous`` is also
accepted, to rotate without downtime). The event id is signed too: otherwise a captured
delivery could be replayed within the time window under a fresh id. Body::

    {"products": [{"id": "P1", "name": "...", "price": 12000, "stock": 3, ...}, ...]}
    or {"product": {...}}

with items read like the ``http`` kind's (settings ``fields`` maps targets to item paths).

Answers: 200 ``accepted`` (stored, processed; the body lists rejected products); 200
``duplicate`` for an event id already received with the same body (a sender's retry: nothing
is done twice); 409 for an event id reused with a different body; 401 for a missing or bad
signature or a timestamp outside the window (``webhook_tolerance_seconds``, 300 by default);
400 for a body that is not a JSON object with products, nests deeper than 34 levels, or no
event id; 404 for an unknown or
disabled supplier or one without a webhook secret; 413 for a body over Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE``; 503 when the credentials key is missing.

Order: verify, then store the raw body (``WebhookDelivery``, unique on supplier + event id)
and commit, then upsert the products, then mark the delivery processed and emit
``supplier.product.received`` in one transaction. The event thus means "the products are in
source data". A process that dies after storing leaves the delivery RECEIVED: the sender's
retry (it got no 2xx) or ``webhook_delivery_process`` finishes it, and the conditional update
emits the event once. A bad product is recorded on the delivery, never a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orchestrator.core.clock import get_clock
from orchestrator.services.events import event_emit
from suppliers.bounds import JSON_DEPTH_MAX, deeper_than
from suppliers.connectors import (
    BaseConnector,
    Capabilities,
    ConfigError,
    Cursor,
    ReadResult,
    RejectedRow,
    SupplierRecord,
)
from suppliers.connectors.contract import short
from suppliers.connectors.http_api import DEFAULT_FIELDS, record_from_item
from yooini.crypto import CredentialsError

from .models import DeliveryStatus, Supplier, WebhookDelivery
from .selectors import SupplierNotFound, supplier_get
from .services import supplier_credentials, supplier_records_upsert

log = logging.getLogger("yooini.suppliers.webhooks")

SIGNATURE_HEADER = "X-Yooini-Signature"
TIMESTAMP_HEADER = "X-Yooini-Timestamp"
EVENT_ID_HEADER = "X-Yooini-Event-Id"
EVENT_TYPE = "supplier.product.received"
DEFAULT_TOLERANCE_SECONDS = 300
REJECTED_KEPT = 100
_EVENT_ID_MAX = WebhookDelivery._meta.get_field("event_id").max_length


@dataclass(frozen=True)
class WebhookRequest:
    supplier_name: str
    body: bytes
    signature: str | None = None
    timestamp: str | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    body: dict[str, Any]


def webhook_signature(secret: str, timestamp: str, event_id: str, body: bytes) -> str:
    """The ``X-Yooini-Signature`` value a sender puts on a delivery."""
    signed = f"{timestamp}.{event_id}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def webhook_receive(request: WebhookRequest) -> WebhookAnswer:
    """Verify, store and process one delivery; every expected failure is an answer."""
    try:
        supplier = supplier_get(name=request.supplier_name, enabled=True)
    except SupplierNotFound:
        return _refused(request, 404, "no such supplier")
    try:
        secrets = _secrets(supplier)
    except CredentialsError as exc:
        log.error("webhook for supplier %r cannot read its credentials: %s", supplier.name, exc)
        return _refused(request, 503, "webhook temporarily unavailable")
    if not secrets:
        log.warning("supplier %r received a webhook but has no webhook_secret", supplier.name)
        return _refused(request, 404, "no such supplier")
    refusal = _authenticate(request, supplier, secrets)
    if refusal is not None:
        return refusal
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError included: the body is stored as UTF-8 text
        return _refused(request, 400, "body is not UTF-8 JSON")
    except RecursionError:  # a signed "[[[[..." 100,000 deep
        return _refused(request, 400, f"body nests deeper than {JSON_DEPTH_MAX} levels")
    if deeper_than(payload, JSON_DEPTH_MAX + 2):  # the body's object and its product list
        return _refused(request, 400, f"body nests deeper than {JSON_DEPTH_MAX} levels")
    if _items(payload) is None:
        return _refused(request, 400, 'body must be a JSON object with "products" or "product"')
    delivery, created = _store(supplier, request)
    if not created and delivery.body_sha256 != _sha256(request.body):
        return _refused(request, 409, "event id already used for a different payload")
    if delivery.processed_at is None:
        webhook_delivery_process(delivery)
    if not created:
        return WebhookAnswer(200, {"status": "duplicate", "delivery": delivery.pk})
    log.info("webhook delivery %s of supplier %s processed", delivery.pk, supplier.name)
    return WebhookAnswer(
        200,
        {
            "status": "accepted",
            "delivery": delivery.pk,
            **delivery.result,
            "rejected": delivery.rejected,
        },
    )


def webhook_delivery_process(delivery: WebhookDelivery) -> bool:
    """Upsert a stored delivery's products, then mark it processed and emit the event, once.

    Safe to call again (and concurrently): the upsert is idempotent and only the call that
    marks the delivery processed emits. Returns whether this call did.
    """
    supplier = delivery.supplier
    records, rejected = _records(_items(json.loads(delivery.body)) or [], supplier.settings)
    stored = supplier_records_upsert(
        supplier_name=supplier.name, records=records, batch_id=f"webhook:{delivery.pk}"
    )
    rejected += [
        {"row": r.source_id, "column": r.field, "value": None, "reason": r.reason}
        for r in stored.rejections
    ]
    result = {
        "records": stored.created + stored.changed + stored.unchanged,
        "created": stored.created,
        "changed": stored.changed,
        "unchanged": stored.unchanged,
        "rejected_count": len(rejected),
    }
    now = get_clock().now()
    with transaction.atomic():
        done = WebhookDelivery.objects.filter(pk=delivery.pk, processed_at__isnull=True).update(
            status=DeliveryStatus.PROCESSED,
            processed_at=now,
            result=result,
            rejected=rejected[:REJECTED_KEPT],
        )
        if done:
            event_emit(
                EVENT_TYPE,
                {"supplier": supplier.name, "delivery": delivery.pk, "event_id": delivery.event_id},
                source="suppliers.webhook",
            )
    delivery.refresh_from_db()
    return bool(done)


@login_not_required  # signed by the sender, not a signed-in user
@csrf_exempt
@require_POST
def supplier_webhook(request: HttpRequest, name: str) -> JsonResponse:
    """``POST /hooks/suppliers/<name>/``: see the module docstring."""
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"error": "payload too large"}, status=413)
    answer = webhook_receive(
        WebhookRequest(
            supplier_name=name,
            body=body,
            signature=request.headers.get(SIGNATURE_HEADER),
            timestamp=request.headers.get(TIMESTAMP_HEADER),
            event_id=request.headers.get(EVENT_ID_HEADER),
        )
    )
    return JsonResponse(answer.body, status=answer.status)


class WebhookConnector(BaseConnector):
    """Kind ``webhook``: a supplier that only pushes. Reading it finds nothing new (its
    products arrive through the endpoint), so the collect workflow needs no special case."""

    kind = "webhook"

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(incremental=False, supports_stock=False, page_size=1)

    def _probe(self) -> None:
        if not self.config.credentials.get("webhook_secret"):
            raise ConfigError("webhook supplier needs credential: webhook_secret")

    def _read(self, cursor: Cursor) -> ReadResult:
        return ReadResult((), (), None, True)


# --- verification -----------------------------------------------------------------------


def _secrets(supplier: Supplier) -> list[str]:
    credentials = supplier_credentials(supplier)
    names = ("webhook_secret", "webhook_secret_previous")
    return [credentials[n] for n in names if credentials.get(n)]


def _authenticate(
    request: WebhookRequest, supplier: Supplier, secrets: list[str]
) -> WebhookAnswer | None:
    if not request.signature or not request.timestamp:
        return _refused(request, 401, "missing signature or timestamp")
    if not request.event_id or len(request.event_id) > _EVENT_ID_MAX:
        return _refused(request, 400, f"missing event id (at most {_EVENT_ID_MAX} characters)")
    offered = [s.strip() for s in request.signature.split(",")]
    expected = [
        webhook_signature(secret, request.timestamp, request.event_id, request.body)
        for secret in secrets
    ]
    if not any(hmac.compare_digest(o, e) for o in offered for e in expected):
        return _refused(request, 401, "bad signature")
    tolerance = float(supplier.settings.get("webhook_tolerance_seconds", DEFAULT_TOLERANCE_SECONDS))
    signed_at = _signed_at(request.timestamp)
    if signed_at is None or abs((get_clock().now() - signed_at).total_seconds()) > tolerance:
        return _refused(request, 401, f"timestamp outside the {tolerance:g} s window")
    return None


def _signed_at(timestamp: str) -> datetime | None:
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return None
    try:
        return datetime.fromtimestamp(int(timestamp), tz=UTC)
    except (ValueError, OverflowError, OSError):  # 999999999999 is past the year 9999
        return None


def _refused(request: WebhookRequest, status: int, reason: str) -> WebhookAnswer:
    # The supplier name is the sender's text: %r keeps a forged newline out of the log.
    log.warning("webhook for supplier %r refused (%s): %s", request.supplier_name, status, reason)
    return WebhookAnswer(status, {"error": reason})


# --- storing and reading the payload ----------------------------------------------------


def _store(supplier: Supplier, request: WebhookRequest) -> tuple[WebhookDelivery, bool]:
    """The delivery row, created and committed now, or the one already there."""
    now = get_clock().now()
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                supplier=supplier,
                event_id=request.event_id,
                signed_at=_signed_at(request.timestamp or "") or now,
                received_at=now,
                body=request.body.decode("utf-8"),
                body_sha256=_sha256(request.body),
            )
        return delivery, True
    except IntegrityError:
        return WebhookDelivery.objects.get(supplier=supplier, event_id=request.event_id), False


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _items(payload: Any) -> list | None:
    if not isinstance(payload, dict):
        return None
    if isinstance(payload.get("products"), list):
        return payload["products"]
    if isinstance(payload.get("product"), dict):
        return [payload["product"]]
    return None


def _records(
    items: list, settings: Mapping[str, Any]
) -> tuple[list[SupplierRecord], list[dict[str, Any]]]:
    fields = {**DEFAULT_FIELDS, **dict(settings.get("fields") or {})}
    records: list[SupplierRecord] = []
    rejected: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        where = f"product {index}"
        if not isinstance(item, Mapping):
            outcome: SupplierRecord | RejectedRow = RejectedRow(
                where, None, short(item), "product is not an object"
            )
        else:
            outcome = record_from_item(item, fields)
        if isinstance(outcome, RejectedRow):
            rejected.append({**outcome.to_dict(), "row": outcome.row or where})
        elif outcome.source_id in seen:
            rejected.append(
                RejectedRow(
                    where, fields["source_id"], outcome.source_id, "duplicate id; kept the first"
                ).to_dict()
            )
        else:
            seen.add(outcome.source_id)
            records.append(outcome)
    return records, rejected
