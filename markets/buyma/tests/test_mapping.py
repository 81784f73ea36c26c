"""Mapping supplier values onto BUYMA's master data: every word of the project's vocabulary,
the brands as okmall writes them, human corrections winning, learned rows written in bulk."""

from __future__ import annotations

import pytest

from markets.buyma.mapping import MEN, UNISEX, WOMEN, Mapper, normalize_key, split_name
from markets.buyma.models import BuymaMapping

pytestmark = pytest.mark.django_db

# type word -> (men's category, women's category), ids from categories.csv
TYPES = {
    "반팔 티셔츠": (3260, 3001),
    "긴팔 티셔츠": (3260, 3001),
    "후드티": (3264, 3005),
    "맨투맨": (3265, 3006),
    "셔츠": (3263, 3007),
    "니트": (3266, 3004),
    "가디건": (3309, 3065),
    "자켓": (3301, 3061),
    "패딩": (3302, 3062),
    "코트": (3300, 3060),
    "바지": (3285, 3022),
    "청바지": (3281, 3024),
    "반바지": (3282, 3023),
    "스커트": (3020, 3020),
    "원피스": (3040, 3040),
    "스니커즈": (3321, 3081),
    "운동화": (3321, 3081),
    "샌들": (3320, 3080),
    "부츠": (3323, 3087),
    "백팩": (3344, 3107),
    "토트백": (3342, 3100),
    "크로스백": (3341, 3105),
    "모자": (4214, 4122),
    "볼캡": (4208, 4117),
    "지갑": (3419, 3111),
    "벨트": (3404, 3164),
}

BRANDS = {
    "나이키(NIKE)": 275,
    "아디다스(ADIDAS)": 105,
    "뉴발란스(NEW BALANCE)": 1854,
    "폴로 랄프로렌(POLO RALPH LAUREN)": 5918,
    "메종키츠네(MAISON KITSUNE)": 1550,
    "스톤아일랜드(STONE ISLAND)": 1434,
    "씨피컴퍼니(C.P. COMPANY)": 3819,
    "톰브라운(THOM BROWNE)": 2997,
    "아크네 스튜디오(ACNE STUDIOS)": 618,
    "아페쎄(A.P.C.)": 3668,
    "발렌시아가(BALENCIAGA)": 131,
    "칼하트(CARHARTT)": 596,
    "몽클레르(MONCLER)": 83,
}

COLOURS = {
    "블랙": 2,
    "화이트": 1,
    "네이비": 16,
    "그레이": 3,
    "베이지": 5,
    "브라운": 4,
    "레드": 11,
    "블루": 7,
    "그린": 6,
    "카키": 6,
    "아이보리": 1,
    "핑크": 10,
    "옐로우": 9,
    "퍼플": 8,
    "오렌지": 12,
    "실버": 13,
    "골드": 14,
    "멀티": 99,
    "BLACK": 2,
    "White": 1,
    "NAVY": 16,
    "Grey": 3,
    "GRAY": 3,
    "Beige": 5,
    "Brown": 4,
    "RED": 11,
    "Blue": 7,
    "GREEN": 6,
    "Khaki": 6,
    "Ivory": 1,
    "PINK": 10,
    "Yellow": 9,
    "PURPLE": 8,
    "Orange": 12,
    "SILVER": 13,
    "Gold": 14,
    "MULTI": 99,
    "010 BLACK/WHITE": 2,
    "Off White": 1,
    "다크 네이비": 16,
}


@pytest.mark.parametrize("word", sorted(TYPES))
@pytest.mark.parametrize("gender", [MEN, WOMEN, UNISEX])
def test_every_product_type_maps_for_every_gender(mapper, word, gender):
    result = mapper.category(name=f"{gender} 로고 {word} 블랙 (AB123)", path=(), gender=gender)
    men, women = TYPES[word]
    assert result.match.target_id == (women if gender == WOMEN else men)
    paths, _, limited = mapper.categories[result.match.target_id]
    expected_root = "メンズ" if (gender != WOMEN and men != women) else "レディース"
    assert paths.startswith(expected_root) and not limited
    assert result.type_word == word


