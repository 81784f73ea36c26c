"""The seller's product page: per-account state, filters, sorting, paging, a constant number of
queries, the CSV and Excel exports, the operators' bulk actions and the viewers' refusal.

The market side is real: BUYMA dry-run accounts, whose publishes are planned by the publish
state machine, checked by BUYMA's own validator and recorded in the request log.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from markets.models import Listing, ListingRequest
from markets.services import market_account_create
from orchestrator.core.clock import get_clock
from orchestrator.models import Event
from pipelines.models import MarketProduct, PipelineProduct
from pipelines.selectors import seller_products

# What BUYMA needs of an account (as markets/tests/conftest.py SETTINGS).
BUYMA_SETTINGS = {
    "buyer_id": "1001",
    "buying_area_id": "2002003000",
    "shipping_area_id": "2002003000",
    "shipping_method_ids": [1063035],
    "buying_shop_name": "{brand_name}正規販売店",
    "available_days": 90,
    "order_quantity": 50,
    "extra": {"duty": "included"},
}
IMAGE_KEY = "images/ab/cd/" + "a" * 64 + ".jpg"


@pytest.fixture(autouse=True)
def media_and_keys(settings):
    settings.YOOINI_CREDENTIALS_KEY = Fernet.generate_key().decode()
    settings.YOOINI_MEDIA_PUBLIC_URL = "https://img.example.com/"


def facts(title, brand, model, cost):
    return {
        "title": title,
        "brand": brand,
        "model_number": model,
        "cost_krw": cost,
        "colors": ["블랙"],
        "sizes": ["260", "270"],
        "variants": [
            {"color": "블랙", "size": "260", "sold_out": False, "stock": None},
            {"color": "블랙", "size": "270", "sold_out": False, "stock": None},
        ],
        "image_urls": ["https://supplier.example.com/1.jpg"],
    }


def draft(reference, title, model, cost):
    """A BUYMA draft as ``markets.buyma.convert.ListingDraft.to_dict`` writes it."""
    return {
        "reference_number": reference,
        "brand_id": 3219,
        "brand_name": "NIKE",
        "category_id": 3473,
        "title_ko": title,
        "description_ko": f"{title} 정품입니다.",
        "model_number": model,
        "season": None,
        "season_id": None,
        "cost_krw": cost,
        "colors": [{"value_ko": "블랙", "master_id": 1}],
        "sizes": [{"value": "26cm", "master_id": 1}, {"value": "27cm", "master_id": 2}],
        "variants": [
            {"color_ko": "블랙", "size": "26cm", "sold_out": False, "stock": None},
            {"color_ko": "블랙", "size": "27cm", "sold_out": False, "stock": None},
        ],
        "image_urls": ["https://supplier.example.com/1.jpg"],
        "glossary": {},
        "sold_out": False,
    }


def decision(price, margin, rate):
    return {"price_jpy": price, "margin_jpy": margin, "margin_rate": rate, "suspend": False}


class World:
    """Products, accounts, their MarketProduct rows and listings, built directly."""

    def __init__(self):
        self.now = get_clock().now()
        self.shop = market_account_create(
            name="shop", market="buyma", dry_run=True, settings=BUYMA_SETTINGS
        )
        self.outlet = market_account_create(
            name="outlet", market="buyma", dry_run=True, settings=BUYMA_SETTINGS
        )
        market_account_create(
            name="closed", market="buyma", dry_run=True, settings=BUYMA_SETTINGS, enabled=False
        )

    def product(self, source_id, title, brand, model, cost, *, state="active", images=True):
        return PipelineProduct.objects.create(
            supplier="okmall",
            source_id=source_id,
            state=state,
            facts=facts(title, brand, model, cost),
            images=[IMAGE_KEY] if images else [],
        )

    def market_product(self, product, account, *, price=15800, translated=True, errors=None):
        title = product.facts["title"]
        return MarketProduct.objects.create(
            product=product,
            account=account,
            draft=draft(f"okmall-{product.source_id}", title, product.facts["model_number"], 1),
            texts=[f"NIKE {title}", "正規品です。", "ブラック"] if translated else None,
            price=price,
            currency="JPY",
            price_decision=decision(price, "2370", "0.15"),
            errors=errors or {},
        )

    def listing(self, product, account, *, status="published", price=15800, ago=0, error=""):
        at = self.now - timedelta(hours=ago)
        return Listing.objects.create(
            account=account,
            reference_number=f"okmall-{product.source_id}",
            source_key=product.key,
            # a create BUYMA refused left no id there
            external_id=None if status == "failed" else f"B{product.pk}",
            currency="JPY",
            status=status,
            price=price,
            stock={"variants": 2, "available": 2, "on_hand": None, "hash": "x"},
            price_decision=decision(price, "2370", "0.15"),
            last_error=error,
            created_at=at,
            updated_at=at,
        )


@pytest.fixture
def world(db):
    w = World()
    # Air Force: on sale at shop, waiting for its translation at outlet.
    w.air = w.product("1001", "Air Force 1 Low", "NIKE", "CW2288-111", 89000)
    w.market_product(w.air, w.shop)
    w.market_product(w.air, w.outlet, translated=False)
    w.listing(w.air, w.shop, ago=1)
    # Wool coat: its create failed at shop.
    w.coat = w.product("1002", "Wool coat", "Maison Kitsune", "MK-77", 250000)
    w.market_product(w.coat, w.shop, price=42000)
    w.listing(w.coat, w.shop, status="failed", price=None, ago=5, error="brand_id: unknown brand")
    # A wallet gone from the supplier, on no account.
    w.wallet = w.product("1003", "가죽 지갑", "Coach", "", 120000, state="gone", images=False)
    # Dunk: suspended at outlet, priced but never listed at shop.
    w.dunk = w.product("1004", "Dunk Low Retro", "nike", "DD1391-100", 99000)
    w.market_product(w.dunk, w.outlet)
    w.market_product(w.dunk, w.shop, errors={"register": "brand_id: unknown brand"})
    w.listing(w.dunk, w.outlet, status="suspended", ago=2)
    return w


def page_text(client, **params):
    response = client.get(reverse("dashboard:products"), params)
    assert response.status_code == 200
    return response.content.decode()


def product_ids(html):
    return [int(pk) for pk in re.findall(r'<tr id="product-(\d+)"', html)]


def cells(html, product):
    """The account cells of one product's row (status, price, margin, stock, sync per account)."""
    row = html.split(f'<tr id="product-{product.pk}">')[1].split("</tr>")[0]
    return re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)


