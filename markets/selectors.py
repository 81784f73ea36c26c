"""Reads of market accounts, listings and their request log."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Listing, ListingRequest, MarketAccount


class AccountNotFound(LookupError):
    """No market account of that name (or it is disabled, when enabled ones were asked for)."""


def market_account_get(name: str, *, enabled: bool | None = None) -> MarketAccount:
    accounts = MarketAccount.objects.filter(name=name)
    if enabled is not None:
        accounts = accounts.filter(enabled=enabled)
    account = accounts.first()
    if account is None:
        raise AccountNotFound(f"no {'enabled ' if enabled else ''}market account named {name!r}")
    return account


def listings_for(
    account: MarketAccount | str | None = None,
    market: str | None = None,
    status: str | None = None,
) -> QuerySet[Listing]:
    """Listings, filtered by account (object or name), market and status."""
    listings = Listing.objects.select_related("account")
    if isinstance(account, MarketAccount):
        listings = listings.filter(account=account)
    elif account:
        listings = listings.filter(account__name=account)
    if market:
        listings = listings.filter(account__market=market)
    if status:
        listings = listings.filter(status=status)
    return listings.order_by("account__name", "reference_number")


def listing_requests(listing: Listing) -> QuerySet[ListingRequest]:
    """The listing's request log, oldest first."""
    return ListingRequest.objects.filter(listing=listing).order_by("at", "id")


def request_document(request: ListingRequest) -> dict[str, Any]:
    return {
        "kind": request.kind,
        "at": request.at.isoformat(),
        "dry_run": request.dry_run,
        "method": request.method,
        "path": request.path,
        "status_code": request.status_code,
        "request_uid": request.request_uid,
        "result": request.result,
        "error": request.error,
    }


def listing_document(listing: Listing, requests: list[ListingRequest] | None = None) -> dict:
    """A listing as JSON (the ``listings --json`` shape)."""
    document: dict[str, Any] = {
        "reference_number": listing.reference_number,
        "account": listing.account.name,
        "market": listing.account.market,
        "source_key": listing.source_key,
        "external_id": listing.external_id,
        "status": listing.status,
        "price": listing.price,
        "stock": {k: v for k, v in (listing.stock or {}).items() if k != "hash"},
        "price_decision": listing.price_decision,
        "last_error": listing.last_error,
        "updated_at": listing.updated_at.isoformat(),
    }
    if requests is not None:
        document["requests"] = [request_document(r) for r in requests]
    return document
