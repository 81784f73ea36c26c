"""Market-neutral facts from supplier records: a mall product, a feed row, and records that
are not products."""

from __future__ import annotations

import pytest

from markets.contract import ProductFacts
from pipelines.normalize import NotAProduct, product_facts, reference_number

MALL_RECORD = {
    "source_id": "814101",
    "name": "[나이키] 에어포스1 로우 스니커즈 무료배송",
    "price": 129000,
    "category": ["MEN", "신발", "스니커즈"],
    "images": ["https://img.example.com/a/1.jpg", "https://img.example.com/a/1.jpg", "ftp://x"],
    "options": [
        {
            "name": "화이트/260",
            "attributes": [["색상", "화이트"], ["사이즈", "260"]],
            "stock": None,
        },
        {
            "name": "화이트/270",
            "attributes": [["색상", "화이트"], ["사이즈", "270"]],
            "stock": None,
        },
    ],
    "raw": {
        "product_id": "814101",
        "brand": "나이키(NIKE)",
        "model_number": "CW2288-111",
        "options": [{"sold_out": False}, {"sold_out": True}],
        "extras": {"season": "25SS", "material": "가죽", "list_price": 139000},
    },
}

FEED_RECORD = {
    "source_id": "F-77",
    "name": "코튼 반팔 티셔츠",
    "price": 39000,
    "stock": 5,
    "category": ["의류", "상의"],
    "images": ["https://img.example.com/f/77.jpg"],
    "raw": {
        "브랜드": "ACME",
        "모델명": "T-77",
        "색상": "블랙",
        "사이즈": "S, M, L",
        "원산지": "베트남",
    },
}


def test_a_mall_product_becomes_facts():
    facts = product_facts(MALL_RECORD, supplier="okmall")
    assert facts.source_key == "okmall:814101" and facts.reference == "okmall-814101"
    assert facts.title == "[나이키] 에어포스1 로우 스니커즈"  # promotional words removed
    assert facts.brand == "NIKE" and facts.model_number == "CW2288-111"
    assert (facts.category, facts.notice_group) == ("shoes/sneakers", "shoes")
    assert facts.cost_krw == 129000 and facts.list_price_krw == 139000
    assert facts.colors == ("화이트",) and facts.sizes == ("260", "270")
    assert [(v.size, v.sold_out) for v in facts.variants] == [("260", False), ("270", True)]
    assert facts.image_urls == ("https://img.example.com/a/1.jpg",)
    assert (facts.season, facts.material) == ("25SS", "가죽")
    assert not facts.sold_out
    assert ProductFacts.from_dict(facts.to_dict()) == facts


def test_a_feed_row_becomes_facts():
    facts = product_facts(FEED_RECORD, supplier="feed")
    assert facts.brand == "ACME" and facts.model_number == "T-77"
    assert (facts.category, facts.notice_group) == ("clothing/tops", "wear")
    assert facts.sizes == ("S", "M", "L") and facts.colors == ("블랙",)
    assert all(v.stock == 5 and not v.sold_out for v in facts.variants)
    assert facts.origin == "베트남"


def test_unknown_category_is_blank_with_the_etc_notice_group():
    facts = product_facts({**FEED_RECORD, "name": "무언가", "category": []}, supplier="feed")
    assert (facts.category, facts.notice_group) == ("", "etc")


@pytest.mark.parametrize(
    ("change", "field"),
    [({"source_id": ""}, "source_id"), ({"name": None}, "name"), ({"price": 0}, "price")],
)
def test_a_record_that_is_not_a_product_names_the_field(change, field):
    with pytest.raises(NotAProduct, match=field):
        product_facts({**FEED_RECORD, **change}, supplier="feed")


def test_reference_numbers_fit_every_market():
    assert reference_number("okmall", "814101") == "okmall-814101"
    long = reference_number("a-very-long-supplier-name", "상품/번호 1234567890")
    assert len(long) <= 36 and long == reference_number(
        "a-very-long-supplier-name", "상품/번호 1234567890"
    )
    assert all(c.isascii() and (c.isalnum() or c in "-_") for c in long)