# --- the page --------------------------------------------------------------------------------


def test_page_lists_each_product_with_its_state_per_account(client_as, world):
    html = page_text(client_as("viewer"))
    assert product_ids(html) == [world.air.pk, world.dunk.pk, world.coat.pk, world.wallet.pk]
    # account column groups: enabled accounts only, by name
    assert re.findall(r'<th colspan="5" class="account"[^>]*>(\w+)', html) == ["outlet", "shop"]
    assert "closed" not in html
    air = html.split(f'<tr id="product-{world.air.pk}">')[1].split("</tr>")[0]
    assert "Air Force 1 Low" in air and "NIKE · CW2288-111" in air and "okmall:1001" in air
    assert "₩89,000" in air
    assert 'src="https://img.example.com/images/ab/cd/' in air
    # outlet: no listing, waiting for the translation; shop: on sale at ¥15,800, 15% margin
    assert 'data-waiting="not translated"' in air
    assert 'data-status="published"' in air and "on sale" in air
    assert "¥15,800" in air and "15.0%" in air and 'title="¥2,370"' in air and "2/2" in air
    coat = html.split(f'<tr id="product-{world.coat.pk}">')[1].split("</tr>")[0]
    assert 'data-status="failed"' in coat and 'title="brand_id: unknown brand"' in coat
    assert "¥42,000" in coat  # never at the market: the decided price
    dunk = html.split(f'<tr id="product-{world.dunk.pk}">')[1].split("</tr>")[0]
    assert 'data-status="suspended"' in dunk
    assert 'data-waiting=""' in dunk and 'title="register: brand_id: unknown brand"' in dunk
    wallet = html.split(f'<tr id="product-{world.wallet.pk}">')[1].split("</tr>")[0]
    assert "gone" in wallet and "<img" not in wallet
    assert reverse("dashboard:products") in page_text(client_as("viewer"))  # in the menu


