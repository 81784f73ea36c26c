"""Coupang's product name rules: at most 100 characters (``sellerProductName``,
developers.coupangcorp.com/hc/ko/articles/360033877853), without promotional words or
decorative symbols (Coupang's product name guide asks for brand + product name + model and no
sales phrases or special characters; the word and symbol lists here are ours, not Coupang's).

``title_fit`` never silently drops the brand or the model number: the brand leads the title,
the model number ends it, and words in between go first when the title is too long. When the
brand and the model number alone do not fit, it says so (a blocking problem).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import contract

NAME_MAX = contract.NAME_MAX
FORBIDDEN_WORDS = (
    "최저가",
    "무료배송",
    "당일발송",
    "특가",
    "할인",
    "세일",
    "사은품",
    "이벤트",
    "한정수량",
    "쿠팡",
    "SALE",
    "BEST",
    "HOT",
)
_FORBIDDEN_SYMBOLS = re.compile(r"[★☆♥♡◆◇■□▲△▼▽▶◀●○◎※♣♠♤♧☞☜【】《》「」『』!~^*@#$%|\\<>{}=]")
# Latin words only as whole words ("HOT" must not eat "SHOT"); Korean ones anywhere.
_WORDS = re.compile(
    "|".join(rf"\b{re.escape(w)}\b" if w.isascii() else re.escape(w) for w in FORBIDDEN_WORDS),
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
_EMPTY_BRACKETS = re.compile(r"\[\s*\]|\(\s*\)")


@dataclass(frozen=True)
class FittedTitle:
    """The title to send, the forbidden words it lost, and why it cannot fit (or ``""``)."""

    title: str
    removed: tuple[str, ...] = ()
    unfit: str = ""


def title_clean(text: str) -> tuple[str, tuple[str, ...]]:
    """``text`` without forbidden words and symbols, spaces collapsed; and the words taken."""
    removed = tuple(dict.fromkeys(m.group(0) for m in _WORDS.finditer(text)))
    text = _WORDS.sub(" ", text)
    text = _EMPTY_BRACKETS.sub(" ", _FORBIDDEN_SYMBOLS.sub(" ", text))
    return _SPACES.sub(" ", text).strip(" -/,"), removed


def title_fit(
    title: str, brand: str, model_number: str | None, limit: int = NAME_MAX
) -> FittedTitle:
    """``brand`` first, ``model_number`` last, the rest of ``title`` between, within ``limit``."""
    cleaned, removed = title_clean(title)
    brand = title_clean(brand or "")[0]
    model = title_clean(model_number or "")[0]
    words = cleaned.split(" ") if cleaned else []
    if brand and words[: len(brand.split())] == brand.split():
        words = words[len(brand.split()) :]
    if model:
        words = [w for w in words if w.casefold() != model.casefold()]
    head, tail = [brand] if brand else [], [model] if model else []
    must = " ".join(head + tail)
    if len(must) > limit:
        return FittedTitle(must[:limit], removed, f"brand and model number alone pass {limit}")
    while words and len(" ".join(head + words + tail)) > limit:
        words.pop()
    return FittedTitle(" ".join(head + words + tail), removed)
