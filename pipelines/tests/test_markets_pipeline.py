"""``product_sync`` on the sample, live on four markets at once (BUYMA, SmartStore, Coupang,
Gmarket/Auction), each served by its local contract server as ``yooini sample --markets``
serves them: a full run lists every ready product once per market; a rerun sends nothing; a
partial run after price changes updates exactly those listings on every market; a product
sold out goes out of stock everywhere; answers lost mid-create and injected faults create
nothing twice; and the hub (source data) answers the seed's questions about what was done."""

from __future__ import annotations

from datetime import timedelta

import pytest

from markets.models import Listing, ListingRequest, ListingStatus
from orchestrator.executors import executor_create
from orchestrator.models import Batch, CellStatus, StageRun
from orchestrator.runner import Runner
from orchestrator.services.batches import batch_start
from pipelines.models import PipelineProduct
from pipelines.sample.catalog import changed_ids
from pipelines.sample.markets import MARKETS
from pipelines.sample_run import MALL, UNITS
from source_data.models import DataLineage, SourceData
from source_data.selectors import (
    lineage_descendants,
    source_data_active_in_market,
    source_data_by_market,
    source_data_need_price_update,
)

from .four_markets import four_market_sample

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sample(settings, tmp_path):
    """A 30-product sample and the four markets, configured as ``yooini sample --markets``."""
    with four_market_sample(settings, tmp_path) as server:
        for market_server in server.markets.values():
            market_server.stall_seconds = 0.8
        yield server


def run(sample, mode: str = "full") -> Batch:
    params = {"units": UNITS, "account": ",".join(sample.accounts)}
    batch = batch_start("product_sync", mode=mode, params=params, new=True).batch
    engine = executor_create("inline", concurrency=1)
    try:
        return Runner(engine).run(batch.id)
    finally:
        engine.close()


def listings(kind: str):
    return Listing.objects.filter(account__market=kind)


def assert_no_duplicate(sample) -> None:
    for kind, server in sample.markets.items():
        assert server.duplicates == 0, kind
        assert set(server.creates.values()) <= {1}, kind


def test_every_market_lists_every_ready_product_once_and_a_rerun_sends_nothing(sample):
    batch = run(sample)

    assert batch.status == "COMPLETED", StageRun.objects.exclude(status=CellStatus.DONE).values()
    for kind, server in sample.markets.items():
        listed = listings(kind)
        assert listed.count() > 15, kind
        assert sum(server.creates.values()) == listed.count(), kind
        currency = "JPY" if kind == "buyma" else "KRW"
        assert set(listed.values_list("currency", flat=True)) == {currency}
        if kind != "buyma":  # BUYMA publishes by webhook, later
            assert set(listed.values_list("status", flat=True)) == {ListingStatus.PUBLISHED}
            assert not listed.filter(external_id=None).exists()
    assert_no_duplicate(sample)
    assert not ListingRequest.objects.filter(dry_run=True).exists()

    # The hub: each market's state on the supplier record, the listing and its lineage.
    for kind in ("smartstore", "coupang", "gmarket"):
        assert source_data_by_market(market=kind).count() == listings(kind).count()
        assert source_data_active_in_market(market=kind).count() == listings(kind).count()
    assert source_data_by_market(market="buyma").count() == listings("buyma").count()
    assert not source_data_active_in_market(market="buyma").exists()  # pending, not active
    fresh = source_data_need_price_update(market="coupang", older_than=timedelta(hours=1))
    assert not fresh.exists()
    record = source_data_active_in_market(market="coupang").first()
    entry = record.market_data["coupang"]
    listing = listings("coupang").get(source_key=f"{record.source_system}:{record.source_id}")
    assert (entry["price"], entry["external_id"]) == (listing.price, listing.external_id)
    assert record.normalized["reference"] == listing.reference_number
    assert record.processing_status == "processed"
    assert "buyma" in record.ai_data["translations"]
    children = {hop.link.child.source_system for hop in lineage_descendants(source_data=record)}
    assert f"listing:{listing.account.name}" in children
    assert DataLineage.objects.filter(transformation="listing").count() == Listing.objects.count()

    sent = ListingRequest.objects.count()
    hits = {kind: len(server.hits) for kind, server in sample.markets.items()}
    assert run(sample).status == "COMPLETED"
    assert ListingRequest.objects.count() == sent
    # Not a call to any market's product API again (Naver's token is cached).
    assert {kind: len(server.hits) for kind, server in sample.markets.items()} == hits


