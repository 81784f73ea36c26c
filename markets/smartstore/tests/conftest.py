"""Fixtures for the SmartStore tests: a local contract server, connectors to it, a content."""

from __future__ import annotations

import pytest

from markets.contract import MarketConfig
from markets.listing import ListingContent, ListingOption, ListingVariant
from markets.smartstore.connector import SmartStoreConnector
from markets.smartstore.testing import NaverContractServer


@pytest.fixture
def server():
    with NaverContractServer(stall_seconds=1.0) as running:
        yield running


def config_for(server: NaverContractServer, **changes) -> MarketConfig:
    values = {
        "kind": "smartstore",
        "account": "shop",
        "settings": server.settings(),
        "credentials": server.credentials(),
        "timeout": 0.5,
        **changes,
    }
    return MarketConfig(**values)


@pytest.fixture
def stored_credentials():
    """What ``on_credentials`` received, in order."""
    return []


@pytest.fixture
def connector(server, stored_credentials):
    config = config_for(server, on_credentials=stored_credentials.append)
    with SmartStoreConnector(config, sleep=lambda s: None) as live:
        yield live


@pytest.fixture
def broken_connector(server):
    wrong = {**server.credentials(), "client_secret": "$2a$04$" + "Wrongwrongwrongwrongwu"}
    with SmartStoreConnector(config_for(server, credentials=wrong)) as live:
        yield live


@pytest.fixture
def secrets(server):
    return [server.client_secret, "$2a$04$Wrongwrongwrongwrongwu"]


def content_for(
    server: NaverContractServer, reference: str = "ss-0001", **changes
) -> ListingContent:
    colors, sizes = ("블랙", "화이트"), ("250", "260")
    values = {
        "reference_number": reference,
        "source_key": "supplier:1",
        "name": "나이키 에어포스 1 07 CW2288-111",
        "comments": "가죽 스니커즈.\n정품 구매대행 상품입니다.",
        "brand_id": 0,
        "brand_name": "나이키",
        "category_id": 50000788,
        "price": 139_000,
        "images": (server.image_url("front.png"), server.image_url("side.png")),
        "options": tuple(ListingOption("color", c, i + 1) for i, c in enumerate(colors))
        + tuple(ListingOption("size", s, i + 1) for i, s in enumerate(sizes)),
        "variants": tuple(
            ListingVariant((("color", c), ("size", s)), "stock_in_hand", 5)
            for c in colors
            for s in sizes
        ),
        "model_no": "CW2288-111",
        "currency": "KRW",
        "extra": {
            "notice": {
                "productInfoProvidedNoticeType": "SHOES",
                "shoes": {
                    "material": "천연가죽",
                    "color": "블랙, 화이트",
                    "size": "250, 260",
                    "manufacturer": "나이키",
                    "caution": "상세페이지 참조",
                    "warrantyPolicy": "상세페이지 참조",
                    "afterServiceDirector": "상세페이지 참조",
                },
            },
            "manufacturer": "나이키",
        },
    }
    values.update(changes)
    return ListingContent(**values)


@pytest.fixture
def content(server):
    return content_for(server)
