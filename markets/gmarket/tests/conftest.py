"""Fixtures of the Gmarket / Auction tests: the local ESM contract server, connectors to it and
a valid listing content."""

from __future__ import annotations

import dataclasses

import pytest

from markets.contract import MarketConfig, connector_for
from markets.gmarket.testing import GmarketContractServer
from markets.listing import ListingContent, ListingOption, ListingVariant

ACCOUNT_SETTINGS = {
    "sites": ["gmarket", "auction"],
    "shipping_place_no": 1201,
    "dispatch_policy_no": 3301,
    "return_address_no": 4401,
    "delivery_company_no": 10013,
    "return_fee": 5000,
    "default_stock": 99,
    "rate_limit_max_wait": 0,
}


def make_content(reference: str = "okmall-814101", **changes) -> ListingContent:
    content = ListingContent(
        reference_number=reference,
        source_key=f"okmall:{reference.rsplit('-', 1)[-1]}",
        name="나이키 에어포스 1 로우 CW2288-111",
        comments="<p>정품 나이키 에어포스 1 로우입니다.</p>",
        brand_id=0,
        brand_name="나이키",
        category_id=300000021,
        price=129000,
        images=("https://img.example.com/a/1.jpg", "https://img.example.com/a/2.jpg"),
        options=(
            ListingOption("color", "화이트", 1),
            ListingOption("size", "260", 1),
            ListingOption("size", "270", 2),
        ),
        variants=(
            ListingVariant((("color", "화이트"), ("size", "260")), "stock_in_hand", 5),
            ListingVariant((("color", "화이트"), ("size", "270")), "stock_in_hand", 3),
        ),
        model_no="CW2288-111",
        currency="KRW",
        extra={
            "categories": {
                "esm": "0002000300010001",
                "gmarket": "300000021",
                "auction": "16120200",
            },
            "notice": {
                "officialNoticeNo": 3,
                "details": [
                    {"officialNoticeItemelementCode": "3-1", "value": "천연가죽"},
                    {"officialNoticeItemelementCode": "3-6", "value": "베트남"},
                ],
            },
        },
    )
    return dataclasses.replace(content, **changes)


def config_for(server: GmarketContractServer, **overrides) -> MarketConfig:
    settings = {**server.settings(), **ACCOUNT_SETTINGS, **overrides.pop("settings", {})}
    credentials = overrides.pop("credentials", server.credentials())
    return MarketConfig(
        kind="gmarket",
        account="shop",
        settings=settings,
        credentials=credentials,
        timeout=overrides.pop("timeout", 2.0),
    )


@pytest.fixture
def server():
    with GmarketContractServer(stall_seconds=0.5) as running:
        yield running


@pytest.fixture
def connector(server):
    with connector_for(config_for(server)) as live:
        yield live


@pytest.fixture
def broken_connector(server):
    credentials = {"master_id": server.master_id, "secret_key": "esm-wrong-" + "0" * 32}
    with connector_for(config_for(server, credentials=credentials)) as live:
        yield live


@pytest.fixture
def secrets(server):
    return [server.secret_key, "esm-wrong-" + "0" * 32]


@pytest.fixture
def content():
    return make_content()
