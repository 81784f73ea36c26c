"""Glossary input checks, the shipped file's shape, and which entries count for a text."""

from __future__ import annotations

import pytest

from ai.errors import InvalidInput
from ai.glossary import glossary_checked, glossary_for


def test_a_callers_glossary_is_stripped():
    assert glossary_checked({" 나이키 ": " Nike(ナイキ) "}) == {"나이키": "Nike(ナイキ)"}
    assert glossary_checked(None) == {}


@pytest.mark.parametrize(
    ("glossary", "message"),
    [
        ({"나이키": ""}, r"glossary entry 1 \('나이키'\): the translation must be non-empty"),
        ({"": "x"}, "glossary entry 1 .*the term must be non-empty"),
        ({"a": "b", 3: "c"}, "glossary entry 2 .*the term must be non-empty text"),
        ({"나이키": None}, "glossary entry 1 .*translation must be non-empty text, got None"),
        ({"나이키": "x", " 나이키": "y"}, "glossary entry 2 .*given twice"),
        (["나이키"], "expected a mapping"),
        ({"가" * 201: "x"}, "longer than 200"),
    ],
)
def test_bad_entries_are_named(glossary, message):
    with pytest.raises(InvalidInput, match=message):
        glossary_checked(glossary)


def test_entries_in_a_text_are_the_words_and_phrases_it_contains():
    glossary = glossary_for("ko", "ja", {"NIKE": "Nike(ナイキ)", "나이키": "Nike(ナイキ)"})
    found = glossary.entries_in("nike 관부가세  포함 반팔티셔츠")
    assert found["NIKE"] == "Nike(ナイキ)"  # case-insensitive phrase
    assert found["관부가세 포함"] == "関税込み"  # spacing-insensitive phrase
    assert {"반팔", "티셔츠", "반팔티", "티"} <= set(found)
    assert "나이키" not in found and "블랙" not in found


def test_the_shipped_glossary_is_only_for_korean_to_japanese():
    assert len(glossary_for("ko", "ja")) > 300
    assert dict(glossary_for("ko", "en", {"나이키": "Nike"}).entries) == {"나이키": "Nike"}
