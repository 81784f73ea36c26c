"""The preparer on the database: category mappings, title rules, notices, KRW content."""

from __future__ import annotations

import dataclasses

import pytest

from markets.contract import FactVariant, ListingState, Operation, ProductFacts, market_kind
from markets.models import CategoryOrigin, MarketCategoryMapping
from markets.smartstore import contract
from markets.smartstore.categories import DEFAULTS, categories_ensure
from markets.smartstore.preparer import SmartStorePreparer
from markets.smartstore.titles import fit_title

pytestmark = pytest.mark.django_db

SETTINGS = {"after_service_telephone": "02-1234-5678", "default_stock": 7}


def facts_for(**changes) -> ProductFacts:
    values = {
        "source_key": "musinsa:12345",
        "reference": "musinsa-12345",
        "title": "에어포스 1 07 화이트 스니커즈",
        "description": "가죽 스니커즈입니다.",
        "brand": "나이키",
        "model_number": "CW2288-111",
        "category": "shoes/sneakers",
        "category_path": ("신발", "스니커즈"),
        "notice_group": "shoes",
        "cost_krw": 100_000,
        "list_price_krw": 139_000,
        "colors": ("화이트",),
        "sizes": ("250", "260"),
        "variants": (
            FactVariant("화이트", "250", sold_out=False, stock=3),
            FactVariant("화이트", "260", sold_out=False, stock=None),
        ),
        "image_urls": ("https://img.example.com/a.jpg",),
        "material": "천연가죽",
        "origin": "베트남",
    }
    values.update(changes)
    return ProductFacts(**values)


@pytest.fixture
def preparer():
    categories_ensure()
    return SmartStorePreparer.load()


# --- category mapping ----------------------------------------------------------------------


def test_defaults_load_once_and_keep_a_person_s_row():
    first = categories_ensure()
    assert first["created"] == len(DEFAULTS) >= 12
    assert categories_ensure() == {"created": 0, "updated": 0, "kept": 0}
    MarketCategoryMapping.objects.filter(market="smartstore", category="bags").update(code="1")
    MarketCategoryMapping.objects.filter(market="smartstore", category="shoes").update(
        code="12345678", origin=CategoryOrigin.PERSON
    )
    assert categories_ensure() == {"created": 0, "updated": 1, "kept": 1}
    rows = dict(
        MarketCategoryMapping.objects.filter(market="smartstore").values_list("category", "code")
    )
    assert rows["bags"] == DEFAULTS["bags"][0]
    assert rows["shoes"] == "12345678"


def test_the_category_code_comes_from_the_mapping(preparer):
    prepared = preparer.prepare(facts_for(), {})
    assert prepared.draft["category_id"] == int(DEFAULTS["shoes/sneakers"][0])
    assert not [p for p in prepared.problems if p.field == "category"]


def test_an_unmapped_sub_category_falls_back_to_its_parent(preparer):
    prepared = preparer.prepare(facts_for(category="shoes/slip-ons"), {})
    assert prepared.draft["category_id"] == int(DEFAULTS["shoes"][0])
    (note,) = [p for p in prepared.problems if p.field == "category"]
    assert not note.blocking and "'shoes'" in note.reason


def test_a_person_s_mapping_wins_over_the_defaults():
    categories_ensure()
    MarketCategoryMapping.objects.filter(market="smartstore", category="shoes/sneakers").update(
        code="50099999", origin=CategoryOrigin.PERSON
    )
    categories_ensure()
    prepared = SmartStorePreparer.load().prepare(facts_for(), {})
    assert prepared.draft["category_id"] == 50099999


def test_an_unmapped_category_blocks_and_says_where_to_fix_it(preparer):
    prepared = preparer.prepare(facts_for(category="toys/lego"), {})
    assert prepared.draft is None
    (problem,) = [p for p in prepared.problems if p.blocking]
    assert "toys/lego" in problem.reason and "admin" in problem.reason


def test_the_registry_s_preparer_loads_the_defaults():
    loaded = market_kind("smartstore").preparer()
    assert MarketCategoryMapping.objects.filter(market="smartstore").count() == len(DEFAULTS)
    assert loaded.prepare(facts_for(), {}).draft is not None


# --- titles ----------------------------------------------------------------------------------


def test_a_title_loses_forbidden_characters_and_promotions_but_keeps_brand_and_model():
    fitted = fit_title('[무료배송] 에어포스 "1" 특가 <한정>', "나이키", "CW2288-111")
    assert fitted.name == "나이키 에어포스 1 한정 CW2288-111"
    assert not contract.name_problems(fitted.name)
    assert any("promotional" in c for c in fitted.changes)


def test_a_long_title_is_shortened_from_the_middle(preparer):
    long_title = "나이키 " + " ".join(f"단어{i}" for i in range(60)) + " CW2288-111"
    fitted = fit_title(long_title, "나이키", "CW2288-111")
    assert len(fitted.name) <= contract.NAME_MAX
    assert fitted.name.startswith("나이키 ") and fitted.name.endswith(" CW2288-111")
    prepared = preparer.prepare(facts_for(title=long_title), {})
    assert prepared.draft["name"] == fitted.name
    assert any(p.field == "title" and not p.blocking for p in prepared.problems)


