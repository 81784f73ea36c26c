"""The shipped default mapping of our categories to Coupang display category codes, and the
lookup the preparer uses (falling back to a parent key: ``shoes/sneakers`` -> ``shoes``).

The codes are placeholders of the right form (Coupang's display category codes are numbers):
they are NOT verified against Coupang's category API and must be checked before going live
(``GET /v2/providers/seller_api/apis/api/v1/marketplace/meta/display-categories/{code}``, or
WING's category Excel; docs/markets/coupang.md). A person corrects a code in the admin (origin
``person``) and ``categories_ensure`` never touches that row again.
"""

from __future__ import annotations

from collections.abc import Mapping

from markets.categories import category_mappings_ensure, nearest_category
from markets.models import MarketCategoryMapping

KIND = "coupang"

# our category key -> (display category code, Coupang's path as a label)
DEFAULT_CATEGORIES: dict[str, tuple[str, str]] = {
    "shoes": ("69182", "패션의류잡화>공용신발"),
    "shoes/sneakers": ("69183", "패션의류잡화>공용신발>운동화>스니커즈"),
    "shoes/boots": ("69190", "패션의류잡화>공용신발>부츠/워커"),
    "shoes/sandals": ("69195", "패션의류잡화>공용신발>샌들"),
    "shoes/loafers": ("69188", "패션의류잡화>공용신발>로퍼/모카신"),
    "clothing": ("69001", "패션의류잡화>공용의류"),
    "clothing/tops": ("69010", "패션의류잡화>공용의류>티셔츠"),
    "clothing/outerwear": ("69030", "패션의류잡화>공용의류>아우터>점퍼"),
    "clothing/pants": ("69050", "패션의류잡화>공용의류>바지"),
    "clothing/dresses": ("69070", "패션의류잡화>여성의류>원피스"),
    "bags": ("69300", "패션의류잡화>가방"),
    "bags/backpacks": ("69310", "패션의류잡화>가방>백팩"),
    "bags/shoulder": ("69320", "패션의류잡화>가방>숄더백"),
    "bags/totes": ("69330", "패션의류잡화>가방>토트백"),
    "bags/crossbody": ("69340", "패션의류잡화>가방>크로스백"),
    "accessories": ("69500", "패션의류잡화>패션잡화"),
    "accessories/wallets": ("69510", "패션의류잡화>지갑>반지갑"),
    "accessories/hats": ("69520", "패션의류잡화>모자>볼캡"),
    "accessories/belts": ("69530", "패션의류잡화>벨트"),
    "accessories/watches": ("69540", "패션의류잡화>시계>패션시계"),
    "accessories/sunglasses": ("69550", "패션의류잡화>선글라스/안경테"),
    "accessories/scarves": ("69560", "패션의류잡화>스카프/머플러"),
}


def categories_ensure(defaults: Mapping[str, tuple[str, str]] = DEFAULT_CATEGORIES) -> int:
    """Make the shipped defaults present (``markets.categories.category_mappings_ensure``);
    answers how many rows it wrote."""
    counts = category_mappings_ensure(KIND, defaults)
    return counts["created"] + counts["updated"]


def category_codes() -> dict[str, str]:
    """Every Coupang mapping, our key -> code (read once per preparer load)."""
    return dict(MarketCategoryMapping.objects.filter(market=KIND).values_list("category", "code"))


def category_code(codes: Mapping[str, str], category: str) -> tuple[str, str] | None:
    """``(code, key used)`` for ``category``, trying each parent key in turn; None when none."""
    found = nearest_category(codes, category)
    return None if found is None else (found[1], found[0])
