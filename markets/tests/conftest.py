"""Fixtures of the markets tests: a credentials key, account settings, listing contents and
the local BUYMA contract server."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.fernet import Fernet

from markets.buyma.testing import BuymaContractServer
from markets.listing import ListingContent, ListingOption, ListingVariant

SETTINGS = {
    "buyer_id": "1001",
    "buying_area_id": "2002003000",
    "shipping_area_id": "2002003000",
    "shipping_method_ids": [1063035],
    "buying_shop_name": "{brand_name}正規販売店",
    "available_days": 90,
    "order_quantity": 50,
    "extra": {"duty": "included"},
}
WEBHOOK_SECRET = "whsec-3f9a1c7e5b2d8046"


@pytest.fixture(autouse=True)
def credentials_key(settings):
    settings.YOOINI_CREDENTIALS_KEY = Fernet.generate_key().decode()


def make_content(reference: str = "okm-814101", **changes) -> ListingContent:
    content = ListingContent(
        reference_number=reference,
        source_key=f"okmall:{reference.rsplit('-', 1)[-1]}",
        name="送料込 | NIKE | エアフォース1 ロー",
        comments="正規品です。ご注文前に在庫をご確認ください。",
        brand_id=3219,
        brand_name="NIKE",
        category_id=3473,
        price=15800,
        images=("https://img.example.com/a/1.jpg", "https://img.example.com/a/2.jpg"),
        options=(
            ListingOption("color", "ブラック", 1, 1),
            ListingOption("size", "26cm", 1, 0),
            ListingOption("size", "27cm", 2, 0),
        ),
        variants=(
            ListingVariant((("color", "ブラック"), ("size", "26cm")), "purchase_for_order"),
            ListingVariant((("color", "ブラック"), ("size", "27cm")), "purchase_for_order"),
        ),
        model_no="CW2288-111",
    )
    return dataclasses.replace(content, **changes)


def sold_out(content: ListingContent) -> ListingContent:
    return dataclasses.replace(
        content,
        variants=tuple(ListingVariant(v.options, "out_of_stock") for v in content.variants),
    )


@pytest.fixture
def buyma_server():
    with BuymaContractServer(webhook_secret=WEBHOOK_SECRET) as server:
        yield server


@pytest.fixture
def buyma_account(db, buyma_server):
    from markets.services import market_account_create

    return market_account_create(
        name="shop",
        market="buyma",
        settings={**SETTINGS, "base_url": buyma_server.base_url},
        credentials={**buyma_server.issue_tokens(), "webhook_secret": WEBHOOK_SECRET},
        dry_run=False,
    )
