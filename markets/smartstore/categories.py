"""The shipped SmartStore category mapping: our category keys -> Naver leaf category ids.

Every code is a leaf id of Naver's category tree as we expect it
(``GET /v1/categories?last=true``, https://apicenter.commerce.naver.com/docs/commerce-api/current/get-category-list-product);
they are defaults to start from and must be checked against that API before an account goes
live (docs/markets/smartstore.md). A parent key (``shoes``) maps to a common leaf of its kind,
so a product whose sub-category no rule recognized still lands somewhere sensible.

``categories_ensure()`` loads them idempotently into ``MarketCategoryMapping``: missing rows are
inserted with origin ``default``, default rows whose code or label changed are updated, and a
person's row (origin ``person``) is never touched.
"""

from __future__ import annotations

MARKET = "smartstore"

# our category key -> (Naver leaf category id, Naver category path it stands for)
DEFAULTS: dict[str, tuple[str, str]] = {
    "shoes": ("50000788", "패션잡화>남성신발>운동화>스니커즈"),
    "shoes/sneakers": ("50000788", "패션잡화>남성신발>운동화>스니커즈"),
    "shoes/running": ("50000789", "패션잡화>남성신발>운동화>러닝화"),
    "shoes/boots": ("50000791", "패션잡화>남성신발>부츠>워커"),
    "shoes/sandals": ("50000795", "패션잡화>남성신발>샌들>스포츠샌들"),
    "shoes/loafers": ("50000793", "패션잡화>남성신발>구두>로퍼"),
    "clothing": ("50000803", "패션의류>남성의류>티셔츠"),
    "clothing/tops": ("50000803", "패션의류>남성의류>티셔츠"),
    "clothing/shirts": ("50000804", "패션의류>남성의류>셔츠/남방"),
    "clothing/knitwear": ("50000805", "패션의류>남성의류>니트/스웨터"),
    "clothing/outerwear": ("50000806", "패션의류>남성의류>점퍼"),
    "clothing/pants": ("50000809", "패션의류>남성의류>바지"),
    "clothing/dresses": ("50000807", "패션의류>여성의류>원피스"),
    "clothing/skirts": ("50000808", "패션의류>여성의류>스커트"),
    "bags": ("50000641", "패션잡화>여성가방>숄더백"),
    "bags/backpacks": ("50000647", "패션잡화>남성가방>백팩"),
    "bags/shoulder": ("50000641", "패션잡화>여성가방>숄더백"),
    "bags/totes": ("50000642", "패션잡화>여성가방>토트백"),
    "bags/crossbody": ("50000643", "패션잡화>여성가방>크로스백"),
    "accessories": ("50000181", "패션잡화>패션소품>기타패션소품"),
    "accessories/wallets": ("50000660", "패션잡화>지갑>남성지갑"),
    "accessories/hats": ("50000168", "패션잡화>모자>야구모자"),
    "accessories/belts": ("50000176", "패션잡화>벨트>남성벨트"),
    "accessories/watches": ("50000438", "패션잡화>시계>패션시계"),
    "accessories/scarves": ("50000172", "패션잡화>패션소품>스카프"),
    "accessories/sunglasses": ("50000162", "패션잡화>선글라스/안경테>선글라스"),
}


def categories_ensure(defaults: dict[str, tuple[str, str]] | None = None) -> dict[str, int]:
    """Load the defaults; counts of rows ``created``, ``updated`` and ``kept`` (a person's)."""
    from markets.categories import category_mappings_ensure

    return category_mappings_ensure(MARKET, DEFAULTS if defaults is None else defaults)


def category_code(
    mappings: dict[str, tuple[str, str]], category: str
) -> tuple[str, str, str] | None:
    """``(our key found, code, label)`` for ``category`` or its nearest mapped parent."""
    from markets.categories import nearest_category

    found = nearest_category(mappings, category)
    return None if found is None else (found[0], *found[1])
