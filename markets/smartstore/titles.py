"""SmartStore product names: what the Seller Center allows and what Naver Shopping ranks down.

The rules (docs/markets/smartstore.md cites them): at most 100 characters, none of
``\\ * ? " < >``; promotional words (무료배송, 최저가, 특가, ...) and bracketed promotions
break Naver Shopping's product-name guide and are taken out. The brand and the model number are
never dropped: the brand leads the name, the model number ends it when the supplier's title did
not carry them, and words are shortened from the middle when the name is too long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import contract

PROMOTIONAL = (
    "무료배송", "최저가", "특가", "초특가", "할인", "세일", "이벤트", "사은품", "증정",
    "당일발송", "당일배송", "빠른배송", "무료반품", "정품보장", "품절임박", "한정수량",
    "best", "hot", "sale", "free",
)  # fmt: skip
_BRACKETED = re.compile(r"[\[\(【](?P<inner>[^\]\)】]*)[\]\)】]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class FittedTitle:
    """The name to send; ``changes`` says what was done (for the person reviewing), ``error``
    is set when no name within the rules keeps both the brand and the model number."""

    name: str
    changes: tuple[str, ...] = ()
    error: str | None = None


def _promotional(word: str) -> bool:
    return word.strip(".,!~").lower() in PROMOTIONAL


def fit_title(title: str, brand: str = "", model_number: str | None = None) -> FittedTitle:
    """The title within SmartStore's rules (see the module docstring)."""
    changes: list[str] = []
    text = "".join(" " if c in contract.NAME_FORBIDDEN else c for c in title or "")
    if text != (title or ""):
        changes.append('removed characters Naver refuses (\\ * ? " < >)')

    removed: list[str] = []

    def bracket(match: re.Match) -> str:
        if any(_promotional(w) for w in match.group("inner").split()):
            removed.append(match.group(0))
            return " "
        return match.group(0)

    text = _BRACKETED.sub(bracket, text)
    words = [w for w in _SPACES.split(text) if w]
    kept = [w for w in words if not _promotional(w)]
    removed += [w for w in words if _promotional(w)]
    if removed:
        changes.append("removed promotional words: " + ", ".join(removed))
    brand = (brand or "").strip()
    model = (model_number or "").strip()
    lowered = " ".join(kept).lower()
    head = [brand] if brand and brand.lower() not in lowered else []
    tail = [model] if model and model.lower() not in lowered else []
    if head:
        changes.append("put the brand first")
    if tail:
        changes.append("added the model number")
    marks = [m.lower() for m in (brand.split() + model.split())]

    def protected(word: str) -> bool:
        # A word carrying the brand or the model number, even glued to others ("나이키에어").
        return any(mark in word.lower() for mark in marks)

    body = list(kept)
    while len(" ".join(head + body + tail)) > contract.NAME_MAX:
        # Drop the last word that carries neither the brand nor the model number.
        for index in range(len(body) - 1, -1, -1):
            if not protected(body[index]):
                del body[index]
                break
        else:
            break
    name = " ".join(head + body + tail).strip()
    if len(body) < len(kept):
        changes.append(f"shortened to {contract.NAME_MAX} characters")
    if not name:
        return FittedTitle("", tuple(changes), "the product has no title")
    if len(name) > contract.NAME_MAX:
        return FittedTitle(
            name[: contract.NAME_MAX],
            tuple(changes),
            f"the brand and model number alone exceed {contract.NAME_MAX} characters",
        )
    return FittedTitle(name, tuple(changes))
