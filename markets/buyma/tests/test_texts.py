"""Forbidden words and the title/description templates."""

from __future__ import annotations

import pytest

from markets.buyma.forbidden import screen
from markets.buyma.templates import (
    DESCRIPTION_MAX_CHARS,
    NOTICE_DUTY,
    NOTICE_GENUINE,
    TITLE_MAX_WIDTH,
    DescriptionFacts,
    TitleParts,
    build_description,
    build_title,
    buyma_width,
    fit_words,
)


@pytest.mark.parametrize(
    "text",
    [
        "나이키 가품 반팔 티셔츠",
        "레플리카 백팩",
        "이미테이션 지갑",
        "미러급 볼캡",
        "짝퉁 벨트",
        "スーパーコピー バッグ",
        "ｺﾋﾟｰ 財布",  # half-width katakana
        "レプリカ",
        "偽物",
        "Ｎ級 スニーカー",
        "REPLICA sneakers",
    ],
)
def test_counterfeit_words_are_found(text):
    assert screen(text).counterfeit


def test_promotional_words_are_removed_and_named():
    result = screen("[최저가] 나이키 특가 반팔 티셔츠 最安値 블랙")
    assert result.text == "나이키 반팔 티셔츠 블랙"
    assert set(result.removed) == {"최저가", "특가", "最安値"}
    assert not result.counterfeit


def test_clean_text_passes_unchanged():
    result = screen("남성 로고 반팔 티셔츠 블랙 (FQ2494-010)")
    assert result.text == "남성 로고 반팔 티셔츠 블랙 (FQ2494-010)"
    assert (result.removed, result.counterfeit) == ((), ())


def test_width_counts_full_width_as_two():
    assert buyma_width("Nike") == 4
    assert buyma_width("나이키") == 6
    assert buyma_width("ナイキ") == 6


def test_short_title_keeps_every_part():
    title = build_title(TitleParts("Nike", "남성", ["로고"], "반팔 티셔츠", "블랙", "FQ2494-010"))
    assert title == "Nike 남성 로고 반팔 티셔츠 블랙 FQ2494-010"


def test_type_and_colour_are_not_repeated():
    title = build_title(
        TitleParts("Nike", "남성", ["로고", "반팔", "티셔츠", "블랙"], "반팔 티셔츠", "블랙", None)
    )
    assert title == "Nike 남성 로고 반팔 티셔츠 블랙"


def test_long_title_drops_whole_name_words_and_keeps_brand_and_model():
    words = ["오버핏", "스트라이프", "코튼", "베이직", "경량", "나일론", "데님", "체크"]
    title = build_title(
        TitleParts("POLO RALPH LAUREN", "공용", words, "후드티", "네이비", "710-123")
    )
    assert buyma_width(title) <= TITLE_MAX_WIDTH
    assert title.startswith("POLO RALPH LAUREN 공용 ")
    assert title.endswith(" 710-123")
    kept = title.split()
    assert all(
        word in words + ["POLO", "RALPH", "LAUREN", "공용", "후드티", "네이비", "710-123"]
        for word in kept
    )  # no word was cut
    assert kept[4] == "오버핏" and "체크" not in kept  # dropped from the end


def test_fit_words_cuts_only_a_single_oversized_word():
    assert fit_words(["a" * 70], 60) == "a" * 60
    assert fit_words(["abc", "def"], 5) == "abc"


def test_description_has_the_facts_and_the_notices():
    text = build_description(
        DescriptionFacts(
            title="Nike 남성 로고 반팔 티셔츠 FQ2494-010",
            brand="Nike",
            brand_ko="나이키",
            model_number="FQ2494-010",
            season="25FW",
            colors=["Black"],
            sizes=["S", "M"],
            material="코튼 100%",
        )
    )
    lines = text.splitlines()
    assert lines[0] == "Nike 남성 로고 반팔 티셔츠 FQ2494-010"
    assert "브랜드: Nike (나이키)" in lines and "모델명: FQ2494-010" in lines
    assert "시즌: 25FW" in lines and "색상: Black" in lines and "사이즈: S, M" in lines
    assert "소재: 코튼 100%" in lines
    assert lines[-2:] == [NOTICE_GENUINE, NOTICE_DUTY]


def test_description_is_cut_to_the_limit_but_keeps_the_notices():
    text = build_description(
        DescriptionFacts("t", "b", None, None, None, ["x" * 200] * 40, ["M"] * 2000, "y" * 5000)
    )
    assert len(text) <= DESCRIPTION_MAX_CHARS
    assert text.endswith(f"{NOTICE_GENUINE}\n{NOTICE_DUTY}")