def test_filters(client_as, world):
    client = client_as("viewer")

    def ids(**params):
        return product_ids(page_text(client, **params))

    assert ids(q="air force") == [world.air.pk]  # title, any case
    assert ids(q="NIKE") == [world.air.pk, world.dunk.pk]  # brand, "nike" too
    assert ids(q="dd1391") == [world.dunk.pk]  # model number
    assert ids(q="1003") == [world.wallet.pk]  # source id
    assert ids(q="지갑") == [world.wallet.pk]
    assert ids(account="outlet") == [world.air.pk, world.dunk.pk]
    assert ids(market="buyma") == [world.air.pk, world.dunk.pk, world.coat.pk]
    assert ids(market="coupang") == []
    assert ids(status="failed") == [world.coat.pk]
    assert ids(status="suspended") == [world.dunk.pk]
    assert ids(status="suspended", account="shop") == []
    assert ids(status="unlisted") == [world.wallet.pk]
    assert ids(status="unlisted", account="outlet") == [world.air.pk]
    # only the chosen account's columns
    one = page_text(client, account="shop")
    assert re.findall(r'<th colspan="5" class="account"[^>]*>(\w+)', one) == ["shop"]


def test_sorting(client_as, world):
    client = client_as("viewer")

    def ids(sort):
        return product_ids(page_text(client, sort=sort))

    air, coat, wallet, dunk = world.air.pk, world.coat.pk, world.wallet.pk, world.dunk.pk
    assert ids("cost") == [air, dunk, wallet, coat]
    assert ids("-cost") == [coat, wallet, dunk, air]
    assert ids("synced") == [air, dunk, coat, wallet]  # most recently synced first
    assert ids("status") == [coat, dunk, air, wallet]  # failed, suspended, on sale, none
    assert ids("nonsense") == ids("title")


def test_paging_keeps_the_filters(client_as, world, monkeypatch):
    monkeypatch.setattr("dashboard.views_products.PAGE_SIZE", 2)
    client = client_as("viewer")
    first = page_text(client, sort="cost")
    second = page_text(client, sort="cost", page=2)
    assert product_ids(first) == [world.air.pk, world.dunk.pk]
    assert product_ids(second) == [world.wallet.pk, world.coat.pk]
    assert 'href="?sort=cost&amp;page=2"' in first
    assert "Page 1 of 2 (4 products)" in first


def test_a_page_costs_the_same_queries_whatever_its_size(client_as, world):
    client = client_as("viewer")
    client.get(reverse("dashboard:products"))  # session and role read once

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("dashboard:products")).status_code == 200
        return len(captured)

    small = queries()
    for i in range(30):
        product = world.product(f"2{i:03}", f"Sneaker {i}", "NIKE", f"X-{i}", 50000 + i)
        world.market_product(product, world.shop)
        world.market_product(product, world.outlet)
        world.listing(product, world.shop)
        world.listing(product, world.outlet, status="out_of_stock")
    assert queries() == small


