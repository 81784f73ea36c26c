"""Words a BUYMA listing must not carry, and what to do when a product's text has one.

Two lists (sources in docs/buyma_convert.md, "Forbidden words"):

- ``COUNTERFEIT``: words that say or hint the item is not genuine (가품, 레플리카, コピー, N級, ...).
  BUYMA forbids selling counterfeits and asks sellers to buy only where genuineness is certain
  (qa.buyma.com/shopper/prohibited-item/19166.html), so such a product is blocked, never
  cleaned: removing the word would not make the item genuine.
- ``PROMOTIONAL``: a source mall's sales talk that is false or misleading once listed on BUYMA
  (최저가, 특가, 쿠폰, 最安値, 激安, ...). BUYMA points sellers at the 景品表示法 (misleading
  "superior" or "advantageous" claims, test-qa.buyma.com/shopper/law-knowledge/6287.html) and
  forbids wording unrelated to the item or that misleads buyers; these words are removed from
  the text and the removal is reported as a warning.

Matching is on NFKC-normalized, case-folded text, so "ｺﾋﾟｰ", "Ｎ級" and "REPLICA" are caught.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

COUNTERFEIT: tuple[str, ...] = (
    # Korean
    "가품",
    "레플리카",
    "이미테이션",
    "미러급",
    "짝퉁",
    "정품급",
    "st급",
    "n급",
    "replica",
    "imitation",
    "counterfeit",
    "knockoff",
    # Japanese
    "コピー品",
    "スーパーコピー",
    "コピー",
    "レプリカ",
    "偽物",
    "偽造",
    "模造品",
    "模倣品",
    "n級",
)

PROMOTIONAL: tuple[str, ...] = (
    # Korean (mall sales talk)
    "최저가",
    "초특가",
    "특가",
    "파격세일",
    "땡처리",
    "타임세일",
    "역대급",
    "쿠폰",
    "적립금",
    "당일발송",
    "무료배송",
    # Japanese
    "最安値",
    "最安",
    "激安",
    "格安",
    "破格",
    "日本一",
    "業界最安",
    "限定価格",
    "送料無料",
)


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted({unicodedata.normalize("NFKC", w).casefold() for w in words}, key=len)
    return re.compile("|".join(re.escape(w) for w in reversed(ordered)))


_COUNTERFEIT_RE = _pattern(COUNTERFEIT)
_PROMOTIONAL_RE = _pattern(PROMOTIONAL)
_SPACES = re.compile(r"[ \t]{2,}")


@dataclass(frozen=True, slots=True)
class Screened:
    """A text after screening: ``text`` without promotional words, the promotional words
    removed and the counterfeit words found (any one blocks the product)."""

    text: str
    removed: tuple[str, ...]
    counterfeit: tuple[str, ...]


def screen(text: str) -> Screened:
    """Find counterfeit words and remove promotional ones from ``text`` (NFKC-normalized)."""
    normalized = unicodedata.normalize("NFKC", text or "")
    folded = normalized.casefold()
    counterfeit = tuple(dict.fromkeys(m[0] for m in _COUNTERFEIT_RE.finditer(folded)))
    if len(folded) != len(normalized):  # casefold changed the length (ß -> ss): match as-is
        folded = normalized.lower()
    spans = [m.span() for m in _PROMOTIONAL_RE.finditer(folded)]
    if not spans or len(folded) != len(normalized):
        return Screened(normalized, (), counterfeit)
    removed = tuple(dict.fromkeys(folded[a:b] for a, b in spans))
    kept, last = [], 0
    for start, end in spans:
        kept.append(normalized[last:start])
        last = end
    kept.append(normalized[last:])
    cleaned = _SPACES.sub(" ", "".join(kept)).strip()
    cleaned = re.sub(r"[\[(【]\s*[\])】]", "", cleaned).strip()  # brackets left empty
    return Screened(_SPACES.sub(" ", cleaned), removed, counterfeit)
