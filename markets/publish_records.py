"""What the publish state machine writes around each live call: the intent (durable, before
the call), the answer (in the commit of the next intent), a rejection, and the listing's state
after an accepted request. ``markets.publish`` decides; this module records."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from datetime import datetime
from typing import Any

from django.db import transaction

from orchestrator.core.clock import get_clock
from yooini.durability import durable_atomic

from .contract import ListingState, MarketRequest, Operation
from .listing import ListingContent
from .models import Listing, ListingRequest, ListingStatus


def intent_write(listing: Listing, request: MarketRequest) -> ListingRequest:
    """Listing row and request row, committed before the call, and on disk: a power cut after
    the call cannot lose the record that it was made (decision 9)."""
    now = get_clock().now()
    with durable_atomic():
        answers_flush()  # the answers before this call, in the same commit
        if request.operation is Operation.CREATE:
            listing.create_sent_at = now
            listing.fixed = dict(request.fixed)
            if listing.status != ListingStatus.PUBLISHED:
                listing.status = ListingStatus.PENDING
        listing.updated_at = now
        listing.save()
        return ListingRequest.objects.create(
            listing=listing,
            kind=request.operation.value,
            at=now,
            dry_run=False,
            method=request.method,
            path=request.path[:200],
            body=request_recorded(request),
        )


def request_recorded(request: MarketRequest) -> dict[str, Any]:
    """The body as the request log keeps it: what was sent, never a credential."""
    return dict(request.body)


def request_finish(
    request: ListingRequest, *, status_code=None, request_uid="", error="", result=None, save=True
):
    request.status_code = status_code
    request.request_uid = request_uid or ""
    request.error = error
    request.result = result or {}
    if save:
        answers_flush()
        request.save(update_fields=_REQUEST_ANSWER_FIELDS)


_REQUEST_ANSWER_FIELDS = ["status_code", "request_uid", "error", "result"]


# --- answers recorded with the next intent ------------------------------------------------
#
# An accepted answer is recorded in the same commit as the next call's intent (or when the
# publish ends), not in a commit of its own: half the commits, with the same promise. The
# intent of every call is on disk before the call; an answer lost with the process is one the
# next run asks the market about (``_resolve_lost_creates``), as when the process dies during
# the call itself.


class _Answers(threading.local):
    pending: list[tuple[ListingRequest, Listing]] | None = None


_answers = _Answers()


@contextlib.contextmanager
def answers_deferred():
    """Within this block (one account's publish, in one thread), accepted answers wait for the
    next commit; the rest are written when it ends, whatever happens."""
    _answers.pending = []
    try:
        yield
    finally:
        try:
            if _answers.pending:
                with transaction.atomic():
                    answers_flush()
        finally:
            _answers.pending = None


def answer_record(request: ListingRequest, listing: Listing) -> None:
    if _answers.pending is None:
        with transaction.atomic():
            _answer_write(request, listing)
    else:
        _answers.pending.append((request, listing))


def answers_flush() -> None:
    """Write the answers waiting (call inside a transaction)."""
    pending, _answers.pending = _answers.pending, ([] if _answers.pending is not None else None)
    for request, listing in pending or ():
        _answer_write(request, listing)


def _answer_write(request: ListingRequest, listing: Listing) -> None:
    request.save(update_fields=_REQUEST_ANSWER_FIELDS)
    listing.save()


def ids_merge(listing: Listing, answer) -> None:
    if answer.external_id:
        listing.external_id = str(answer.external_id)[:64]
    if answer.external_ids:
        listing.external_ids = {**(listing.external_ids or {}), **dict(answer.external_ids)}


def rejection_record(listing, request, plan, text, errors, *, status_code, sent):
    with transaction.atomic():
        answers_flush()
        listing.last_error = text
        if plan.hash:
            listing.content_hash = plan.hash  # not sent again until the content changes
        if request.operation is Operation.CREATE:
            # Refused synchronously: the market holds nothing under this reference number.
            listing.status = ListingStatus.FAILED
            listing.create_sent_at = None
        listing.updated_at = get_clock().now()
        listing.save()


def success_record(listing, content, request, plan, *, pending: bool, dry_run: bool) -> None:
    """The listing's state once ``request`` was accepted (or recorded in a dry run)."""
    operation = request.operation
    summary = stock_summary(content)
    live_status = ListingStatus.PUBLISHED if listing.external_id else ListingStatus.PENDING
    if operation in (Operation.CREATE, Operation.UPDATE):
        listing.price = content.price
        listing.stock = summary
        if plan.hash:
            listing.content_hash = plan.hash
        if operation is Operation.CREATE:
            listing.fixed = dict(request.fixed)
            status = ListingStatus.PENDING if pending else live_status
        else:
            status = live_status
        if content.out_of_stock:
            status = ListingStatus.OUT_OF_STOCK
    elif operation in (Operation.PRICE, Operation.RESUME):
        listing.price = content.price
        status = live_status
    elif operation is Operation.STOCK:
        listing.stock = summary
        status = ListingStatus.OUT_OF_STOCK if content.out_of_stock else live_status
    else:
        status = ListingStatus.SUSPENDED
    # A dry run shows what the listing would be where it matters to a person: out of stock
    # and suspended as such; listed (pending, published) as "dry run".
    shown = status in (ListingStatus.OUT_OF_STOCK, ListingStatus.SUSPENDED)
    listing.status = ListingStatus.DRY_RUN if dry_run and not shown else status


def listing_state(listing: Listing | None, reference_number: str) -> ListingState:
    """What a connector knows of a listing: ours and the market's ids, the fixed values."""
    if listing is None:
        return ListingState(reference_number)
    return ListingState(
        reference_number=listing.reference_number,
        external_id=listing.external_id,
        external_ids=dict(listing.external_ids or {}),
        fixed=dict(listing.fixed or {}),
        status=listing.status,
    )


def stock_summary(content: ListingContent) -> dict[str, Any]:
    """What the listings command shows and partial runs compare: counts and a variants hash."""
    on_hand = [v.stocks or 0 for v in content.variants if v.stock_type == "stock_in_hand"]
    variants = []
    for v in content.variants:
        body: dict[str, Any] = {
            "options": [{"type": t, "value": value} for t, value in v.options],
            "stock_type": v.stock_type,
        }
        if v.stock_type == "stock_in_hand":
            body["stocks"] = v.stocks
        variants.append(body)
    text = json.dumps(variants, sort_keys=True, ensure_ascii=False)
    return {
        "variants": len(content.variants),
        "available": sum(1 for v in content.variants if v.stock_type != "out_of_stock"),
        "on_hand": sum(on_hand) if on_hand else None,
        "hash": hashlib.sha256(text.encode()).hexdigest()[:16],
    }


def listing_new(account, connector, content: ListingContent, now: datetime) -> Listing:
    return Listing(
        account=account,
        reference_number=content.reference_number,
        source_key=content.source_key,
        status=ListingStatus.PENDING,
        currency=connector.capabilities.currency,
        created_at=now,
        updated_at=now,
    )