def test_the_selector_reads_a_page_in_five_queries(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        found = seller_products(per_page=50)
        assert len(found.rows) == 4 and len(found.rows[0].accounts) == 2


def test_korean_page(client_as, world):
    client = client_as("operator")
    html = client.get(reverse("dashboard:products"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert '<html lang="ko">' in html
    for korean in ("상품 관리", "판매 중", "번역 대기", "판매 중지", "판매 재개", "가격 재계산"):
        assert korean in html, korean
    assert "상품 4개" in html and "마진" in html
    response = client.post(
        reverse("dashboard:product_action"),
        {"action": "suspend", "product": [world.air.pk], "account": ["shop"]},
        HTTP_ACCEPT_LANGUAGE="ko",
        follow=True,
    )
    assert "판매 중지: 판매 중지됨 1, 건너뜀 0, 실패 0." in response.content.decode()


# --- exports ---------------------------------------------------------------------------------


def test_csv_export_has_a_line_per_product_and_account(client_as, world):
    response = client_as("viewer").get(reverse("dashboard:products_csv"), {"q": "nike"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert re.match(
        r'attachment; filename="products-\d{8}-\d{4}\.csv"', response["Content-Disposition"]
    )
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, body = lines[0], lines[1:]
    assert header[:3] == ["Supplier", "Source ID", "Title"]
    by_key = {(line[1], line[7]): dict(zip(header, line, strict=True)) for line in body}
    assert sorted(by_key) == [
        ("1001", "outlet"),
        ("1001", "shop"),
        ("1004", "outlet"),
        ("1004", "shop"),
    ]
    shop = by_key[("1001", "shop")]
    assert shop["Status"] == "on sale" and shop["Price"] == "15800" and shop["Currency"] == "JPY"
    assert shop["Margin rate (%)"] == "15.0" and shop["Variants available"] == "2"
    assert by_key[("1001", "outlet")]["Waiting for"] == "not translated"


def test_excel_export_covers_every_page(client_as, world, monkeypatch):
    monkeypatch.setattr("dashboard.views_products.PAGE_SIZE", 1)
    response = client_as("viewer").get(reverse("dashboard:products_xlsx"))
    assert response.status_code == 200

    market_account_create(name="쿠팡", market="buyma", settings=BUYMA_SETTINGS)
    one = client_as("viewer").get(reverse("dashboard:products_xlsx"), {"account": "쿠팡"})
    assert "filename*=utf-8''products-" in one["Content-Disposition"]
    assert one["Content-Disposition"].endswith("-%EC%BF%A0%ED%8C%A1.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Supplier"
    keys = [(r[1], r[7]) for r in rows[1:]]
    # title order; the wallet (on no account) still has its line
    assert keys == [
        ("1001", "outlet"),
        ("1001", "shop"),
        ("1004", "outlet"),
        ("1004", "shop"),
        ("1002", "shop"),
        ("1003", None),
    ]
    coat = rows[5]
    assert coat[2] == "Wool coat" and coat[5] == 250000 and coat[9] == "failed"
    assert coat[18] == "brand_id: unknown brand"


def test_exports_write_supplier_formulas_as_text(client_as, world):
    world.product("6666", '=HYPERLINK("http://evil.example.com","click")', "-Brand", "", 1000)
    client = client_as("viewer")
    text = b"".join(client.get(reverse("dashboard:products_csv")).streaming_content).decode()
    line = next(x for x in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if x[1] == "6666")
    assert line[2] == '\'=HYPERLINK("http://evil.example.com","click")' and line[3] == "'-Brand"
    book = load_workbook(io.BytesIO(client.get(reverse("dashboard:products_xlsx")).content))
    row = next(r for r in book.active.iter_rows(values_only=True) if r[1] == "6666")
    assert row[2].startswith("'=") and row[3] == "'-Brand"


# --- roles and actions -----------------------------------------------------------------------


def test_viewers_see_no_actions_and_cannot_post(client_as, world):
    client = client_as("viewer")
    html = page_text(client)
    assert 'name="product"' not in html and 'id="action-bar"' not in html
    response = client.post(
        reverse("dashboard:product_action"),
        {"action": "suspend", "product": [world.air.pk], "account": ["shop"]},
    )
    assert response.status_code == 403
    assert Listing.objects.get(account=world.shop, source_key=world.air.key).status == "published"


def test_operators_suspend_and_resume(client_as, world):
    client = client_as("operator")
    html = page_text(client)
    assert f'name="product" value="{world.air.pk}"' in html and 'id="action-bar"' in html
    chosen = [world.air.pk, world.coat.pk, world.wallet.pk, world.dunk.pk]

    response = client.post(
        reverse("dashboard:product_action"),
        {"action": "suspend", "product": chosen, "account": ["shop", "outlet"], "filters": "q=a"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard:products") + "?q=a"
    air = Listing.objects.get(account=world.shop, source_key=world.air.key)
    assert air.status == "suspended"
    suspend = ListingRequest.objects.get(listing=air, kind="suspend")
    assert suspend.dry_run and suspend.error == ""
    message = response.content.decode()
    # air at shop suspended, coat (never created at BUYMA) skipped by the publish machine,
    # dunk already suspended at outlet; products with no listing are skipped with that reason
    assert "Suspend: suspended 1, skipped 7, failed 0." in message, message
    assert "not listed on this account (5)" in message and "already suspended (1)" in message
    assert "never listed: nothing to suspend (1)" in message

    event = Event.objects.filter(type="listing.bulk_action").latest("id")
    assert event.payload["action"] == "suspend" and event.payload["actor"] == client.user.username
    assert event.payload["suspended"] == 1 and event.payload["products"] == 4

    response = client.post(
        reverse("dashboard:product_action"),
        {"action": "resume", "product": chosen, "account": ["shop", "outlet"]},
        follow=True,
    )
    assert "Resume sales: resumed 2, skipped 6, failed 0." in response.content.decode()
    # BUYMA puts a listing back on sale with its price: a dry run records that request
    air.refresh_from_db()
    dunk = Listing.objects.get(account=world.outlet, source_key=world.dunk.key)
    assert air.status == dunk.status == "dry_run"
    assert ListingRequest.objects.filter(listing=dunk, kind="price", dry_run=True).count() == 1


def test_an_action_needs_products_and_accounts(client_as, world):
    client = client_as("operator")
    response = client.post(
        reverse("dashboard:product_action"), {"action": "suspend", "account": ["shop"]}, follow=True
    )
    assert "Choose at least one product and one account." in response.content.decode()
    response = client.get(reverse("dashboard:product_action"))
    assert response.status_code == 405


# --- the read model's edges ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "currency", "margin", "rate"),
    [
        ({"margin_jpy": "2370.40", "margin_rate": "0.1500"}, "JPY", "2370.40", "0.1500"),
        ({"margin": 5100, "margin_rate": 0.12}, "KRW", "5100", "0.12"),
        ({"margin": {"kind": "won", "value": "5100"}}, "KRW", "5100", None),
        ({"margin_kind": "rate", "margin_krw": "800"}, "KRW", "800", None),
        ({"margin_rate": "n/a", "margin_jpy": None}, "JPY", None, None),
        (None, "JPY", None, None),
    ],
)
def test_margins_are_read_from_whatever_the_decision_holds(decision, currency, margin, rate):
    from decimal import Decimal

    from pipelines.selectors import decision_margin, decision_margin_rate

    assert decision_margin(decision, currency) == (Decimal(margin) if margin else None)
    assert decision_margin_rate(decision) == (Decimal(rate) if rate else None)


def test_without_enabled_accounts_the_products_are_still_listed(client_as, world):
    from markets.models import MarketAccount

    MarketAccount.objects.update(enabled=False)
    client = client_as("viewer")
    html = page_text(client, sort="status")
    assert sorted(product_ids(html)) == sorted(
        p.pk for p in (world.air, world.coat, world.wallet, world.dunk)
    )
    assert product_ids(page_text(client, status="failed")) == []
    assert len(product_ids(page_text(client, status="unlisted"))) == 4
