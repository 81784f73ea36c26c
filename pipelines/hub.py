"""What REGISTER writes back to source data, the hub every question about a product starts
from: its state on each market (``market_data[market]``), a source record of each listing
(``source_type`` market_listing, system ``listing:<account>``, versioned by its content) and
the lineage from the supplier record's version to each listing made of it.

``market_data`` is keyed by market kind (the seed's ``by_market("coupang")``); a market with
several accounts keeps each under ``accounts`` (merged, never replaced) and its top-level
fields follow the account published last. Everything is written in bulk, only for what a run changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from markets.listing import ListingContent, PublishResult
from markets.models import Listing, ListingStatus, MarketAccount
from orchestrator.core.clock import get_clock
from source_data.models import DataLineage, SourceData, SourceType
from source_data.records import SourceRecord
from source_data.services import source_data_market_update_many, source_data_upsert_many
from source_data.timestamps import json_timestamp
from yooini.db import chunked

# Listing statuses as the hub's queries read them (``active_in_market`` asks for "active").
HUB_STATUS = {
    ListingStatus.PUBLISHED: "active",
    ListingStatus.PENDING: "pending",
    ListingStatus.DRY_RUN: "dry_run",
    ListingStatus.OUT_OF_STOCK: "out_of_stock",
    ListingStatus.SUSPENDED: "suspended",
    ListingStatus.FAILED: "error",
    ListingStatus.ATTENTION: "attention",
    ListingStatus.DELETED: "deleted",
}
CHANGED = ("created", "updated", "price", "stock", "suspended", "resume")


@dataclass(frozen=True)
class Published:
    """One product's publish on one account: its source id, the content sent, the result."""

    source_id: str
    content: ListingContent
    result: PublishResult


def hub_write(
    *, supplier: str, account: MarketAccount, published: Sequence[Published], batch_id: str
) -> None:
    """Write the market state of every product published (and, for those whose listing
    changed, the listing record and its lineage)."""
    now = json_timestamp(get_clock().now())
    entries = {}
    changed = []
    for item in published:
        listing = item.result.listing
        if not isinstance(listing, Listing) or listing.pk is None:
            continue
        entry = {
            "status": HUB_STATUS.get(listing.status, listing.status),
            "price": listing.price,
            "currency": listing.currency,
            "stock": (listing.stock or {}).get("available"),
            "external_id": listing.external_id,
            "reference_number": listing.reference_number,
            "account": account.name,
            "last_sync": now,
            "last_error": listing.last_error or "",
        }
        entries[item.source_id] = {**entry, "accounts": {account.name: entry}}
        changed.append(item)
    source_data_market_update_many(source_system=supplier, market=account.market, entries=entries)
    # A listing's record is written when the listing changed, and when it has none yet (a
    # run that stopped between the market's answer and here left it out).
    recorded = _current_ids(_system(account), [i.content.reference_number for i in changed])
    changed = [
        i
        for i in changed
        if i.result.action in CHANGED or i.content.reference_number not in recorded
    ]
    if changed:
        _listing_records(supplier, account, changed, batch_id)


def _system(account: MarketAccount) -> str:
    return f"listing:{account.name}"[:50]


def _listing_records(supplier, account, changed: Sequence[Published], batch_id: str) -> None:
    system = _system(account)
    records = [
        SourceRecord(
            source_type=SourceType.MARKET_LISTING,
            source_system=system,
            source_id=item.content.reference_number,
            raw={
                "market": account.market,
                "account": account.name,
                "reference_number": item.content.reference_number,
                "external_id": item.result.listing.external_id,
                "title": item.content.name,
                "category_id": item.content.category_id,
                "price": item.content.price,
                "currency": item.content.currency,
                "images": len(item.content.images),
                "content_hash": item.result.listing.content_hash,
            },
        )
        for item in changed
    ]
    source_data_upsert_many(records, batch_id=batch_id)
    parents = _current_ids(supplier, [item.source_id for item in changed])
    children = _current_ids(system, [item.content.reference_number for item in changed])
    now = get_clock().now()
    links = [
        DataLineage(
            parent_id=parents[item.source_id],
            child_id=children[item.content.reference_number],
            transformation="listing",
            metadata={"market": account.market, "account": account.name},
            created_at=now,
        )
        for item in changed
        if item.source_id in parents and item.content.reference_number in children
    ]
    for chunk in chunked(links):
        try:
            with transaction.atomic():
                DataLineage.objects.bulk_create(chunk, ignore_conflicts=True)
        except IntegrityError:  # a database that cannot ignore conflicts in bulk
            for link in chunk:
                DataLineage.objects.get_or_create(
                    parent_id=link.parent_id,
                    child_id=link.child_id,
                    transformation=link.transformation,
                    defaults={"metadata": link.metadata, "created_at": now},
                )


def _current_ids(system: str, source_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunked(source_ids):
        found.update(
            SourceData.objects.filter(
                source_system=system, source_id__in=chunk, is_current=True
            ).values_list("source_id", "id")
        )
    return found
