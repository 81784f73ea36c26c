"""The preparer on the database: category mapping, title rules, notices, content."""

from __future__ import annotations

import pytest

from markets.contract import FactVariant, ListingState, Operation, ProductFacts, market_kind
from markets.coupang.categories import DEFAULT_CATEGORIES, categories_ensure
from markets.coupang.preparer import CoupangPreparer
from markets.models import CategoryOrigin, MarketCategoryMapping
from markets.testing import send

pytestmark = pytest.mark.django_db


def facts(**changes) -> ProductFacts:
    values = dict(
        source_key="supplier-a:1001",
        reference="supA-1001",
        title="에어포스 1 로우 화이트 CW2288-111",
        description="가죽 스니커즈입니다.",
        brand="나이키",
        model_number="CW2288-111",
        category="shoes/sneakers",
        category_path=("신발", "스니커즈"),
        notice_group="shoes",
        cost_krw=90000,
        list_price_krw=139000,
        colors=("화이트",),
        sizes=("250", "260", "270"),
        variants=(
            FactVariant("화이트", "250", False, 4),
            FactVariant("화이트", "260", False, None),
            FactVariant("화이트", "270", True, None),
        ),
        image_urls=("https://img.example.com/a.jpg",),
        material="천연가죽",
        origin="베트남",
    )
    values.update(changes)
    return ProductFacts(**values)


def prepared(product: ProductFacts):
    categories_ensure()
    return CoupangPreparer.load().prepare(product, {})


# --- categories -------------------------------------------------------------------------


def test_defaults_are_loaded_once_and_a_persons_row_is_kept():
    MarketCategoryMapping.objects.create(
        market="coupang", category="shoes/sneakers", code="11111", origin=CategoryOrigin.PERSON
    )
    MarketCategoryMapping.objects.create(
        market="coupang", category="bags", code="1", origin=CategoryOrigin.DEFAULT
    )
    written = categories_ensure()
    assert written == len(DEFAULT_CATEGORIES) - 1  # all but the person's row
    assert categories_ensure() == 0
    rows = {r.category: r for r in MarketCategoryMapping.objects.filter(market="coupang")}
    assert rows["shoes/sneakers"].code == "11111"
    assert rows["shoes/sneakers"].origin == CategoryOrigin.PERSON
    assert rows["bags"].code == DEFAULT_CATEGORIES["bags"][0]
    assert len(rows) == len(DEFAULT_CATEGORIES) >= 12


def test_the_registry_preparer_loads_the_defaults():
    preparer = market_kind("coupang").preparer()
    assert preparer.codes["shoes"] == DEFAULT_CATEGORIES["shoes"][0]
    assert MarketCategoryMapping.objects.filter(market="coupang").count() == len(DEFAULT_CATEGORIES)


def test_a_category_falls_back_to_its_parent():
    draft = prepared(facts(category="shoes/sneakers/high-top")).draft
    assert draft["category_key"] == "shoes/sneakers"
    draft = prepared(facts(category="shoes/slippers")).draft
    assert draft["category_key"] == "shoes"
    assert draft["category_code"] == int(DEFAULT_CATEGORIES["shoes"][0])


def test_an_unmapped_category_blocks_and_says_what_to_do():
    result = prepared(facts(category="furniture/sofas"))
    assert result.draft is None
    [problem] = [p for p in result.problems if p.blocking]
    assert problem.field == "category" and problem.value == "furniture/sofas"
    assert "furniture/sofas" in problem.reason and "admin" in problem.reason


def test_a_persons_mapping_wins():
    categories_ensure()
    MarketCategoryMapping.objects.filter(market="coupang", category="shoes/sneakers").update(
        code="55555", origin=CategoryOrigin.PERSON
    )
    categories_ensure()
    draft = CoupangPreparer.load().prepare(facts(), {}).draft
    assert draft["category_code"] == 55555


# --- titles -----------------------------------------------------------------------------


def test_a_long_title_keeps_brand_and_model_within_100():
    long_title = "초경량 " * 40 + "러닝화 CW2288-111"
    draft = prepared(facts(title=long_title)).draft
    assert len(draft["title"]) <= 100
    assert draft["title"].startswith("나이키 ")
    assert draft["title"].endswith("CW2288-111")


def test_forbidden_words_and_symbols_are_removed_and_reported():
    result = prepared(facts(title="★최저가★ 무료배송 에어포스 1 [HOT] SHOT"))
    assert result.draft["title"] == "나이키 에어포스 1 SHOT CW2288-111"  # "SHOT" is no "HOT"
    [note] = [p for p in result.problems if p.field == "title"]
    assert not note.blocking and "최저가" in note.reason


def test_a_brand_and_model_too_long_to_fit_block():
    result = prepared(facts(brand="브" * 60, model_number="M" * 60))
    assert result.draft is None
    assert any(p.field == "title" and p.blocking for p in result.problems)


# --- notices ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "category", "detail"),
    [
        ("shoes", "구두/신발", "제품 주소재"),
        ("wear", "의류", "제품 소재"),
        ("bag", "가방", "소재"),
        ("fashion_goods", "패션잡화(모자/벨트/액세서리)", "소재"),
        ("unknown-group", "기타 재화", "품명 및 모델명"),
    ],
)
def test_notices_follow_the_group_and_fill_from_the_facts(group, category, detail):
    notices = prepared(facts(notice_group=group)).draft["notices"]
    assert {n["noticeCategoryName"] for n in notices} == {category}
    by_name = {n["noticeCategoryDetailName"]: n["content"] for n in notices}
    assert by_name["제조자(수입자)"] == "나이키"
    expected = (
        "에어포스 1 로우 화이트 CW2288-111 CW2288-111" if group == "unknown-group" else "천연가죽"
    )
    assert by_name[detail] == expected
    assert by_name["A/S 책임자와 전화번호"] == "상세페이지 참조"


def test_missing_facts_read_see_the_detail_page():
    notices = prepared(facts(material=None, origin=None)).draft["notices"]
    by_name = {n["noticeCategoryDetailName"]: n["content"] for n in notices}
    assert by_name["제품 주소재"] == "상세페이지 참조" and by_name["제조국"] == "상세페이지 참조"


# --- content ----------------------------------------------------------------------------


def test_content_is_in_krw_on_the_step_with_stock_per_variant():
    preparer = market_kind("coupang").preparer()
    draft = preparer.prepare(facts(), {}).draft
    assert preparer.texts(draft) == []
    content = preparer.content(
        draft, [], 128995, ["https://cdn.example.com/a.jpg"], gone=False, settings={}
    )
    assert content.currency == "KRW" and content.price == 129000
    assert content.category_id == int(DEFAULT_CATEGORIES["shoes/sneakers"][0])
    assert content.reference_number == "supA-1001"
    stock = [(v.stock_type, v.stocks) for v in content.variants]
    assert stock == [("stock_in_hand", 4), ("stock_in_hand", 99), ("out_of_stock", 0)]
    assert [o.value for o in content.options] == ["화이트", "250", "260", "270"]
    settings = {"default_stock": 7, "after_service_contact": "02-555-0000"}
    content = preparer.content(
        draft, [], 129000, ["https://a/b.jpg"], gone=False, settings=settings
    )
    assert content.variants[1].stocks == 7
    notices = {n["noticeCategoryDetailName"]: n["content"] for n in content.extra["notices"]}
    assert notices["A/S 책임자와 전화번호"] == "02-555-0000"
    gone = preparer.content(draft, [], 129000, ["https://a/b.jpg"], gone=True, settings={})
    assert gone.out_of_stock and all(v.stocks == 0 for v in gone.variants)


def test_prepared_content_passes_the_contract_and_the_market(connector, server):
    preparer = market_kind("coupang").preparer()
    draft = preparer.prepare(facts(), {}).draft
    content = preparer.content(
        draft, [], 129000, ["https://cdn.example.com/a.jpg"], gone=False, settings={}
    )
    state = send(connector, Operation.CREATE, content, ListingState(content.reference_number))
    assert server.creates["supA-1001"] == 1
    assert len(state.external_ids["vendorItemIds"]) == 3
    assert server.view("supA-1001")["stock"] == 4 + 99
