"""The Korean title and description of a BUYMA listing draft, built from the product's facts.

The texts are Korean because the translation stage comes next: it turns them into Japanese with
the glossary the converter hands over. The title uses only words that stage knows (brand names
in Latin letters, gender, product type and colour words, model numbers) plus the product's own
name words: a name word the translator does not know sends the listing to a person, which is
what we want rather than a guessed translation.

Length: BUYMA's product name is limited to 60 half-width characters, a full-width character
(Hangul, kana, kanji) counting as two; the public production okmall -> BUYMA pipeline cuts
names to that width before sending (github.com/dorahyong/buyma, okmall/buyma_new_product_register.py,
``truncate_buyma_name``; its docs/buyma_api_param_map.md notes BUYMA strips a trailing space).
The Korean title is kept within that width so the Japanese one, about as wide, fits too; words
are dropped whole, never cut. The description (``comments``) is limited to 3,000 characters
(same document, "comments").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

TITLE_MAX_WIDTH = 60
DESCRIPTION_MAX_CHARS = 3000
NOTICE_GENUINE = "한국 정품 매장에서 구매하여 발송합니다."
NOTICE_DUTY = "관부가세 포함"


def buyma_width(text: str) -> int:
    """Width as BUYMA counts it: full-width, wide and ambiguous characters count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "FWA" else 1 for c in text)


def fit_words(words: Sequence[str], max_width: int) -> str:
    """The longest prefix of ``words`` (joined by spaces) within ``max_width``; a single word
    too wide on its own is cut by characters, the only case where a word is cut."""
    out: list[str] = []
    width = 0
    for word in words:
        add = buyma_width(word) + (1 if out else 0)
        if width + add > max_width:
            break
        out.append(word)
        width += add
    if not out and words:
        cut, width = [], 0
        for char in words[0]:
            width += buyma_width(char)
            if width > max_width:
                break
            cut.append(char)
        return "".join(cut)
    return " ".join(out)


@dataclass(frozen=True, slots=True)
class TitleParts:
    brand: str  # the brand as the title shows it (BUYMA's Latin part when known)
    gender: str | None  # 남성 / 여성 / 공용, or None
    name_words: Sequence[str]  # the product's own name, cleaned, as words
    type_word: str | None  # vocabulary product type, added when the name lacks it
    color_word: str | None  # vocabulary colour word, when the product has one colour
    model_number: str | None


def build_title(parts: TitleParts, max_width: int = TITLE_MAX_WIDTH) -> str:
    """ "<brand> <gender> <name words> [<type>] [<colour>] <model number>", within
    ``max_width``. Brand, gender and model number are kept; name words are dropped from the
    end first, then the colour and the type word."""
    name_words = list(parts.name_words)
    joined = "".join(name_words)
    extras = [
        w
        for w in (parts.type_word, parts.color_word)
        if w and w.replace(" ", "") not in joined.replace(" ", "")
    ]
    head = [w for w in (parts.brand, parts.gender) if w]
    tail = [parts.model_number] if parts.model_number else []
    while True:
        words = head + name_words + extras + tail
        title = " ".join(words)
        if buyma_width(title) <= max_width:
            return title
        if name_words:
            name_words.pop()
        elif extras:
            extras.pop()
        else:
            return fit_words(words, max_width)


@dataclass(frozen=True, slots=True)
class DescriptionFacts:
    title: str
    brand: str
    brand_ko: str | None
    model_number: str | None
    season: str | None
    colors: Sequence[str]
    sizes: Sequence[str]
    material: str | None


def build_description(facts: DescriptionFacts) -> str:
    """The description: the title, one labelled line per known fact, then the fixed notices.
    Within ``DESCRIPTION_MAX_CHARS``: long fact values are shortened, the notices kept."""
    brand = facts.brand if not facts.brand_ko else f"{facts.brand} ({facts.brand_ko})"
    lines = [facts.title, "", f"브랜드: {brand}"]
    for label, value in (
        ("모델명", facts.model_number),
        ("시즌", facts.season),
        ("색상", ", ".join(facts.colors)),
        ("사이즈", ", ".join(facts.sizes)),
        ("소재", facts.material),
    ):
        if value:
            lines.append(f"{label}: {_short(value, 300)}")
    notices = ["", NOTICE_GENUINE, NOTICE_DUTY]
    body = "\n".join(lines)
    room = DESCRIPTION_MAX_CHARS - len("\n".join(notices)) - 1
    return _short(body, room) + "\n" + "\n".join(notices)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split()) if "\n" not in text else text
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
