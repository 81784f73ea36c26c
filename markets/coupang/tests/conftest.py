"""Fixtures of the Coupang tests: a contract server, connectors to it and a valid content."""

from __future__ import annotations

import pytest

from markets.contract import MarketConfig, connector_for
from markets.coupang.testing import CoupangContractServer
from markets.listing import ListingContent, ListingOption, ListingVariant

ACCOUNT_SETTINGS = {
    "vendor_user_id": "wing-seller",
    "return_center_code": "1000274592",
    "outbound_shipping_place_code": "74010",
    "return_charge_name": "반품담당",
    "company_contact_number": "02-1234-5678",
    "return_zip_code": "06236",
    "return_address": "서울특별시 강남구 테헤란로 1",
    "return_address_detail": "2층",
    "delivery_company_code": "CJGLS",
    "rate_limit_max_wait": 0.5,
}
NOTICES = [
    {"noticeCategoryName": "구두/신발", "noticeCategoryDetailName": name, "content": value}
    for name, value in (
        ("제품 주소재", "소가죽"),
        ("색상", "블랙, 화이트"),
        ("치수", "250, 260"),
        ("제조자(수입자)", "나이키"),
        ("제조국", "베트남"),
        ("취급시 주의사항", "상세페이지 참조"),
        ("품질보증기준", "상세페이지 참조"),
        ("A/S 책임자와 전화번호", "상세페이지 참조"),
    )
]


@pytest.fixture
def server():
    with CoupangContractServer() as running:
        yield running


def config_for(server, **overrides) -> MarketConfig:
    settings = {**ACCOUNT_SETTINGS, **server.settings(), **overrides.pop("settings", {})}
    credentials = overrides.pop("credentials", server.credentials())
    overrides.setdefault("timeout", 2.0)
    return MarketConfig("coupang", "shop", settings=settings, credentials=credentials, **overrides)


@pytest.fixture
def connector(server):
    with connector_for(config_for(server)) as live:
        yield live


@pytest.fixture
def broken_connector(server):
    credentials = {"access_key": server.access_key, "secret_key": "sk-wrong-secret-value"}
    with connector_for(config_for(server, credentials=credentials)) as live:
        yield live


@pytest.fixture
def secrets(server):
    return [server.secret_key, "sk-wrong-secret-value"]


@pytest.fixture
def content() -> ListingContent:
    return make_content()


def make_content(reference_number: str = "ref-sneaker-001", **changes) -> ListingContent:
    values = dict(
        reference_number=reference_number,
        source_key="supplier:1",
        name="나이키 에어포스 1 로우 CW2288-111",
        comments="가죽 스니커즈.\n정품입니다.",
        brand_id=0,
        brand_name="나이키",
        category_id=69183,
        price=129000,
        list_price=139000,
        images=("https://img.example.com/1.jpg", "https://img.example.com/2.jpg"),
        options=(
            ListingOption("color", "블랙", 1),
            ListingOption("size", "250", 1),
            ListingOption("size", "260", 2),
        ),
        variants=(
            ListingVariant((("color", "블랙"), ("size", "250")), "stock_in_hand", 3),
            ListingVariant((("color", "블랙"), ("size", "260")), "purchase_for_order", None),
        ),
        model_no="CW2288-111",
        currency="KRW",
        extra={
            "notices": NOTICES,
            "attributes": [],
            "option_attribute_names": {"color": "색상", "size": "신발사이즈"},
        },
    )
    values.update(changes)
    return ListingContent(**values)
