"""BUYMA's asynchronous results: ``POST /hooks/buyma/<account name>/``.

BUYMA answers a product request with a ``request_uid`` only; whether the product was created
or updated arrives later as a webhook. Each delivery carries::

    X-Buyma-Event:       product/create | product/update | product/fail_to_create |
                         product/fail_to_update | other product/... status events
    X-Buyma-Hmac-Sha256: base64(HMAC-SHA256(secret, raw body))

(specification.personal-shopper-api.buyma.com/api/webhook/; the production receiver in
github.com/dorahyong/buyma verifies the same way with the application's secret). The secret is
the account's ``webhook_secret`` credential (``webhook_secret_previous`` also accepted while
rotating), else its OAuth ``client_secret``. BUYMA retries a delivery that is not answered 200
within 5 seconds, so the work here is one short transaction.

Answers: 200 ``accepted``; 200 ``duplicate`` for a redelivered event (same event and body:
nothing is applied twice); 200 ``ignored`` for events about no listing of ours or not about
products (answering otherwise would only make BUYMA retry); 401 bad or missing signature; 400
a body that is not a JSON object; 404 unknown or disabled account, or one without a secret;
503 when the credentials key is missing.

What it does: ``product/create`` and ``product/update`` record BUYMA's product id and make the
listing ``published`` (or the status the event's ``status`` says); the two failure events
make it ``failed`` with BUYMA's errors (a failed create may be sent again once the content
changes). Each event is stored as a ``ListingRequest`` of kind ``webhook`` and its outcome is
written into the ``result`` of the request it answers (same ``request_uid``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from markets.listing import rejection_text
from orchestrator.core.clock import get_clock
from suppliers.bounds import JSON_DEPTH_MAX, deeper_than, has_surrogate
from yooini.crypto import CredentialsError

from .models import Listing, ListingRequest, ListingStatus, MarketAccount, RequestKind
from .selectors import AccountNotFound, market_account_get
from .services import market_account_credentials

log = logging.getLogger("yooini.markets.webhooks")

EVENT_HEADER = "X-Buyma-Event"
SIGNATURE_HEADER = "X-Buyma-Hmac-Sha256"
SUCCESS_EVENTS = ("product/create", "product/update")
FAILURE_EVENTS = ("product/fail_to_create", "product/fail_to_update")
# BUYMA's product status -> ours (the statuses its product webhooks carry).
STATUS_MAP = {
    "public": ListingStatus.PUBLISHED,
    "published": ListingStatus.PUBLISHED,
    "open": ListingStatus.PUBLISHED,
    "suspended": ListingStatus.SUSPENDED,
    "buyer_suspended": ListingStatus.SUSPENDED,
    "stopped": ListingStatus.SUSPENDED,
    "soldout": ListingStatus.OUT_OF_STOCK,
    "out_of_stock": ListingStatus.OUT_OF_STOCK,
    "deleted": ListingStatus.DELETED,
    "buyer_deleted": ListingStatus.DELETED,
}


def webhook_signature(secret: str, body: bytes) -> str:
    """The ``X-Buyma-Hmac-Sha256`` value of ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def webhook_receive(
    *, account_name: str, event: str | None, signature: str | None, body: bytes
) -> tuple[int, dict[str, Any]]:
    """Verify and apply one delivery; every expected failure is an answer (status, body)."""
    try:
        account = market_account_get(account_name, enabled=True)
    except AccountNotFound:
        return _refused(account_name, 404, "no such account")
    try:
        secrets = _secrets(account)
    except CredentialsError as exc:
        log.error("webhook for market account %r cannot read credentials: %s", account.name, exc)
        return _refused(account_name, 503, "webhook temporarily unavailable")
    if not secrets:
        log.warning("market account %r got a webhook but has no secret", account.name)
        return _refused(account_name, 404, "no such account")
    if not signature:
        return _refused(account_name, 401, "missing signature")
    expected = [webhook_signature(secret, body) for secret in secrets]
    if not any(hmac.compare_digest(signature.strip(), e) for e in expected):
        return _refused(account_name, 401, "bad signature")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return _refused(account_name, 400, "body is not UTF-8 JSON")
    if not isinstance(payload, dict):
        return _refused(account_name, 400, "body must be a JSON object")
    if deeper_than(payload, JSON_DEPTH_MAX):
        return _refused(account_name, 400, f"body nests deeper than {JSON_DEPTH_MAX} levels")
    # Neither half an emoji nor a NUL can be stored in a JSON column (PostgreSQL's jsonb and
    # MariaDB refuse them): the event is refused whole rather than failing half-applied.
    if any("\x00" in text or has_surrogate(text) for text in _texts(payload)):
        return _refused(account_name, 400, "body holds a NUL or a lone surrogate character")
    event = (event or "").strip()
    if not event.startswith("product/"):
        return 200, {"status": "ignored", "reason": f"event {event[:60]!r} is not about products"}
    listing = _listing_for(account, payload)
    if listing is None:
        log.warning(
            "BUYMA %s for account %s names no listing of ours (reference %r)",
            event,
            account.name,
            str(payload.get("reference_number"))[:100],
        )
        return 200, {"status": "ignored", "reason": "no such listing"}
    digest = hashlib.sha256(event.encode() + b"\n" + body).hexdigest()
    try:
        with transaction.atomic():
            outcome = _apply(listing, event, payload, digest)
    except IntegrityError:
        return 200, {"status": "duplicate", "listing": listing.reference_number}
    log.info("BUYMA %s applied to listing %s: %s", event, listing.reference_number, outcome)
    return 200, {"status": "accepted", "listing": listing.reference_number, **outcome}