def test_partial_updates_exactly_the_changed_products_on_every_market(sample):
    assert run(sample).status == "COMPLETED"
    before = ListingRequest.objects.order_by("-id").values_list("id", flat=True).first()
    old = sample.catalog
    new = old.repriced(fraction=0.1, generation=1)
    sample.catalog = new
    changed = {f"{MALL}:{pid}" for pid in changed_ids(old, new)}

    batch = run(sample, "partial")

    assert batch.status in ("COMPLETED", "COMPLETED_WITH_ERRORS")
    sent = ListingRequest.objects.filter(id__gt=before).select_related("listing__account")
    touched = {(r.listing.account.market, r.listing.source_key) for r in sent}
    assert touched and {key for _, key in touched} <= changed
    for kind in ("smartstore", "coupang", "gmarket"):
        assert {key for market, key in touched if market == kind}, kind
        for listing in listings(kind).filter(source_key__in=changed):
            view = sample.markets[kind].view(listing.reference_number)
            if listing.status == ListingStatus.OUT_OF_STOCK:
                assert view["stock"] == 0, (kind, listing.reference_number)
            else:
                assert view["price"] == listing.price, (kind, listing.reference_number)
    assert_no_duplicate(sample)


def test_a_product_gone_from_the_mall_goes_out_of_stock_on_every_market(sample):
    assert run(sample).status == "COMPLETED"
    listing = listings("coupang").filter(source_key__startswith=f"{MALL}:").first()
    product_id = listing.source_key.partition(":")[2]
    sample.catalog = sample.catalog.without([product_id])

    assert run(sample, "partial").status == "COMPLETED"

    assert PipelineProduct.objects.get(supplier=MALL, source_id=product_id).state == "gone"
    for kind in MARKETS:
        gone = listings(kind).get(source_key=listing.source_key)
        assert gone.status == ListingStatus.OUT_OF_STOCK, kind
        if kind != "buyma":
            assert sample.markets[kind].view(gone.reference_number)["stock"] == 0, kind


@pytest.mark.chaos
def test_answers_lost_mid_create_never_create_twice(sample, manual_clock):
    for kind in ("smartstore", "coupang", "gmarket"):
        sample.markets[kind].lose_answers(times=3)  # the first calls: creates (and Naver's token)

    first = run(sample)
    if first.status != "COMPLETED":  # a stage's retry waits; run the batch again
        run(sample)

    for kind in ("smartstore", "coupang", "gmarket"):
        listed = listings(kind)
        assert not listed.filter(status=ListingStatus.PENDING, external_id=None).exists(), kind
        assert (
            sum(sample.markets[kind].creates.values())
            == listed.exclude(status=ListingStatus.ATTENTION).count()
        ), kind
    assert_no_duplicate(sample)


@pytest.mark.chaos
def test_twenty_percent_faults_complete_without_a_duplicate(sample, manual_clock):
    for server in sample.markets.values():
        if hasattr(server, "fault_rate"):
            server.fault_rate(0.2, seed=3)

    batch = run(sample)
    for _ in range(3):  # what the scheduler's retries do, without their waits
        if batch.status == "COMPLETED":
            break
        batch = run(sample)

    assert batch.status == "COMPLETED"
    for server in sample.markets.values():
        if hasattr(server, "fault_rate"):
            server.fault_rate(0)
    assert run(sample).status == "COMPLETED"
    assert_no_duplicate(sample)
    for kind in ("smartstore", "coupang", "gmarket"):
        assert sum(sample.markets[kind].creates.values()) == listings(kind).count(), kind
    current = SourceData.objects.filter(source_type="market_listing", is_current=True)
    assert current.count() == Listing.objects.count()


def test_a_listing_the_seller_suspends_stays_suspended_until_resumed(sample):
    from pipelines.actions import products_resume, products_suspend

    assert run(sample).status == "COMPLETED"
    listing = listings("coupang").filter(status=ListingStatus.PUBLISHED).first()
    product = PipelineProduct.objects.get(
        supplier=listing.source_key.partition(":")[0],
        source_id=listing.source_key.partition(":")[2],
    )
    chosen = {"product_ids": [product.pk], "account_names": [listing.account.name], "actor": "op"}

    assert products_suspend(**chosen)["suspended"] == 1
    assert sample.markets["coupang"].view(listing.reference_number)["on_sale"] is False
    assert run(sample).status == "COMPLETED"  # a full run does not put it back on sale
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SUSPENDED
    assert sample.markets["coupang"].view(listing.reference_number)["on_sale"] is False

    assert products_resume(**chosen)["resumed"] == 1
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED
    assert sample.markets["coupang"].view(listing.reference_number)["on_sale"] is True
    assert run(sample).status == "COMPLETED"
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED
