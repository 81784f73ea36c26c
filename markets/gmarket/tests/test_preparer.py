"""The preparer on the database: category mapping (shipped defaults, parent fallback, a
person's row kept), unmapped categories blocking, name rules, notices per group, and the
listing content it builds (KRW, stock) passing the market's contract."""

from __future__ import annotations

import dataclasses

import pytest

from markets.contract import FactVariant, ListingState, Operation, ProductFacts, market_kind
from markets.gmarket.categories import DEFAULT_CATEGORIES, categories_ensure, codes_parse
from markets.gmarket.contract import name_bytes
from markets.gmarket.preparer import GmarketPreparer
from markets.models import CategoryOrigin, MarketCategoryMapping

pytestmark = pytest.mark.django_db


def make_facts(**changes) -> ProductFacts:
    facts = ProductFacts(
        source_key="okmall:814101",
        reference="okmall-814101",
        title="나이키 에어포스 1 로우 화이트",
        description="정품 나이키 스니커즈입니다.\n가죽 갑피.",
        brand="나이키",
        model_number="CW2288-111",
        category="shoes/sneakers",
        category_path=("신발", "스니커즈"),
        notice_group="shoes",
        cost_krw=89000,
        list_price_krw=139000,
        colors=("화이트",),
        sizes=("260", "270"),
        variants=(
            FactVariant("화이트", "260", sold_out=False, stock=4),
            FactVariant("화이트", "270", sold_out=False, stock=None),
        ),
        image_urls=("https://img.example.com/a/1.jpg",),
        material="천연가죽",
        origin="베트남",
    )
    return dataclasses.replace(facts, **changes)


@pytest.fixture
def preparer():
    return market_kind("gmarket").preparer()


# --- category mapping ----------------------------------------------------------------------


def test_the_shipped_mapping_is_loaded_once_as_defaults():
    assert len(DEFAULT_CATEGORIES) >= 12
    assert categories_ensure() == (len(DEFAULT_CATEGORIES), 0)
    assert categories_ensure() == (0, 0)
    rows = MarketCategoryMapping.objects.filter(market="gmarket")
    assert rows.count() == len(DEFAULT_CATEGORIES)
    assert set(rows.values_list("origin", flat=True)) == {CategoryOrigin.DEFAULT}
    for row in rows:
        codes = codes_parse(row.code)
        assert codes.esm and codes.gmarket and codes.auction


def test_a_changed_default_is_updated_and_a_persons_row_is_kept():
    categories_ensure()
    MarketCategoryMapping.objects.filter(market="gmarket", category="bags").update(code="1|2|3")
    MarketCategoryMapping.objects.filter(market="gmarket", category="bags/totes").update(
        code="9|8|7", origin=CategoryOrigin.PERSON
    )
    assert categories_ensure() == (0, 1)
    bags = MarketCategoryMapping.objects.get(market="gmarket", category="bags")
    assert bags.code == DEFAULT_CATEGORIES["bags"][0]
    totes = MarketCategoryMapping.objects.get(market="gmarket", category="bags/totes")
    assert (totes.code, totes.origin) == ("9|8|7", CategoryOrigin.PERSON)


def test_a_persons_row_wins_over_the_defaults_in_the_draft():
    MarketCategoryMapping.objects.create(
        market="gmarket", category="bags/totes", code="55|66|77", origin=CategoryOrigin.PERSON
    )
    preparer = market_kind("gmarket").preparer()
    draft = preparer.prepare(make_facts(category="bags/totes", notice_group="bag"), {}).draft
    assert draft["category_codes"] == {"esm": "55", "gmarket": "66", "auction": "77"}


def test_a_subcategory_falls_back_to_its_parent(preparer):
    draft = preparer.prepare(make_facts(category="shoes/sneakers/high-top"), {}).draft
    assert draft["category_key"] == "shoes/sneakers"
    draft = preparer.prepare(make_facts(category="shoes/climbing"), {}).draft
    assert draft["category_key"] == "shoes"
    assert draft["category_codes"]["gmarket"] == codes_parse(DEFAULT_CATEGORIES["shoes"][0]).gmarket


@pytest.mark.parametrize("category", ["furniture/chairs", ""])
def test_an_unmapped_category_blocks_and_says_where_to_fix_it(preparer, category):
    prepared = preparer.prepare(make_facts(category=category), {})
    assert prepared.draft is None
    blocking = [p for p in prepared.problems if p.blocking]
    assert len(blocking) == 1 and blocking[0].field == "category"
    assert "admin" in blocking[0].reason
    if category:
        assert category in blocking[0].reason


def test_a_plain_code_is_the_gmarket_code():
    preparer = GmarketPreparer({"shoes": "300000021"})
    draft = preparer.prepare(make_facts(), {}).draft
    assert draft["category_codes"] == {"gmarket": "300000021"}


# --- names --------------------------------------------------------------------------------


def test_forbidden_words_and_symbols_go_the_brand_and_model_stay(preparer):
    facts = make_facts(title="★무료배송★ 에어포스 1 로우 최저가 특가", brand="나이키")
    prepared = preparer.prepare(facts, {})
    name = prepared.draft["name"]
    assert name == "나이키 에어포스 1 로우 CW2288-111"
    reasons = " ".join(p.reason for p in prepared.problems)
    assert "무료배송" in reasons and "★" in reasons
    assert not any(p.blocking for p in prepared.problems)