@login_not_required  # signed by the sender, not a signed-in user
@csrf_exempt
@require_POST
def buyma_webhook(request: HttpRequest, name: str) -> JsonResponse:
    """``POST /hooks/buyma/<name>/``: see the module docstring."""
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"error": "payload too large"}, status=413)
    status, answer = webhook_receive(
        account_name=name,
        event=request.headers.get(EVENT_HEADER),
        signature=request.headers.get(SIGNATURE_HEADER),
        body=body,
    )
    return JsonResponse(answer, status=status)


def _apply(listing: Listing, event: str, payload: dict[str, Any], digest: str) -> dict[str, Any]:
    now = get_clock().now()
    uid = str(payload.get("request_uid") or "")[:100]
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    errors = payload.get("errors") if isinstance(payload.get("errors"), dict) else {}
    summary: dict[str, Any] = {"event": event}
    if payload.get("id") not in (None, ""):
        summary["id"] = str(payload["id"])
    if payload.get("status"):
        summary["status"] = str(payload["status"])[:40]
    if errors:
        summary["errors"] = errors
    ListingRequest.objects.create(
        listing=listing,
        kind=RequestKind.WEBHOOK,
        at=now,
        method="WEBHOOK",
        path=event[:200],
        body=payload,
        status_code=200,
        request_uid=uid,
        result=summary,
        event_digest=digest,
    )
    # An answer to an older request does not override the state a newer one set.
    current = not uid or not listing.request_uid or uid == listing.request_uid
    changed = ["updated_at"]
    if event in SUCCESS_EVENTS:
        if "id" in summary and listing.external_id != summary["id"]:
            listing.external_id = summary["id"][:64]
            changed.append("external_id")
        if current:
            listing.status = STATUS_MAP.get(
                str(payload.get("status") or ""), ListingStatus.PUBLISHED
            )
            listing.last_error = ""
            changed += ["status", "last_error"]
    elif event in FAILURE_EVENTS:
        if current:
            listing.status = ListingStatus.FAILED
            listing.last_error = f"BUYMA {event}: " + rejection_text(
                {k: v if isinstance(v, list) else [str(v)] for k, v in errors.items()}
            )
            changed += ["status", "last_error"]
            if event == "product/fail_to_create" and not listing.external_id:
                listing.create_sent_at = None  # nothing was created: a create may be sent again
                changed.append("create_sent_at")
    elif current and str(payload.get("status") or "") in STATUS_MAP:
        listing.status = STATUS_MAP[str(payload["status"])]
        changed.append("status")
    listing.updated_at = now
    listing.save(update_fields=changed)
    if uid:
        for request in ListingRequest.objects.filter(listing=listing, request_uid=uid).exclude(
            kind=RequestKind.WEBHOOK
        ):
            request.result = {**(request.result or {}), "outcome": summary}
            request.save(update_fields=["result"])
    return {"status_now": listing.status, "external_id": listing.external_id}


def _listing_for(account: MarketAccount, payload: dict[str, Any]) -> Listing | None:
    reference = payload.get("reference_number")
    if isinstance(reference, str) and reference:
        found = Listing.objects.filter(account=account, reference_number=reference).first()
        if found is not None:
            return found
    uid = payload.get("request_uid")
    if isinstance(uid, str) and uid:
        request = (
            ListingRequest.objects.filter(listing__account=account, request_uid=uid)
            .select_related("listing")
            .first()
        )
        if request is not None:
            return request.listing
    if payload.get("id") not in (None, ""):
        return Listing.objects.filter(account=account, external_id=str(payload["id"])).first()
    return None


def _texts(value: Any):
    """Every string in a decoded JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _secrets(account: MarketAccount) -> list[str]:
    credentials = market_account_credentials(account)
    names = ("webhook_secret", "webhook_secret_previous")
    found = [credentials[n] for n in names if credentials.get(n)]
    return found or ([credentials["client_secret"]] if credentials.get("client_secret") else [])


def _refused(account_name: str, status: int, reason: str) -> tuple[int, dict[str, Any]]:
    # The account name is the sender's text: %r keeps a forged newline out of the log.
    log.warning("BUYMA webhook for account %r refused (%s): %s", account_name, status, reason)
    return status, {"error": reason}