def test_category_from_the_mall_path_and_the_head_noun(mapper):
    # okmall's real product: no type word in the name, "상의" in its category path
    path = ("ACTIVITY·LIFE", "액티비티", "러닝", "상의")
    assert mapper.category(name="드라이 핏 하프 짚", path=path, gender=MEN).match.target_id == 3268
    hood_jacket = mapper.category(name="후드 자켓", path=(), gender=MEN)
    assert hood_jacket.match.target_id == 3301  # the rightmost noun is the product
    missing = mapper.category(name="드라이 핏", path=("러닝",), gender=MEN)
    assert not missing.match.ok and "no product type" in missing.match.reason


def test_gender_words(mapper):
    assert mapper.gender("[NIKE]남성 나이키 드라이 핏") == (MEN, True)
    assert mapper.gender(None, "로고 니트", path=("WOMEN", "의류")) == (WOMEN, True)
    assert mapper.gender("남녀공용 후드티") == (UNISEX, True)
    assert mapper.gender("로고 니트", path=("의류",)) == (UNISEX, False)


@pytest.mark.parametrize(("okmall", "brand_id"), sorted(BRANDS.items()))
def test_every_okmall_brand_maps_in_each_form(mapper, okmall, brand_id):
    korean, latin = split_name(okmall)
    assert mapper.brand(okmall).target_id == brand_id
    assert mapper.brand(latin).target_id == brand_id
    assert mapper.brand(korean).target_id == brand_id
    assert mapper.brand(latin.lower()).target_id == brand_id
    buyma_latin, katakana = split_name(mapper.brand_names[brand_id])
    assert mapper.brand(katakana).target_id == brand_id
    assert normalize_key(buyma_latin) == normalize_key(latin)


def test_moncler_is_limited_and_unknown_brands_are_not_guessed(mapper):
    assert 83 in mapper.limited_brands
    unknown = mapper.brand("없는브랜드(NO SUCH LABEL XYZ)")
    assert not unknown.ok and "not in BUYMA's brand list" in unknown.reason
    # two BUYMA brands are written "Ours": the rules do not pick one
    ambiguous = mapper.brand("OURS")
    assert not ambiguous.ok and "several BUYMA brands" in ambiguous.reason


@pytest.mark.parametrize(("value", "family"), sorted(COLOURS.items()))
def test_every_colour_word_maps_to_its_family(mapper, value, family):
    match, _ = mapper.color(value)
    assert match.target_id == family


def test_unknown_colour_is_unmapped(mapper):
    match, word = mapper.color("Sunset Glow")
    assert not match.ok and word is None


@pytest.mark.parametrize(
    ("size", "category", "expected"),
    [
        ("S", 3260, 2),
        ("M", 3260, 3),
        ("L", 3260, 4),
        ("XL", 3260, 5),
        ("XXL", 3264, 5),
        ("XS", 3001, 1),
        ("95", 3260, 3),
        ("100", 3266, 4),
        ("105", 3264, 5),
        ("110", 3264, 5),
        ("55", 3040, 2),
        ("30", 3285, 3),
        ("230", 3321, 230),
        ("255", 3321, 255),
        ("270", 3321, 270),
        ("290", 3321, 290),
        ("295", 3321, 290),
        ("250mm", 3323, 250),
        ("230", 3081, 230),
        ("280", 3081, 270),
        ("FREE", 3260, 0),
        ("OS", 3321, 0),
        ("FREE", 3344, 0),  # bags have no sizes in BUYMA's master
        ("M", 4208, 0),
    ],
)
def test_sizes_map_to_ids_valid_in_the_category(mapper, size, category, expected):
    match = mapper.size(size, category)
    assert match.target_id == expected
    if expected:
        assert expected in mapper.sizes[category]


