"""The converter on real records: the saved okmall product page through the real parser, and an
Excel-feed-shaped row; and each way a product is blocked or warned about."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from markets.buyma.convert import (
    Converter,
    ConvertResult,
    ListingDraft,
    Problem,
)
from markets.buyma.models import BuymaMapping
from markets.buyma.templates import NOTICE_DUTY, NOTICE_GENUINE, TITLE_MAX_WIDTH, buyma_width
from markets.contract import REFERENCE_MAX, reference_number
from suppliers.connectors.mall import record_from_product
from suppliers.malls.okmall import parse_product

pytestmark = pytest.mark.django_db

FIXTURE = (
    Path(__file__).resolve().parents[3]
    / "suppliers/tests/fixtures/malls/okmall/okmall_product.html"
)


@pytest.fixture(scope="module")
def okmall_record() -> dict:
    html = FIXTURE.read_text(encoding="utf-8")
    product = parse_product(html, url="https://www.okmall.com/products/view?no=753625")
    return record_from_product(product).to_dict()


def feed_record(**changes) -> dict:
    """A record as the excel connector makes it from a supplier's sheet (raw = the row)."""
    raw = {
        "상품코드": "A-100",
        "상품명": "여성 오버핏 울 코트 베이지 (CL0042-BEI)",
        "브랜드": "아크네 스튜디오(ACNE STUDIOS)",
        "모델명": "CL0042-BEI",
        "판매가": 890000,
        "재고": 3,
        "옵션": "베이지-44|베이지-55|베이지-66",
        "소재": "울 80% 나일론 20%",
        "시즌": "25FW",
        "카테고리": "여성 > 의류 > 아우터",
    }
    record = {
        "source_id": "A-100",
        "name": raw["상품명"],
        "price": 890000,
        "raw": raw,
        "stock": 3,
        "options": [
            {"name": "베이지-44", "key": None, "price": None, "stock": None, "attributes": []},
            {"name": "베이지-55", "key": None, "price": None, "stock": 0, "attributes": []},
            {"name": "베이지-66", "key": None, "price": None, "stock": 2, "attributes": []},
        ],
        "images": [f"https://img.example.com/a100-{n}.jpg" for n in range(3)],
        "category": ["여성", "의류", "아우터"],
        "updated_at": None,
    }
    record.update(changes)
    return record


def test_the_saved_okmall_page_converts(converter, okmall_record):
    result = converter.convert(okmall_record, supplier="okmall")
    assert isinstance(result, ConvertResult)
    assert result.ok and result.problems == ()
    draft = result.draft
    assert draft.reference_number == "okmall-753625"
    assert (draft.brand_id, draft.brand_name) == (275, "Nike(ナイキ)")
    assert draft.category_id == 3268  # メンズファッション/トップス/トップスその他 (from "상의")
    assert draft.model_number == "FQ2494-010"
    assert (draft.season, draft.season_id) == ("25FW", 49)
    assert draft.cost_krw == 56000
    assert [(c.value_ko, c.master_id) for c in draft.colors] == [("Black", 2)]
    assert [(s.value, s.master_id) for s in draft.sizes] == [("S", 2), ("M", 3), ("L", 4)]
    assert [(v.color_ko, v.size, v.sold_out) for v in draft.variants] == [
        ("Black", "S", False),
        ("Black", "M", False),
        ("Black", "L", False),
    ]
    assert draft.image_urls == tuple(okmall_record["images"])
    assert draft.title_ko == "Nike 남성 드라이 핏 페이서 하프 짚 블랙 FQ2494-010"
    assert buyma_width(draft.title_ko) <= TITLE_MAX_WIDTH
    assert draft.description_ko.startswith(draft.title_ko + "\n")
    assert NOTICE_GENUINE in draft.description_ko and NOTICE_DUTY in draft.description_ko
    assert draft.glossary == {
        "NIKE": "Nike(ナイキ)",
        "나이키": "Nike(ナイキ)",
        "Nike": "Nike(ナイキ)",
    }
    assert draft.sold_out is False


def test_draft_round_trips_through_json(converter, okmall_record):
    draft = converter.convert(okmall_record, supplier="okmall").draft
    data = json.loads(json.dumps(draft.to_dict(), ensure_ascii=False))
    assert ListingDraft.from_dict(data) == draft


def test_an_excel_feed_row_converts(converter):
    result = converter.convert(feed_record(), supplier="acme-feed")
    assert result.ok, result.problems
    draft = result.draft
    assert (draft.brand_id, draft.category_id) == (618, 3060)  # Acne Studios, women's coat
    assert [(c.value_ko, c.master_id) for c in draft.colors] == [("베이지", 5)]
    assert [(s.value, s.master_id) for s in draft.sizes] == [("44", 1), ("55", 2), ("66", 3)]
    assert [(v.size, v.sold_out, v.stock) for v in draft.variants] == [
        ("44", False, None),
        ("55", True, 0),
        ("66", False, 2),
    ]
    assert draft.title_ko == "Acne Studios 여성 오버핏 울 코트 베이지 CL0042-BEI"
    assert "소재: 울 80% 나일론 20%" in draft.description_ko
    assert draft.glossary["아크네 스튜디오"] == "Acne Studios(アクネストゥディオス)"
    assert draft.reference_number == "acme-feed-A-100"


