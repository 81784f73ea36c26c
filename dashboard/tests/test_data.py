"""The data pages: source data search and detail, listings with their price decision."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse

from markets.models import Listing, ListingRequest, MarketAccount
from markets.services import market_account_create
from orchestrator.core.clock import get_clock
from pricing.inputs import MarginAmount, MarginRate, PricingInput
from pricing.rules import decide_price
from pricing.services import decision_record, fx_rate_set
from source_data.models import SourceData
from source_data.records import SourceRecord
from source_data.services import lineage_record, source_data_upsert_many

SECRET = "oauth-refresh-7c1f0e9d2b"
ACCOUNT_PAGES = ("source_data", "listings", "schedules", "resources")


@pytest.fixture(autouse=True)
def credentials_key(settings):
    settings.YOOINI_CREDENTIALS_KEY = Fernet.generate_key().decode()


def _product(source_id, *, system="ownerclan", price=10000, **extra):
    raw = {"name": f"상품 {source_id}", "price": price}
    return SourceRecord("supplier_product", system, source_id, raw, **extra)


@pytest.fixture
def products(db):
    """Three suppliers' products; P-1 has two versions and a translated child."""
    normalized = {
        "title": "Air Force 1 Low",
        "brand": "NIKE",
        "images": ["https://img.example.com/p1/a.jpg"],
    }
    source_data_upsert_many(
        [
            _product("P-1", normalized=normalized, market_data={"buyma": {"status": "active"}}),
            _product("P-2", normalized={"title": "가죽 지갑", "brand": "Maison"}),
            _product("W-9", system="wconcept", normalized={"title": "Wool coat"}),
        ],
        batch_id="b20260127a",
    )
    source_data_upsert_many([_product("P-1", price=12000)], batch_id="b20260127b")
    p1 = SourceData.objects.get(source_id="P-1", is_current=True)
    translated = source_data_upsert_many(
        [SourceRecord("supplier_product", "translated", "P-1-ja", {"name": "エアフォース1"})]
    )
    assert translated.created == 1
    child = SourceData.objects.get(source_system="translated")
    lineage_record(parent=p1, child=child, transformation="translate", metadata={"language": "ja"})
    return {"p1": p1, "p1_old": SourceData.objects.get(source_id="P-1", version=1), "child": child}


def _ids(response) -> list[str]:
    return re.findall(r'/data/\d+/">([^<]+)</a>', response.content.decode())


def test_search_by_id_title_brand_and_filters(client_as, products):
    client = client_as("viewer")
    url = reverse("dashboard:source_data")
    assert sorted(_ids(client.get(url))) == ["P-1", "P-1-ja", "P-2", "W-9"]
    assert _ids(client.get(url, {"q": "p-2"})) == ["P-2"]
    assert _ids(client.get(url, {"q": "air force"})) == ["P-1"]  # normalized title, any case
    assert _ids(client.get(url, {"q": "maison"})) == ["P-2"]  # normalized brand
    assert _ids(client.get(url, {"q": "지갑"})) == ["P-2"]
    assert _ids(client.get(url, {"source_system": "wconcept"})) == ["W-9"]
    assert _ids(client.get(url, {"status": "processed"})) == []
    assert _ids(client.get(url, {"q": "P-1", "source_system": "ownerclan"})) == ["P-1"]
    # older versions only when asked for
    everything = client.get(url, {"q": "P-1", "source_system": "ownerclan", "all": "1"})
    assert _ids(everything) == ["P-1", "P-1"]


def test_search_pages_newest_first(client_as, products, monkeypatch):
    monkeypatch.setattr("dashboard.views_data.PAGE_SIZE", 2)
    client = client_as("viewer")
    first = client.get(reverse("dashboard:source_data"))
    second = client.get(reverse("dashboard:source_data"), {"page": 2})
    assert len(_ids(first)) == 2 and len(_ids(second)) == 2
    assert "P-1-ja" in _ids(first)  # written last
    assert set(_ids(first)).isdisjoint(_ids(second))


def test_product_page_shows_data_versions_and_lineage(client_as, products):
    client = client_as("viewer")
    p1, old, child = products["p1"], products["p1_old"], products["child"]
    page = client.get(reverse("dashboard:source_data_detail", args=[p1.pk])).content.decode()
    assert "Air Force 1 Low" in page and "&quot;buyma&quot;" in page
    assert p1.content_hash in page and old.content_hash in page
    assert reverse("dashboard:source_data_detail", args=[old.pk]) in page
    assert 'href="/batches/b20260127b/"' in page
    assert "https://img.example.com/p1/a.jpg" in page and "<img" not in page
    assert "translate" in page and "&quot;language&quot;: &quot;ja&quot;" in page
    assert reverse("dashboard:source_data_detail", args=[child.pk]) in page

    child_page = client.get(reverse("dashboard:source_data_detail", args=[child.pk]))
    assert reverse("dashboard:source_data_detail", args=[p1.pk]) in child_page.content.decode()
    assert client.get(reverse("dashboard:source_data_detail", args=[999999])).status_code == 404


