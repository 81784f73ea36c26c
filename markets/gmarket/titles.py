"""Goods names that pass ESM's rules, with the brand and the model number kept.

ESM's name rules (ESM+ 상품명 가이드, as the register answers and seller guides state them; the
exact word list is unverified): at most 100 bytes (``contract.name_bytes``: a Hangul syllable
is 2 bytes), no promotional words (free shipping, lowest price, sale, gifts, same-day
shipping...) and no decorative symbols. ``title_fit`` removes those, puts the brand first and
the model number last when the name lacks them, and shortens the words in between, from the
end, until the name fits. It never drops the brand or the model number: when those two alone
do not fit, the title is refused (blocking).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .contract import NAME_MAX_BYTES, name_bytes

FORBIDDEN_WORDS = (
    "무료배송",
    "무배",
    "최저가",
    "특가",
    "할인",
    "세일",
    "SALE",
    "이벤트",
    "사은품",
    "증정",
    "1+1",
    "당일발송",
    "당일배송",
    "빠른배송",
    "한정수량",
    "품절임박",
    "초특가",
)
FORBIDDEN_CHARACTERS = set('<>{}\\|^`"')
_FORBIDDEN = re.compile(
    "|".join(re.escape(w) for w in sorted(FORBIDDEN_WORDS, key=len, reverse=True)),
    re.IGNORECASE,
)
_EMPTY_BRACKETS = re.compile(r"[\[(]\s*[\])]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class FittedTitle:
    """The name to send (``""`` when it cannot fit), and what was changed, in words."""

    name: str
    changes: tuple[str, ...] = field(default_factory=tuple)
    fits: bool = True


def title_clean(title: str) -> tuple[str, list[str]]:
    """The title without forbidden words and symbols, and what was removed."""
    removed = sorted({m.group(0) for m in _FORBIDDEN.finditer(title)})
    text = _FORBIDDEN.sub(" ", title)
    symbols = sorted({c for c in text if c in FORBIDDEN_CHARACTERS or _decorative(c)})
    text = "".join(" " if c in symbols else c for c in text)
    text = _SPACES.sub(" ", _EMPTY_BRACKETS.sub(" ", text)).strip()
    notes = []
    if removed:
        notes.append(f"removed words ESM forbids in names: {', '.join(removed)}")
    if symbols:
        notes.append(f"removed symbols: {' '.join(symbols)}")
    return text, notes


def title_fit(
    title: str, brand: str, model_number: str | None, limit: int = NAME_MAX_BYTES
) -> FittedTitle:
    """See the module docstring."""
    text, changes = title_clean(title)
    brand = _SPACES.sub(" ", (brand or "").strip())
    model = (model_number or "").strip()
    core = text
    if brand:
        core = _remove_once(core, brand)
    if model:
        core = _remove_once(core, model)
    words = core.split()
    if brand and brand.lower() not in text.lower():
        changes.append("put the brand first")
    if model and model.lower() not in text.lower():
        changes.append("added the model number")
    name = _join(brand, words, model)
    dropped = []
    while name_bytes(name) > limit and words:
        dropped.insert(0, words.pop())
        name = _join(brand, words, model)
    if name_bytes(name) > limit:
        reason = (
            f"brand and model number alone are {name_bytes(name)} bytes; ESM takes at most "
            f"{limit}: shorten the brand name or the model number"
        )
        return FittedTitle("", (*changes, reason), fits=False)
    if dropped:
        changes.append(f"shortened to {limit} bytes, dropping: {' '.join(dropped)}")
    if not name:
        return FittedTitle("", (*changes, "the title is empty"), fits=False)
    return FittedTitle(name, tuple(changes))


def _join(brand: str, words: list[str], model: str) -> str:
    return " ".join(part for part in (brand, " ".join(words), model) if part)


def _remove_once(text: str, part: str) -> str:
    found = re.search(re.escape(part), text, re.IGNORECASE)
    if not found:
        return text
    return _SPACES.sub(" ", text[: found.start()] + " " + text[found.end() :]).strip()


def _decorative(char: str) -> bool:
    """Symbols drawn for show (★ ♥ ◆ ■ ※ ...): Unicode "other symbol" class."""
    return unicodedata.category(char) == "So"