def test_a_brand_glued_to_another_word_is_kept_when_shortening():
    title = "나이키에어포스 " + " ".join(f"단어{i}" for i in range(60))
    fitted = fit_title(title, "나이키", "CW2288-111")
    assert len(fitted.name) <= contract.NAME_MAX
    assert fitted.name.startswith("나이키에어포스 ") and fitted.name.endswith(" CW2288-111")


def test_a_brand_and_model_beyond_the_limit_block(preparer):
    prepared = preparer.prepare(facts_for(brand="가" * 60, model_number="M" * 50), {})
    assert prepared.draft is None
    assert any(p.field == "title" and p.blocking for p in prepared.problems)


# --- notices -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "group,category,kind,key",
    [
        ("wear", "clothing/tops", "WEAR", "wear"),
        ("shoes", "shoes/sneakers", "SHOES", "shoes"),
        ("bag", "bags/backpacks", "BAG", "bag"),
        ("fashion_goods", "accessories/hats", "FASHION_ITEMS", "fashionItems"),
        ("etc", "accessories", "ETC", "etc"),
    ],
)
def test_each_group_gets_its_notice_filled_from_the_facts(preparer, group, category, kind, key):
    prepared = preparer.prepare(facts_for(notice_group=group, category=category), {})
    notice = prepared.draft["notice"]
    assert notice["productInfoProvidedNoticeType"] == kind
    values = notice[key]
    required = contract.NOTICE_FIELDS[kind][1]
    assert set(required) <= set(values)
    if "material" in required:
        assert values["material"] == "천연가죽"
    if "manufacturer" in required:
        assert values["manufacturer"] == "나이키"
    if "color" in required:
        assert values["color"] == "화이트"
    if "type" in required:
        assert values["type"] == DEFAULTS[category][1].rpartition(">")[2]
    assert "상세페이지 참조" in values.values()
    if kind == "WEAR":
        assert values["packDateText"] == "상세페이지 참조"


# --- content -----------------------------------------------------------------------------------


def test_content_is_in_krw_on_the_step_with_supplier_or_default_stock(preparer):
    draft = preparer.prepare(facts_for(), {}).draft
    content = preparer.content(
        draft, [], 139_001, ["https://cdn.example.com/a.jpg"], gone=False, settings=SETTINGS
    )
    assert content.currency == "KRW"
    assert content.price == 139_010
    assert content.reference_number == "musinsa-12345"  # the product's one reference
    stocks = {dict(v.options)["size"]: (v.stock_type, v.stocks) for v in content.variants}
    assert stocks == {"250": ("stock_in_hand", 3), "260": ("stock_in_hand", 7)}
    assert content.extra["notice"]["shoes"]["afterServiceDirector"] == "02-1234-5678"
    assert content.extra["origin_area"] == {"originAreaCode": "04", "content": "베트남"}
    assert preparer.texts(draft) == []


def test_without_a_default_stock_setting_99_are_offered(preparer):
    draft = preparer.prepare(facts_for(), {}).draft
    content = preparer.content(draft, [], 100_000, ["https://x/a.jpg"], gone=False, settings={})
    assert sorted(v.stocks for v in content.variants) == [3, 99]


def test_sold_out_and_gone_products_are_out_of_stock_with_zero(preparer):
    sold = facts_for(
        variants=(FactVariant("화이트", "250", True, 5), FactVariant("화이트", "260", False, 2))
    )
    draft = preparer.prepare(sold, {}).draft
    content = preparer.content(
        draft, [], 100_000, ["https://x/a.jpg"], gone=False, settings=SETTINGS
    )
    assert [(v.stock_type, v.stocks) for v in content.variants] == [
        ("out_of_stock", 0),
        ("stock_in_hand", 2),
    ]
    gone = preparer.content(draft, [], 100_000, ["https://x/a.jpg"], gone=True, settings=SETTINGS)
    assert gone.out_of_stock and all(v.stocks == 0 for v in gone.variants)


def test_a_prepared_product_passes_the_contract_check(preparer):
    from markets.contract import MarketConfig
    from markets.smartstore.connector import SmartStoreConnector

    settings = {
        **SETTINGS,
        "after_service_guide": "판매자 문의",
        "delivery_company": "CJGLS",
        "shipping_address_id": "1",
        "return_address_id": "2",
        "return_delivery_fee": "5000",
        "exchange_delivery_fee": "10000",
    }
    for group in ("wear", "shoes", "bag", "fashion_goods", "etc"):
        draft = preparer.prepare(facts_for(notice_group=group), {}).draft
        content = preparer.content(
            draft, [], 99_999, ["https://x/a.jpg"], gone=False, settings=settings
        )
        config = MarketConfig(kind="smartstore", account="dry", settings=settings)
        with SmartStoreConnector(config) as connector:
            state = ListingState(content.reference_number)
            request = connector.request_for(Operation.CREATE, content, state)
            assert connector.validate(request, state) == {}, group
            assert request.body["originProduct"]["detailAttribute"]["sellerCodeInfo"] == {
                "sellerManagementCode": content.reference_number
            }
    no_options = dataclasses.replace(facts_for(), colors=(), sizes=(), variants=())
    draft = preparer.prepare(no_options, {}).draft
    content = preparer.content(
        draft, [], 50_000, ["https://x/a.jpg"], gone=False, settings=settings
    )
    assert [(v.options, v.stocks) for v in content.variants] == [((), 7)]