def test_a_feed_row_with_colour_and_size_columns_and_no_options(converter):
    raw = {**feed_record()["raw"], "색상": "네이비", "사이즈": "S, M", "브랜드": "NIKE"}
    record = feed_record(raw=raw, options=[], name="남성 로고 반팔 티셔츠", stock=0)
    draft = converter.convert(record, supplier="feed").draft
    assert draft.category_id == 3260
    assert [(v.color_ko, v.size, v.sold_out) for v in draft.variants] == [
        ("네이비", "S", True),
        ("네이비", "M", True),
    ]
    assert draft.sold_out is True


def test_moncler_is_blocked_unless_allowed(buyma_master, db, settings):
    record = feed_record(raw={**feed_record()["raw"], "브랜드": "몽클레르(MONCLER)"})
    result = Converter.load().convert(record, supplier="feed")
    assert not result.ok and result.draft is None
    assert [p.field for p in result.blocking] == ["brand_id"]
    assert "limited" in result.blocking[0].reason
    settings.YOOINI_BUYMA_ALLOWED_LIMITED_BRANDS = [83]
    allowed = Converter.load().convert(record, supplier="feed")
    assert allowed.ok and allowed.draft.brand_id == 83


def test_counterfeit_words_block_and_promotional_words_warn(converter):
    fake = converter.convert(feed_record(name="미러급 울 코트 베이지"), supplier="feed")
    assert not fake.ok and fake.draft is None
    assert fake.blocking == (
        Problem("name", "미러급", "a counterfeit word: BUYMA forbids non-genuine items", True),
    )
    promo = converter.convert(feed_record(name="[특가] 여성 울 코트 최저가"), supplier="feed")
    assert promo.ok
    assert sorted(p.value for p in promo.problems if not p.blocking) == ["최저가", "특가"]
    assert "특가" not in promo.draft.title_ko and "최저가" not in promo.draft.description_ko


def test_an_unknown_brand_is_listed_with_brand_id_zero(converter):
    raw = {**feed_record()["raw"], "브랜드": "없는상표(NO SUCH LABEL XYZ)"}
    result = converter.convert(feed_record(raw=raw), supplier="feed")
    assert result.ok
    assert (result.draft.brand_id, result.draft.brand_name) == (0, "NO SUCH LABEL XYZ")
    (problem,) = result.problems
    assert (problem.field, problem.blocking) == ("brand_id", False)


def test_unmapped_category_colour_and_size_block_with_their_values(converter):
    record = feed_record(
        name="여성 드라이 핏 하프 짚",
        category=["여성", "러닝"],
        options=[{"name": "베이지-M", "stock": 1, "attributes": []}],
    )
    result = converter.convert(record, supplier="feed")
    assert not result.ok
    assert {p.field for p in result.blocking} == {"category_id"}
    assert "add a mapping (category, '여성|" in result.blocking[0].reason
    colour = converter.convert(
        feed_record(options=[{"name": "Sunset Glow-44", "attributes": []}]), supplier="feed"
    )
    assert [(p.field, p.value) for p in colour.blocking] == [("colors", "Sunset Glow")]
    size = converter.convert(
        feed_record(options=[{"name": "베이지-48", "attributes": []}]), supplier="feed"
    )
    assert [(p.field, p.value) for p in size.blocking] == [("sizes", "48")]
    assert "(size, '3060:48')" in size.blocking[0].reason


def test_a_human_mapping_fixes_a_blocked_product(buyma_master, db):
    record = feed_record(name="여성 드라이 핏 하프 짚", category=["여성", "러닝"])
    assert not Converter.load().convert(record, supplier="feed").ok
    BuymaMapping.objects.create(
        kind="category", source_value="여성|여성>러닝", target_id=3010, origin="human"
    )
    fixed = Converter.load().convert(record, supplier="feed")
    assert fixed.ok and fixed.draft.category_id == 3010


def test_images(converter):
    many = [f"https://img.example.com/{n}.jpg" for n in range(25)] + ["ftp://x/y.jpg"]
    result = converter.convert(feed_record(images=many), supplier="feed")
    assert result.ok and result.draft.image_urls == tuple(many[:20])
    assert [p.field for p in result.problems] == ["image_urls"]
    none = converter.convert(feed_record(images=[]), supplier="feed")
    assert [p.field for p in none.blocking] == ["image_urls"]


def test_reference_numbers():
    assert reference_number("okmall", "753625") == "okmall-753625"
    long = reference_number("okmall", "x" * 80)
    odd = reference_number("my shop", "상품/1")
    for ref in (long, odd):
        assert len(ref) <= REFERENCE_MAX and ref.replace("-", "").replace("_", "").isalnum()
        assert ref.isascii()
    assert long == reference_number("okmall", "x" * 80)  # the same every run
    assert long != reference_number("okmall", "x" * 81)


def test_bad_input_is_a_clear_problem(converter):
    assert converter.convert("nope", supplier="s").blocking[0].field == "record"
    assert converter.convert(feed_record(price=0), supplier="s").blocking[0].field == "price"
    missing = converter.convert(feed_record(source_id=""), supplier="s").blocking[0]
    assert (missing.field, missing.reason) == ("source_id", "the record has no source_id")
    with pytest.raises(ValueError, match="supplier must be a non-empty name"):
        converter.convert(feed_record(), supplier=" ")


def test_flush_learned_writes_the_batch_rules(buyma_master, db, okmall_record):
    converter = Converter.load()
    for _ in range(3):
        converter.convert(okmall_record, supplier="okmall")
    written = converter.flush_learned()
    assert written == BuymaMapping.objects.filter(origin="rule").count() >= 5
    assert converter.flush_learned() == 0