def _decision():
    fx = fx_rate_set(Decimal("9.10"), date(2026, 1, 1), "bank")
    inputs = PricingInput(
        cost_krw=Decimal(52000),
        shipping_krw=Decimal(8000),
        krw_per_unit=fx.krw_per_unit,
        fee_rate=Decimal("0.055"),
        target_margin=MarginRate(Decimal("0.15")),
        minimum_margin=MarginAmount(Decimal(500)),
        currency="JPY",
        competitor_price=9800,
        undercut=100,
    )
    decision = decide_price(inputs)
    competitor = {"market": "buyma", "price_jpy": 9800, "seller_id": "rival-shop"}
    return decision_record(decision, fx_rate=fx, competitor=competitor)


@pytest.fixture
def listings(products):
    account = market_account_create(
        name="shop", settings={"buyer_id": "1001"}, credentials={"refresh_token": SECRET}
    )
    other = market_account_create(name="outlet")
    now = get_clock().now()
    record = _decision()
    listed = Listing.objects.create(
        account=account,
        reference_number="okm-814101",
        source_key="ownerclan:P-1",
        status="published",
        price=record["price"],
        price_decision=record,
        created_at=now,
        updated_at=now,
    )
    failed = Listing.objects.create(
        account=other,
        reference_number="okm-999",
        status="failed",
        last_error="brand_id: unknown brand",
        created_at=now,
        updated_at=now,
    )
    ListingRequest.objects.create(
        listing=listed,
        kind="price",
        at=now,
        method="POST",
        path="/api/v1/products.json",
        body={"product": {"reference_number": "okm-814101", "price": 9700}, "access_token": SECRET},
        status_code=202,
        error="",
    )
    source = products["p1"]
    return {"listed": listed, "failed": failed, "record": record, "source": source}


def test_listing_filters(client_as, listings):
    client = client_as("viewer")
    url = reverse("dashboard:listings")

    def refs(params=None):
        return re.findall(r'/listings/\d+/">([^<]+)</a>', client.get(url, params).content.decode())

    assert sorted(refs()) == ["okm-814101", "okm-999"]
    assert refs({"account": "outlet"}) == ["okm-999"]
    assert refs({"status": "published"}) == ["okm-814101"]
    assert refs({"q": "8141"}) == ["okm-814101"]
    assert "brand_id: unknown brand" in client.get(url).content.decode()


def test_listing_page_explains_the_price(client_as, listings):
    listed, record = listings["listed"], listings["record"]
    page = client_as("viewer").get(reverse("dashboard:listing_detail", args=[listed.pk]))
    text = page.content.decode()
    table = text.split('<table class="decision">')[1].split("</table>")[0]
    for label, value in [
        ("Supplier price (KRW)", "52000"),
        ("Currency", "JPY"),
        ("FX rate (KRW per unit)", "9.1"),
        ("Market fee rate", "0.055"),
        ("Competitor price", "9800"),
        ("Target margin", "15% of the price"),
        ("Minimum margin", "¥500"),
        ("Rule applied", record["rule"]),
        ("Final price", str(record["price"])),
    ]:
        assert re.search(rf"<th>{re.escape(label)}</th><td>{re.escape(value)}", table), label
    assert "&quot;schema&quot;" in text  # the raw record too
    assert reverse("dashboard:source_data_detail", args=[listings["source"].pk]) in text
    assert "/api/v1/products.json" in text and "202" in text
    assert "&quot;reference_number&quot;: &quot;okm-814101&quot;" in text


def test_credentials_never_appear(client_as, listings):
    account = MarketAccount.objects.get(name="shop")
    assert account.credentials_encrypted  # stored, encrypted
    client = client_as("admin")
    urls = [reverse(f"dashboard:{name}") for name in ACCOUNT_PAGES]
    urls += [
        reverse("dashboard:listing_detail", args=[listings["listed"].pk]),
        reverse("dashboard:listing_detail", args=[listings["failed"].pk]),
        reverse("dashboard:listings") + "?account=shop",
        reverse("dashboard:source_data_detail", args=[listings["source"].pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert SECRET not in body, url
        assert account.credentials_encrypted not in body, url
        assert account.credentials_encrypted[:40] not in body, url


def test_pages_need_sign_in(client, products):
    response = client.get(reverse("dashboard:source_data"))
    assert response.status_code == 302 and "/login/" in response["Location"]
