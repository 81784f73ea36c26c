"""The shipped Gmarket / Auction category mapping, and loading it into ``MarketCategoryMapping``.

One mapping row holds the three codes a listing needs, in ``code`` as ``"esm|gmarket|auction"``:
the ESM+ standard category (``itemBasicInfo.category.esm.catCode``), then the Gmarket and the
Auction leaf categories (``category.site[].catCode`` for siteType 2 and 1). Keeping them in one
row lets a person correct all three in one place in the admin; a plain ``"300000021"`` is read
as the Gmarket code alone.

The codes below are plausible defaults, NOT verified: check each one against the category
API (``GET /item/v1/categories/site-cats`` per site and the ESM standard categories,
https://etapi.gmarket.com/category/상품API) before going live. Only leaf categories take goods.
"""

from __future__ import annotations

from dataclasses import dataclass

MARKET = "gmarket"
SITES = ("esm", "gmarket", "auction")

# our category key -> ("esm|gmarket|auction", label shown in the admin)
DEFAULT_CATEGORIES: dict[str, tuple[str, str]] = {
    "shoes": ("0002000300010000|300000021|16120000", "신발 > 운동화/스니커즈"),
    "shoes/sneakers": ("0002000300010001|300000021|16120200", "신발 > 스니커즈"),
    "shoes/running": ("0002000300010002|300000022|16120100", "신발 > 러닝화"),
    "shoes/boots": ("0002000300020001|300000031|16130300", "신발 > 부츠/워커"),
    "shoes/sandals": ("0002000300030001|300000041|16140100", "신발 > 샌들"),
    "shoes/slippers": ("0002000300030002|300000042|16140200", "신발 > 슬리퍼"),
    "shoes/loafers": ("0002000300040001|300000051|16110300", "신발 > 로퍼/구두"),
    "clothing": ("0002000100010000|300000101|10010000", "의류 > 상의"),
    "clothing/tops": ("0002000100010001|300000101|10010100", "의류 > 티셔츠/상의"),
    "clothing/shirts": ("0002000100010002|300000102|10010300", "의류 > 셔츠/블라우스"),
    "clothing/knitwear": ("0002000100010003|300000103|10010500", "의류 > 니트/스웨터"),
    "clothing/outerwear": ("0002000100020001|300000111|10020100", "의류 > 아우터/재킷"),
    "clothing/pants": ("0002000100030001|300000121|10030100", "의류 > 바지"),
    "clothing/dresses": ("0002000100040001|300000131|10040100", "의류 > 원피스"),
    "clothing/skirts": ("0002000100040002|300000132|10040200", "의류 > 스커트"),
    "bags": ("0002000400010000|300000201|17010000", "가방 > 패션가방"),
    "bags/backpacks": ("0002000400010001|300000201|17010100", "가방 > 백팩"),
    "bags/shoulder": ("0002000400010002|300000202|17010200", "가방 > 숄더백"),
    "bags/totes": ("0002000400010003|300000203|17010300", "가방 > 토트백"),
    "bags/crossbody": ("0002000400010004|300000204|17010400", "가방 > 크로스백"),
    "bags/clutches": ("0002000400010005|300000205|17010500", "가방 > 클러치"),
    "accessories": ("0002000500010000|300000301|18010000", "패션잡화 > 잡화"),
    "accessories/wallets": ("0002000500010001|300000301|18010100", "패션잡화 > 지갑"),
    "accessories/hats": ("0002000500020001|300000311|18020100", "패션잡화 > 모자"),
    "accessories/belts": ("0002000500030001|300000321|18030100", "패션잡화 > 벨트"),
    "accessories/scarves": ("0002000500040001|300000331|18040100", "패션잡화 > 스카프/머플러"),
    "accessories/sunglasses": ("0002000500050001|300000341|18050100", "패션잡화 > 선글라스"),
    "accessories/watches": ("0002000600010001|300000401|19010100", "시계 > 패션시계"),
    "accessories/jewelry": ("0002000600020001|300000411|19020100", "주얼리 > 패션주얼리"),
}


@dataclass(frozen=True)
class CategoryCodes:
    """The three codes of one mapping row (``""`` where the row has none)."""

    esm: str = ""
    gmarket: str = ""
    auction: str = ""

    def as_dict(self) -> dict[str, str]:
        return {site: getattr(self, site) for site in SITES if getattr(self, site)}


def codes_parse(code: str) -> CategoryCodes:
    """``"esm|gmarket|auction"`` (parts may be empty) or a plain Gmarket code."""
    parts = [part.strip() for part in (code or "").split("|")]
    if len(parts) == 1:
        return CategoryCodes(gmarket=parts[0])
    parts += [""] * (3 - len(parts))
    return CategoryCodes(*parts[:3])


def categories_ensure() -> tuple[int, int]:
    """Load the shipped mapping (``markets.categories.category_mappings_ensure``): never a
    person's row. Answers (created, updated); safe to call often."""
    from markets.categories import category_mappings_ensure

    counts = category_mappings_ensure(MARKET, DEFAULT_CATEGORIES)
    return counts["created"], counts["updated"]
