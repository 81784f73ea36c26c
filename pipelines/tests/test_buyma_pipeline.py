"""The ``buyma`` workflow end to end on the sample mall and feed (served on 127.0.0.1), BUYMA
in dry run: a full run, a rerun that changes nothing, a partial run after price changes that
updates exactly those listings, products sold out or gone, and ``product_sync`` on the same
products. Each test runs the real stages through the engine (inline executor)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from markets.models import Listing, ListingRequest, ListingStatus
from media.models import Image, ProductImage
from media.storage import media_files_count
from orchestrator.executors import executor_create
from orchestrator.loading import workflows_load
from orchestrator.models import Batch, CellStatus, Event, Schedule, StageRun
from orchestrator.runner import Runner
from orchestrator.selectors import batch_document
from orchestrator.services.batches import batch_start
from orchestrator.services.schedules import schedules_sync
from pipelines.models import MarketProduct, PipelineProduct, ProductState
from pipelines.sample.catalog import SampleCatalog, changed_ids
from pipelines.sample.server import SampleServer
from pipelines.sample_run import ACCOUNT, MALL, UNITS, sample_configure
from pipelines.steps.register import not_ready_reason
from pipelines.summary import stage_figures
from pricing.models import PricingRule

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sample(settings, tmp_path):
    """A 150-product sample on 127.0.0.1, configured as ``yooini sample`` configures it."""
    workflows_load()
    settings.YOOINI_VAR_DIR = tmp_path
    settings.YOOINI_MEDIA_ROOT = tmp_path / "media"
    catalog = SampleCatalog.generate(products=150, brands=10, seed=11)
    with SampleServer(catalog, media_root=tmp_path / "media") as server:
        settings.YOOINI_MEDIA_ALLOWED_HOSTS = [f"127.0.0.1:{server.server_address[1]}"]
        settings.YOOINI_MEDIA_PUBLIC_URL = f"{server.base_url}/media/"
        sample_configure(server.base_url, list(catalog.brands))
        yield server


def run(workflow: str = "buyma", mode: str = "full") -> Batch:
    batch = batch_start(
        workflow, mode=mode, params={"units": UNITS, "account": ACCOUNT}, new=True
    ).batch
    engine = executor_create("inline", concurrency=1)
    try:
        return Runner(engine).run(batch.id)
    finally:
        engine.close()


def results(batch: Batch, stage: str) -> Counter:
    total: Counter = Counter()
    for result in StageRun.objects.filter(batch_id=batch.id, stage=stage).values_list(
        "result", flat=True
    ):
        total.update({k: v for k, v in (result or {}).items() if isinstance(v, int)})
    return total


def on_account(product: PipelineProduct) -> MarketProduct | None:
    return MarketProduct.objects.filter(product=product, account__name=ACCOUNT).first()


def requests_after(count: int) -> list[ListingRequest]:
    return list(ListingRequest.objects.order_by("id").select_related("listing")[count:])


def test_full_run_lists_every_ready_product_once_and_a_rerun_changes_nothing(sample):
    batch = run()

    assert batch.status == "COMPLETED", StageRun.objects.exclude(status=CellStatus.DONE).values()
    products = list(PipelineProduct.objects.all())
    states = {p.pk: on_account(p) for p in products}
    ready = [p for p in products if not not_ready_reason(p, states[p.pk])]
    # 150 mall products and the feed's 48 good rows; the feed's two bad rows are reported.
    assert len(products) == 150 + 48
    assert results(batch, "collect")["rejected_count"] == 2
    # One count of item errors: the run's summary, `yooini status` and the dashboard agree.
    figures = stage_figures(batch)
    groups = batch_document(batch.id)["item_errors"]
    for stage in ("collect", "translate"):
        counted = sum(g["count"] for g in groups if g["stage"] == stage)
        assert counted == figures[stage]["errors"] > 0, (stage, groups)
    assert {g["kind"] for g in groups if g["stage"] == "collect"} == {"set aside"}
    # Names with words outside the glossary wait for a person, with the words named.
    waiting = [states[p.pk] for p in products if states[p.pk] and states[p.pk].needs_human]
    assert waiting and all("needs human translation" in s.errors["translate"] for s in waiting)
    listed = Listing.objects.filter(account__name=ACCOUNT)
    assert listed.count() == len(ready) - sum(
        1 for p in ready if states[p.pk].draft["sold_out"]
    )  # a sold-out product is not created
    assert set(listed.values_list("status", flat=True)) == {ListingStatus.DRY_RUN}
    creates = Counter(
        ListingRequest.objects.filter(kind="create").values_list(
            "listing__reference_number", flat=True
        )
    )
    assert (
        set(creates.values()) == {1} and ListingRequest.objects.filter(dry_run=False).count() == 0
    )
    # Every listing says why it has its price, and its body carries http(s) image URLs.
    listing = listed.first()
    assert listing.price_decision["price"] == listing.price
    assert listing.price_decision["currency"] == listing.currency == "JPY"
    assert listing.price_decision["fx_rate"]["krw_per_unit"] == "9.4"
    body = listing.requests.get(kind="create").body
    assert body["product"]["images"][0]["path"].startswith(sample.base_url + "/media/images/")
    # Images: stored once per content, shared ones reused, one file each.
    assert ProductImage.objects.count() > Image.objects.count() == media_files_count() > 0

    requests_before, files_before = ListingRequest.objects.count(), media_files_count()
    hits_before = sample.hits["image"]
    rerun = run()

    assert rerun.status == "COMPLETED"
    assert ListingRequest.objects.count() == requests_before  # nothing sent again
    assert media_files_count() == files_before and sample.hits["image"] == hits_before
    # Items count what each stage holds done, not what this attempt happened to do: a rerun
    # (or an attempt resumed after a kill) reports every product.
    for stage in ("convert", "translate", "image"):
        assert results(rerun, stage)["items"] == results(batch, stage)["items"] > 0, stage
    assert results(rerun, "translate")["translated"] == len(waiting)  # a person is awaited
    assert results(rerun, "convert")["unchanged"] == len(
        [p for p in products if p.state == ProductState.ACTIVE and p.supplier in UNITS]
    )


def test_partial_run_updates_exactly_the_changed_products(sample):
    assert run().status == "COMPLETED"
    before = ListingRequest.objects.count()
    prices_before = dict(Listing.objects.values_list("source_key", "price"))
    old = sample.catalog
    new = old.repriced(fraction=0.1, generation=1)
    changed = changed_ids(old, new)
    sample.catalog = new

    batch = run(mode="partial")

    assert batch.status == "COMPLETED"
    stages = set(StageRun.objects.filter(batch_id=batch.id).values_list("stage", "status"))
    assert ("convert", CellStatus.SKIPPED) in stages and ("image", CellStatus.SKIPPED) in stages
    sent = requests_after(before)
    touched = {r.listing.source_key.partition(":")[2] for r in sent}
    listed = set(
        Listing.objects.filter(source_key__startswith=f"{MALL}:").values_list(
            "source_key", flat=True
        )
    )
    changed_and_listed = {pid for pid in changed if f"{MALL}:{pid}" in listed}
    # Exactly the listed products whose BUYMA price or stock moved (a new mall price can round
    # to the same yen price, or be set by the same competitor: nothing to send then).
    moved = {
        pid
        for pid in changed_and_listed
        if new[pid].sold_out != old[pid].sold_out
        or new[pid].available_sizes != old[pid].available_sizes
        or on_account(PipelineProduct.objects.get(supplier=MALL, source_id=pid)).price
        != prices_before[f"{MALL}:{pid}"]
    }
    assert moved and touched == moved
    assert {r.kind for r in sent} <= {"price", "stock", "update"}
    # The listings on sale carry the new prices, each with its new decision (a sold-out one
    # only gets its stock set to out of stock).
    for request in sent:
        listing = request.listing
        if listing.status == ListingStatus.OUT_OF_STOCK:
            assert request.kind == "stock"
            continue
        product = PipelineProduct.objects.get(
            supplier=MALL, source_id=listing.source_key[len(MALL) + 1 :]
        )
        assert listing.price == on_account(product).price == listing.price_decision["price"]
    # Sold out at the mall -> out of stock on BUYMA.
    sold_out = {pid for pid in changed_and_listed if new[pid].sold_out}
    for pid in sold_out:
        assert Listing.objects.get(source_key=f"{MALL}:{pid}").status == ListingStatus.OUT_OF_STOCK


def test_a_product_gone_from_the_mall_is_marked_out_of_stock(sample):
    assert run().status == "COMPLETED"
    listing = Listing.objects.filter(source_key__startswith=f"{MALL}:").first()
    product_id = listing.source_key.partition(":")[2]
    sample.catalog = sample.catalog.without([product_id])

    assert run(mode="partial").status == "COMPLETED"

    assert PipelineProduct.objects.get(supplier=MALL, source_id=product_id).state == "gone"
    listing.refresh_from_db()
    assert listing.status == ListingStatus.OUT_OF_STOCK
    assert listing.requests.order_by("-id").first().kind == "stock"


def test_product_sync_runs_the_same_stages_per_supplier(sample):
    batch = run("product_sync")

    assert batch.status == "COMPLETED"
    partitions = set(StageRun.objects.filter(batch_id=batch.id).values_list("partition", flat=True))
    # The same brand units as buyma's (a mall read per brand, the feed whole).
    assert {p.partition("/")[0] for p in partitions} == set(UNITS.split(","))
    created = ListingRequest.objects.filter(kind="create").count()
    assert created > 0
    # buyma afterwards finds everything listed already.
    assert run("buyma").status == "COMPLETED"
    assert ListingRequest.objects.count() == created


def test_a_price_under_the_margin_guard_suspends_the_listing(sample):
    assert run().status == "COMPLETED"
    # A minimum margin no competitor leaves room for: every undercut hits the floor.
    PricingRule.objects.filter(market="buyma", supplier="", brand="").update(
        minimum_margin_kind="rate",
        minimum_margin=Decimal("0.6"),
        target_margin=Decimal("0.7"),
        suspend_when_uncompetitive=True,
    )

    batch = run(mode="partial")

    assert batch.status == "COMPLETED"
    suspended = Listing.objects.filter(status=ListingStatus.SUSPENDED)
    events = Event.objects.filter(type="listing.suspended", correlation_id=batch.id)
    assert suspended.exists() and events.count() == suspended.count()
    event = events.first()
    listing = suspended.get(reference_number=event.payload["reference_number"])
    assert listing.requests.order_by("-id").first().kind == "suspend"
    assert listing.price_decision["suspend"] is True and event.payload["reason"]


def test_buyma_declares_its_daily_full_and_hourly_partial_schedules():
    workflows_load()

    schedules_sync()

    rows = {s.name: s for s in Schedule.objects.filter(workflow="buyma")}
    assert (rows["buyma-full-daily"].cron, rows["buyma-full-daily"].mode) == ("0 3 * * *", "full")
    assert (rows["buyma-partial-hourly"].cron, rows["buyma-partial-hourly"].mode) == (
        "0 * * * *",
        "partial",
    )
    assert {s.time_zone for s in rows.values()} == {"Asia/Seoul"}


def test_a_partition_whose_every_image_fails_is_not_green(sample, capsys):
    """The feed's image host answers 404 for every picture: its image cell fails (every
    product failed), the rest of that partition waits, the batch is COMPLETED_WITH_ERRORS, and
    ``yooini status`` and the notification give the reason once, with its count."""
    from urllib.parse import quote, urlsplit

    from django.core.management import call_command

    from notifications.messages import message_for

    feed_pictures = {f"/images/{quote(i, safe='')}.jpg" for i in sample.feed_catalog.image_ids}
    answer = sample.answer

    def without_feed_pictures(target: str):
        if urlsplit(target).path in feed_pictures:
            return "image", 404, "text/html", b"not found"
        return answer(target)

    sample.answer = without_feed_pictures
    batch = run()

    assert batch.status == "COMPLETED_WITH_ERRORS"
    feed = "sample-feed/all"
    cells = {c.stage: c for c in StageRun.objects.filter(batch=batch, partition=feed)}
    image = cells["image"]
    products = PipelineProduct.objects.filter(supplier="sample-feed", facts__isnull=False)
    reason = f"HTTP 404 Not Found from {sample.base_url}"
    assert image.status == CellStatus.ERROR and image.error_type == "ItemFailuresExceeded"
    assert image.result["item_errors"] == {reason: products.count()} != {}
    assert image.error.endswith(
        f"all {products.count()} items failed: {reason} ({products.count()})"
    )
    assert cells["price"].status == cells["register"].status == CellStatus.BLOCKED
    assert not Listing.objects.filter(reference_number__contains="feed").exists()
    # Every mall partition went on and is green.
    others = StageRun.objects.filter(batch=batch).exclude(partition=feed)
    assert set(others.values_list("status", flat=True)) == {CellStatus.DONE}
    assert batch.totals["failed_items"] == products.count()
    assert batch.totals["item_errors"] == [
        {"stage": "image", "reason": reason, "count": products.count(), "partitions": 1}
    ]

    capsys.readouterr()
    call_command("status", batch.id)
    shown = capsys.readouterr().out
    assert shown.count(reason) == 1 and f"image: {products.count()} items failed" in shown
    event = Event.objects.get(correlation_id=batch.id, type="batch.completed_with_errors")
    body = message_for(event.type, event.payload, batch_id=batch.id, workflow="buyma").body
    assert body.count(reason) == 1 and f"- image: {products.count()}: {reason}" in body


def test_products_left_without_a_price_fail_the_price_cell_but_kept_prices_do_not(sample):
    """Without any pricing rule nothing can be priced: a first run's price cells fail (no
    product has a price to keep). Once priced, the same missing rule keeps every last price:
    those are not failed items, so register still runs and the batch completes."""
    first = run()
    assert first.status == "COMPLETED"
    PricingRule.objects.filter(market="buyma").update(enabled=False)
    again = run(mode="partial")
    assert again.status == "COMPLETED", again.totals
    assert results(again, "price")["failed"] > 0 and "failed_items" not in again.totals

    MarketProduct.objects.update(price=None, price_decision=None)
    blocked = run(mode="partial")
    assert blocked.status == "COMPLETED_WITH_ERRORS"
    price_cells = StageRun.objects.filter(batch=blocked, stage="price")
    assert {c.error_type for c in price_cells} == {"ItemFailuresExceeded"}
    groups = blocked.totals["item_errors"]
    assert {g["stage"] for g in groups} == {"price"}
    assert sum(g["count"] for g in groups) == blocked.totals["failed_items"] > 0
    assert all("no enabled" in g["reason"] for g in groups), groups
    assert not StageRun.objects.filter(batch=blocked, stage="register", status="DONE").exists()
