"""Publishing on a dry-run account: every request built and checked by the market's own
validator, recorded in the request log (``dry_run=True``, full body), the listing's status
``dry_run``; no network, and writes in bulk, a few queries per batch."""

from __future__ import annotations

from django.db import connection, transaction

from orchestrator.core.clock import get_clock
from yooini.db import chunked

from .listing import PublishResult, rejection_text
from .models import Listing, ListingRequest, ListingStatus
from .publish_records import listing_new, listing_state, request_recorded, success_record


def dry_run_publish(account, connector, plans, existing, decision_of):
    now = get_clock().now()
    results: list[PublishResult] = []
    new_listings: list[Listing] = []
    changed: list[Listing] = []
    pending_requests: list[tuple[Listing, ListingRequest]] = []
    for content, plan in plans:
        if isinstance(plan, PublishResult):
            results.append(plan)
            continue
        listing = existing.get(content.reference_number)
        if not plan.steps:
            results.append(PublishResult(plan.action, listing, plan.reason or None))
            continue
        if listing is None:
            listing = listing_new(account, connector, content, now)
            new_listings.append(listing)
        else:
            changed.append(listing)
        errors_text = ""
        state = listing_state(listing, content.reference_number)
        for request in plan.steps:
            errors = connector.validate(request, state)
            text = rejection_text(errors) if errors else ""
            errors_text = errors_text or text
            pending_requests.append(
                (
                    listing,
                    ListingRequest(
                        kind=request.operation.value,
                        at=now,
                        dry_run=True,
                        method=request.method,
                        path=request.path[:200],
                        body=request_recorded(request),
                        result={"valid": False, "errors": errors} if errors else {"valid": True},
                        error=text,
                    ),
                )
            )
        _apply_dry(listing, content, plan, errors_text, decision_of, now)
        results.append(
            PublishResult(
                "failed" if errors_text else plan.action,
                listing,
                errors_text or None,
                requests=len(plan.steps),
                detail={"dry_run": True},
            )
        )
    if not (new_listings or changed):
        return results
    with transaction.atomic():
        for chunk in chunked(new_listings):
            Listing.objects.bulk_create(chunk)
        missing = [x for x in new_listings if x.pk is None]
        if missing:  # a database that cannot return ids from a bulk insert
            ids = dict(
                Listing.objects.filter(
                    account=account, reference_number__in=[x.reference_number for x in missing]
                ).values_list("reference_number", "pk")
            )
            for x in missing:
                x.pk = ids[x.reference_number]
        fields = [
            "status",
            "price",
            "stock",
            "content_hash",
            "fixed",
            "price_decision",
            "last_error",
            "source_key",
            "updated_at",
        ]
        _update_many(changed, fields)
        requests = []
        for listing, request in pending_requests:
            request.listing_id = listing.pk
            requests.append(request)
        for chunk in chunked(requests):
            ListingRequest.objects.bulk_create(chunk)
    return results


def _apply_dry(listing, content, plan, errors_text, decision_of, now) -> None:
    listing.updated_at = now
    listing.source_key = content.source_key
    decision = decision_of.get(content.reference_number)
    if decision is not None:
        listing.price_decision = decision
    if errors_text:
        listing.last_error = errors_text
        if plan.action == "created":
            listing.status = ListingStatus.FAILED
            listing.content_hash = plan.hash
        return
    listing.last_error = ""
    listing.status = ListingStatus.DRY_RUN
    for request in plan.steps:
        success_record(listing, content, request, plan, pending=True, dry_run=True)


def _update_many(listings: list[Listing], fields: list[str]) -> None:
    """``UPDATE ... WHERE id = %s`` with executemany: one statement per chunk, without the
    per-row CASE expressions of ``bulk_update`` (ten times faster for thousands of rows)."""
    if not listings:
        return
    quote = connection.ops.quote_name
    columns = [Listing._meta.get_field(name) for name in fields]
    sql = (
        f"UPDATE {quote(Listing._meta.db_table)} SET "
        + ", ".join(f"{quote(c.column)} = %s" for c in columns)
        + f" WHERE {quote(Listing._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        for chunk in chunked(listings):
            cursor.executemany(
                sql,
                [
                    [c.get_db_prep_save(getattr(x, c.attname), connection) for c in columns]
                    + [x.pk]
                    for x in chunk
                ],
            )
