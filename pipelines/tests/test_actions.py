"""Bulk actions on products and accounts (``pipelines.actions``), on real BUYMA accounts: dry
runs record their requests; a live account talks to the local BUYMA contract server."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.tests.test_products import BUYMA_SETTINGS, World
from markets.buyma.testing import BuymaContractServer
from markets.models import Listing, ListingRequest
from markets.services import market_account_create
from orchestrator.models import Event
from pipelines.actions import products_reprice, products_resume, products_suspend
from pipelines.models import MarketProduct


@pytest.fixture(autouse=True)
def media_and_keys(settings):
    from cryptography.fernet import Fernet

    settings.YOOINI_CREDENTIALS_KEY = Fernet.generate_key().decode()
    settings.YOOINI_MEDIA_PUBLIC_URL = "https://img.example.com/"


@pytest.fixture
def world(db):
    """Two products listed on ``shop`` (one already suspended), one not listed anywhere."""
    w = World()
    w.air = w.product("1001", "Air Force 1 Low", "NIKE", "CW2288-111", 89000)
    w.market_product(w.air, w.shop)
    w.listing(w.air, w.shop)
    w.dunk = w.product("1004", "Dunk Low Retro", "NIKE", "DD1391-100", 99000)
    w.market_product(w.dunk, w.shop)
    w.listing(w.dunk, w.shop, status="suspended")
    w.coat = w.product("1002", "Wool coat", "Maison Kitsune", "MK-77", 250000)
    w.market_product(w.coat, w.shop)
    return w


def status_of(product, account) -> str:
    return Listing.objects.get(account=account, source_key=product.key).status


def ids(*products) -> list[int]:
    return [p.pk for p in products]


def test_suspend_counts_and_records_each_request(world):
    result = products_suspend(
        product_ids=ids(world.air, world.dunk, world.coat), account_names=["shop"], actor="mina"
    )
    assert result == {
        "suspended": 1,
        "skipped": 2,
        "failed": 0,
        "reasons": {"already suspended": 1, "not listed on this account": 1},
        "failures": [],
    }
    assert status_of(world.air, world.shop) == "suspended"
    request = ListingRequest.objects.get(listing__source_key=world.air.key, kind="suspend")
    assert request.dry_run and request.result == {"valid": True}
    event = Event.objects.get(type="listing.bulk_action")
    assert event.payload["actor"] == "mina" and event.payload["action"] == "suspend"
    assert event.payload["accounts"] == ["shop"] and event.payload["products"] == 3
    assert event.payload["suspended"] == 1

    # again: nothing left to suspend, nothing sent
    again = products_suspend(product_ids=ids(world.air), account_names=["shop"], actor="mina")
    assert again["suspended"] == 0 and again["reasons"] == {"already suspended": 1}
    assert ListingRequest.objects.filter(kind="suspend").count() == 1


def test_resume_puts_back_only_suspended_listings(world):
    result = products_resume(
        product_ids=ids(world.air, world.dunk), account_names=["shop"], actor="mina"
    )
    assert (result["resumed"], result["skipped"], result["failed"]) == (1, 1, 0)
    assert result["reasons"] == {"not suspended": 1}
    # BUYMA resumes a listing by sending its price: in a dry run, recorded and shown as such
    assert status_of(world.dunk, world.shop) == "dry_run"
    assert ListingRequest.objects.filter(listing__source_key=world.dunk.key, kind="price").exists()
    assert status_of(world.air, world.shop) == "published"  # untouched


def test_a_product_not_ready_is_skipped_with_its_reason(world):
    MarketProduct.objects.filter(product=world.air).update(texts=None)
    result = products_suspend(product_ids=ids(world.air), account_names=["shop"], actor="mina")
    assert result["reasons"] == {"not translated": 1} and result["suspended"] == 0
    assert status_of(world.air, world.shop) == "published"


def test_only_enabled_accounts_named_are_used(world):
    result = products_suspend(
        product_ids=ids(world.air), account_names=["closed", "nowhere"], actor="mina"
    )
    assert (result["suspended"], result["skipped"], result["failed"]) == (0, 0, 0)
    assert Event.objects.get(type="listing.bulk_action").payload["accounts"] == []
    assert status_of(world.air, world.shop) == "published"


def test_an_account_missing_settings_fails_each_product_with_the_reason(world):
    broken = market_account_create(name="broken", market="buyma", dry_run=True, settings={})
    world.market_product(world.air, broken)
    world.listing(world.air, broken)
    result = products_suspend(product_ids=ids(world.air), account_names=["broken"], actor="mina")
    assert result["failed"] == 1 and result["suspended"] == 0
    failure = result["failures"][0]
    assert failure["product"] == world.air.key and failure["account"] == "broken"
    assert "buying_area_id" in failure["error"]
    assert status_of(world.air, broken) == "published"


def test_a_market_that_does_not_answer_fails_the_account_not_the_action(world):
    with BuymaContractServer() as server:
        live = market_account_create(
            name="live",
            market="buyma",
            settings={**BUYMA_SETTINGS, "base_url": server.base_url},
            credentials=server.issue_tokens(),
            dry_run=False,
        )
        for product in (world.air, world.dunk):
            world.market_product(product, live)
            world.listing(product, live)
        server.fail_next(503, times=20)
        result = products_suspend(
            product_ids=ids(world.air, world.dunk), account_names=["live", "shop"], actor="mina"
        )
    # both live products failed with the market's answer (the second was not sent: the
    # market was down); shop went on
    assert result["failed"] == 2 and {f["account"] for f in result["failures"]} == {"live"}
    assert "503" in result["failures"][1]["error"]
    assert result["suspended"] == 1
    assert status_of(world.air, world.shop) == "suspended"
    assert status_of(world.air, live) == "published"


def test_reprice_decides_again_and_publishes_the_new_price(world):
    from pricing.services import fx_rate_set, pricing_defaults_ensure

    pricing_defaults_ensure()
    fx_rate_set("9.10", date(2026, 1, 1), "test")
    # no model number: no competitor look-up, the price follows the rules alone
    state = MarketProduct.objects.get(product=world.air, account=world.shop)
    state.draft = {**state.draft, "model_number": None}
    state.save()

    result = products_reprice(product_ids=ids(world.air), account_names=["shop"], actor="mina")
    state.refresh_from_db()
    listing = Listing.objects.get(account=world.shop, source_key=world.air.key)
    assert result["repriced"] == 1 and result["failed"] == 0
    assert state.price != 15800 and listing.price == state.price
    assert ListingRequest.objects.filter(listing=listing, kind="price", dry_run=True).exists()
    assert Event.objects.get(type="listing.bulk_action").payload["action"] == "reprice"