def test_a_long_name_is_shortened_in_the_middle_never_losing_brand_or_model(preparer):
    long_title = "메종 마르지엘라 " + " ".join(f"초경량쿠션{n}" for n in range(30)) + " 5AC-77"
    facts = make_facts(title=long_title, brand="메종 마르지엘라", model_number="5AC-77")
    prepared = preparer.prepare(facts, {})
    name = prepared.draft["name"]
    assert name_bytes(name) <= 100
    assert name.startswith("메종 마르지엘라 ") and name.endswith(" 5AC-77")
    assert any("shortened" in p.reason for p in prepared.problems)


def test_a_brand_and_model_too_long_to_fit_block(preparer):
    facts = make_facts(brand="가" * 45, model_number="M" * 20)
    prepared = preparer.prepare(facts, {})
    assert prepared.draft is None
    assert any(p.blocking and p.field == "title" for p in prepared.problems)


# --- notices ------------------------------------------------------------------------------


def values(draft) -> dict[str, str]:
    return {d["label"]: d["value"] for d in draft["notice"]["details"]}


def test_the_shoes_notice_is_filled_from_the_facts(preparer):
    draft = preparer.prepare(make_facts(), {}).draft
    assert draft["notice"]["officialNoticeNo"] == 2
    notice = values(draft)
    assert notice["제품 주소재"] == "천연가죽"
    assert notice["색상"] == "화이트"
    assert notice["치수"] == "260, 270"
    assert notice["제조국"] == "베트남"
    assert notice["품질보증기준"] == "상세페이지 참조"


@pytest.mark.parametrize(
    "group, number, label",
    [("wear", 1, "세탁방법 및 취급시 주의사항"), ("bag", 3, "종류"), ("fashion_goods", 4, "종류")],
)
def test_each_group_has_its_notice_with_defaults(preparer, group, number, label):
    draft = preparer.prepare(make_facts(notice_group=group, material=None), {}).draft
    assert draft["notice"]["officialNoticeNo"] == number
    assert values(draft)[label] == "상세페이지 참조"
    assert all(d["value"] for d in draft["notice"]["details"])


def test_an_unknown_group_uses_the_general_notice_and_says_so(preparer):
    prepared = preparer.prepare(make_facts(notice_group="cosmetics"), {})
    assert prepared.draft["notice"]["officialNoticeNo"] == 35
    assert values(prepared.draft)["품명 및 모델명"].endswith("CW2288-111")
    assert any(p.field == "notice_group" and not p.blocking for p in prepared.problems)


# --- content ------------------------------------------------------------------------------


def test_content_is_in_krw_with_supplier_or_default_stock(preparer):
    draft = preparer.prepare(make_facts(), {}).draft
    assert preparer.texts(draft) == []
    content = preparer.content(
        draft, [], 158_333, ["https://img.example.com/a/1.jpg"], gone=False, settings={}
    )
    assert content.currency == "KRW"
    assert content.price == 158_340  # up to the 10-won step
    assert content.reference_number == "okmall-814101"
    assert [(o.type, o.value) for o in content.options] == [
        ("color", "화이트"),
        ("size", "260"),
        ("size", "270"),
    ]
    assert [(v.stock_type, v.stocks) for v in content.variants] == [
        ("stock_in_hand", 4),
        ("stock_in_hand", 99),
    ]
    assert content.extra["categories"]["gmarket"] == str(content.category_id)
    assert 'src="https://img.example.com/a/1.jpg"' in content.comments
    with_setting = preparer.content(
        draft, [], 158_340, [], gone=False, settings={"default_stock": 7}
    )
    assert with_setting.variants[1].stocks == 7


def test_sold_out_and_gone_are_out_of_stock_with_zero(preparer):
    facts = make_facts(
        variants=(
            FactVariant("화이트", "260", sold_out=True, stock=None),
            FactVariant("화이트", "270", sold_out=False, stock=2),
        )
    )
    draft = preparer.prepare(facts, {}).draft
    content = preparer.content(draft, [], 100_000, [], gone=False, settings={})
    assert [(v.stock_type, v.stocks) for v in content.variants] == [
        ("out_of_stock", 0),
        ("stock_in_hand", 2),
    ]
    gone = preparer.content(draft, [], 100_000, [], gone=True, settings={})
    assert gone.out_of_stock and all(v.stocks == 0 for v in gone.variants)


def test_a_prepared_content_passes_the_market_contract(preparer, server):
    from markets.contract import connector_for

    from .conftest import config_for

    draft = preparer.prepare(make_facts(), {}).draft
    content = preparer.content(
        draft, [], 158_340, ["https://img.example.com/a/1.jpg"], gone=False, settings={}
    )
    with connector_for(config_for(server)) as connector:
        state = ListingState(content.reference_number)
        request = connector.request_for(Operation.CREATE, content, state)
        assert connector.validate(request, state) == {}
        assert connector.send(request, state).external_id
    assert server.view(content.reference_number) == {
        "price": 158_340,
        "stock": 103,
        "on_sale": True,
    }