def test_sizes_outside_the_rules_are_problems(mapper):
    assert not mapper.size("48", 3260).ok  # an EU size: not guessed
    assert not mapper.size("M", 3321).ok  # a letter size for shoes
    assert not mapper.size("275", 3260).ok


def test_seasons(mapper):
    assert mapper.season("25FW") == 49
    assert mapper.season("2025 F/W") == 49
    assert mapper.season("26SS") == 50
    assert mapper.season("SS24") == 44
    assert mapper.season("someday") is None


def test_a_human_mapping_wins_over_the_rules(buyma_master, db):
    BuymaMapping.objects.create(kind="brand", source_value="nike", target_id=105, origin="human")
    BuymaMapping.objects.create(
        kind="category", source_value="남성|후드티", target_id=3265, origin="human"
    )
    BuymaMapping.objects.create(kind="color", source_value="black", target_id=3, origin="human")
    BuymaMapping.objects.create(kind="size", source_value="3260:m", target_id=4, origin="human")
    mapper = Mapper.load()
    assert mapper.brand("NIKE") == mapper.brand("NIKE")
    assert (mapper.brand("NIKE").target_id, mapper.brand("NIKE").origin) == (105, "human")
    assert mapper.category(name="후드티", path=(), gender=MEN).match.target_id == 3265
    assert mapper.color("Black")[0].target_id == 3
    assert mapper.size("M", 3260).target_id == 4
    # rules still answer everything else
    assert mapper.brand("ADIDAS").target_id == 105 and mapper.color("White")[0].target_id == 1
    assert (mapper.brand("NIKE").key, mapper.learned.get(("brand", "nike"))) == ("nike", None)


def test_a_human_mapping_to_a_withdrawn_id_is_reported(buyma_master, db):
    BuymaMapping.objects.create(kind="color", source_value="black", target_id=77, origin="human")
    match, _ = Mapper.load().color("Black")
    assert not match.ok and "not in BUYMA's master data" in match.reason


def test_rule_mappings_are_learned_and_flushed_once(buyma_master, db):
    mapper = Mapper.load()
    mapper.brand("나이키(NIKE)")
    mapper.color("Black")
    mapper.size("M", 3260)
    mapper.category(name="남성 반팔 티셔츠", path=(), gender=MEN)
    assert mapper.flush_learned() == 5
    rows = set(BuymaMapping.objects.values_list("kind", "source_value", "target_id", "origin"))
    assert rows == {
        ("brand", "나이키nike", 275, "rule"),
        ("brand", "나이키", 275, "rule"),
        ("color", "black", 2, "rule"),
        ("size", "3260:m", 3, "rule"),
        ("category", "남성|반팔티셔츠", 3260, "rule"),
    }
    assert mapper.flush_learned() == 0
    # the next batch knows "나이키" from the row; a person's row is never overwritten
    BuymaMapping.objects.filter(kind="color", source_value="black").update(
        target_id=3, origin="human"
    )
    again = Mapper.load()
    assert again.brand("나이키").target_id == 275
    assert again.color("Black")[0].target_id == 3
    again.color("BLACK ")
    assert again.flush_learned() == 0
    assert BuymaMapping.objects.get(kind="color", source_value="black").origin == "human"


def test_a_korean_name_is_learned_from_a_paired_name(buyma_master, db):
    first = Mapper.load()
    assert not first.brand("새브랜드").ok
    assert first.brand("새브랜드(MONCLER)").target_id == 83
    first.flush_learned()
    assert Mapper.load().brand("새브랜드").target_id == 83


def test_mapping_clean_checks_the_target(buyma_master, db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="no BUYMA brand"):
        BuymaMapping(kind="brand", source_value="x", target_id=-5).clean()
    with pytest.raises(ValidationError, match="not a size of category 3260"):
        BuymaMapping(kind="size", source_value="3260:q", target_id=290).clean()
    with pytest.raises(ValidationError, match="category id"):
        BuymaMapping(kind="size", source_value="q", target_id=2).clean()
    BuymaMapping(kind="size", source_value="3321:290", target_id=290).clean()
