"""NORMALIZE: a supplier record as market-neutral facts (``ProductFacts``), the same for every
market: what ``SourceData.normalized`` holds and every market's preparer starts from.

The record is ``SupplierRecord.to_dict()``. A mall's ``raw`` is its ``MallProduct`` (brand,
model number, options with sold-out flags, extras such as season and material); a feed's
``raw`` is the row keyed by its headers ("브랜드", "모델명", "색상", "사이즈", "소재", "원산지").
Nothing here knows a market: a market's own ids, title rules and words come after, in its
preparer. Our category key comes from the supplier's category path and the product name,
by the first rule in ``CATEGORY_RULES`` whose word appears (longest, most specific first).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from markets.contract import FactVariant, ProductFacts, reference_number

_BRACKET_TAG = re.compile(r"^\s*\[([^\]]*)\]\s*")
_SPLIT = re.compile(r"\s*[,/|]\s*")
_OPTION_PAIR = re.compile(r"^(.*?)\s*[-/:_]\s*([^-/:_]+)$")
_SIZE = re.compile(
    r"^(?:X{0,3}S|M|X{0,4}L|F|FREE|ONE ?SIZE|\d{2,3}(?:\.5)?(?:mm|cm)?|\d{2}(?:/\d{2})?|"
    r"[0-9]{1,2}(?:\.5)?)$",
    re.IGNORECASE,
)
_FEED = {
    "brand": ("브랜드", "브랜드명", "brand", "Brand", "BRAND"),
    "model": ("모델명", "모델번호", "품번", "model_number", "model", "Model"),
    "color": ("색상", "컬러", "color", "Color"),
    "size": ("사이즈", "size", "Size"),
    "material": ("소재", "material", "Material"),
    "season": ("시즌", "season", "Season"),
    "gender": ("성별", "gender", "Gender"),
    "origin": ("원산지", "제조국", "origin", "Origin"),
    "list_price": ("정가", "소비자가", "list_price"),
}
_COLOR_NAMES = {"색상", "컬러", "색깔", "color", "colour"}
_SIZE_NAMES = {"사이즈", "size", "치수"}
PROMOTIONAL = ("무료배송", "특가", "세일", "최저가", "당일발송", "할인", "이벤트")

# (word in the category path or name, our category key, notice group): first match wins.
CATEGORY_RULES: tuple[tuple[str, str, str], ...] = (
    ("스니커즈", "shoes/sneakers", "shoes"),
    ("운동화", "shoes/sneakers", "shoes"),
    ("부츠", "shoes/boots", "shoes"),
    ("샌들", "shoes/sandals", "shoes"),
    ("슬리퍼", "shoes/sandals", "shoes"),
    ("로퍼", "shoes", "shoes"),
    ("신발", "shoes", "shoes"),
    ("백팩", "bags/backpacks", "bag"),
    ("크로스백", "bags/shoulder", "bag"),
    ("숄더백", "bags/shoulder", "bag"),
    ("토트백", "bags/totes", "bag"),
    ("가방", "bags", "bag"),
    ("지갑", "accessories/wallets", "fashion_goods"),
    ("볼캡", "accessories/hats", "fashion_goods"),
    ("비니", "accessories/hats", "fashion_goods"),
    ("모자", "accessories/hats", "fashion_goods"),
    ("벨트", "accessories/belts", "fashion_goods"),
    ("시계", "accessories/watches", "fashion_goods"),
    ("액세서리", "accessories", "fashion_goods"),
    ("원피스", "clothing/dresses", "wear"),
    ("스커트", "clothing/dresses", "wear"),
    ("패딩", "clothing/outerwear", "wear"),
    ("코트", "clothing/outerwear", "wear"),
    ("자켓", "clothing/outerwear", "wear"),
    ("재킷", "clothing/outerwear", "wear"),
    ("점퍼", "clothing/outerwear", "wear"),
    ("아우터", "clothing/outerwear", "wear"),
    ("청바지", "clothing/pants", "wear"),
    ("반바지", "clothing/pants", "wear"),
    ("바지", "clothing/pants", "wear"),
    ("팬츠", "clothing/pants", "wear"),
    ("하의", "clothing/pants", "wear"),
    ("티셔츠", "clothing/tops", "wear"),
    ("맨투맨", "clothing/tops", "wear"),
    ("후드", "clothing/tops", "wear"),
    ("셔츠", "clothing/tops", "wear"),
    ("니트", "clothing/tops", "wear"),
    ("가디건", "clothing/tops", "wear"),
    ("상의", "clothing/tops", "wear"),
    ("의류", "clothing", "wear"),
)


class NotAProduct(ValueError):
    """The record cannot be read as a product (no id, name or price): says which field."""


def product_facts(record: Mapping[str, Any], *, supplier: str) -> ProductFacts:
    """The facts of one supplier record; ``NotAProduct`` naming the field when it has none."""
    if not isinstance(record, Mapping):
        raise NotAProduct(f"record: not an object but {type(record).__name__}")
    source_id, name, price = record.get("source_id"), record.get("name"), record.get("price")
    if not isinstance(source_id, str) or not source_id.strip():
        raise NotAProduct("source_id: missing")
    if not isinstance(name, str) or not name.strip():
        raise NotAProduct("name: missing")
    if isinstance(price, bool) or not isinstance(price, int) or price <= 0:
        raise NotAProduct(f"price: {price!r} is not a whole number of won above 0")
    raw = record.get("raw") if isinstance(record.get("raw"), Mapping) else {}
    is_mall = isinstance(raw.get("options"), list) and "product_id" in raw
    extras = raw.get("extras") if is_mall and isinstance(raw.get("extras"), Mapping) else {}
    path = tuple(str(p) for p in record.get("category") or () if p)
    brand = _first(raw, ("brand",)) or _first(raw, _FEED["brand"]) or _tag(name) or ""
    title = _clean_title(name)
    category, group = _category(path, title)
    variants = _variants(record, raw, is_mall)
    colors = tuple(dict.fromkeys(v.color for v in variants if v.color))
    sizes = tuple(dict.fromkeys(v.size for v in variants if v.size))
    images = tuple(
        dict.fromkeys(
            u.strip()
            for u in (record.get("images") or raw.get("image_urls") or ())
            if isinstance(u, str) and u.strip().lower().startswith(("http://", "https://"))
        )
    )
    list_price = _int(extras.get("list_price")) or _int(_first(raw, _FEED["list_price"]))
    return ProductFacts(
        source_key=f"{supplier}:{source_id}",
        reference=reference_number(supplier, source_id),
        title=title,
        description=str(raw.get("description") or "").strip(),
        brand=_brand_text(brand),
        model_number=(_first(raw, ("model_number",)) if is_mall else None)
        or _first(raw, _FEED["model"]),
        category=category,
        category_path=path,
        notice_group=group,
        cost_krw=price,
        list_price_krw=list_price if list_price and list_price >= price else None,
        colors=colors,
        sizes=sizes,
        variants=variants,
        image_urls=images,
        gender=_first(raw, _FEED["gender"]) or (path[0] if path else None),
        material=_first(extras, ("material",)) or _first(raw, _FEED["material"]),
        season=_first(extras, ("season",)) or _first(raw, _FEED["season"]),
        origin=_first(extras, ("origin",)) or _first(raw, _FEED["origin"]),
        sold_out=all(v.sold_out for v in variants) or raw.get("sold_out") is True,
    )


def _first(raw: Mapping[str, Any], keys: Sequence[str]) -> str | None:
    for key in keys:
        value = raw.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def _int(value: Any) -> int | None:
    try:
        number = int(str(value).replace(",", "").strip()) if value is not None else None
    except ValueError:
        return None
    return number if number and number > 0 else None


def _tag(name: str) -> str | None:
    tag = _BRACKET_TAG.match(name)
    return tag[1].strip() or None if tag else None


def _brand_text(brand: str) -> str:
    """ "나이키(NIKE)" -> "NIKE": the Latin name where the supplier gives both."""
    inner = re.search(r"\(([A-Za-z0-9 &.'-]+)\)\s*$", brand)
    return inner[1].strip() if inner else brand.strip()


def _clean_title(name: str) -> str:
    title = name
    for word in PROMOTIONAL:
        title = title.replace(word, " ")
    return " ".join(title.split())


def _category(path: tuple[str, ...], title: str) -> tuple[str, str]:
    text = " ".join((*path, title))
    for word, key, group in CATEGORY_RULES:
        if word in text:
            return key, group
    return "", "etc"


def _variants(record: Mapping[str, Any], raw: Mapping[str, Any], is_mall: bool):
    options = [o for o in record.get("options") or () if isinstance(o, Mapping)]
    raw_options = raw.get("options") if is_mall else None
    same = isinstance(raw_options, list) and len(raw_options) == len(options)
    found: dict[tuple[str, str], FactVariant] = {}
    for index, option in enumerate(options):
        color = size = ""
        for pair in option.get("attributes") or ():
            if isinstance(pair, list | tuple) and len(pair) == 2:
                key = str(pair[0]).strip().lower()
                if key in _COLOR_NAMES and not color:
                    color = str(pair[1]).strip()
                elif key in _SIZE_NAMES and not size:
                    size = str(pair[1]).strip()
        if not color and not size and isinstance(option.get("name"), str):
            color, size = _split_option(option["name"])
        stock = option.get("stock")
        stock = stock if isinstance(stock, int) and not isinstance(stock, bool) else None
        if same and isinstance(raw_options[index], Mapping):
            sold_out = bool(raw_options[index].get("sold_out"))
        else:
            sold_out = stock == 0
        _add(found, FactVariant(color, size, sold_out, stock))
    if not found:
        color = _first(raw, _FEED["color"]) or ""
        stock = record.get("stock")
        stock = stock if isinstance(stock, int) and not isinstance(stock, bool) else None
        sold_out = stock == 0 or raw.get("sold_out") is True
        for size in _SPLIT.split(_first(raw, _FEED["size"]) or "") or [""]:
            _add(found, FactVariant(color, size, sold_out, stock))
    return tuple(found.values())


def _add(found: dict, variant: FactVariant) -> None:
    key = (variant.color, variant.size)
    old = found.get(key)
    if old is not None:  # the same pair twice: in stock if either row is
        stock = None if old.stock is None or variant.stock is None else old.stock + variant.stock
        variant = FactVariant(variant.color, variant.size, old.sold_out and variant.sold_out, stock)
    found[key] = variant


def _split_option(text: str) -> tuple[str, str]:
    """A feed option written as one text: "블랙-M", "Black / 95", "M" or "블랙"."""
    text = text.strip()
    pair = _OPTION_PAIR.match(text)
    if pair and _SIZE.match(pair[2].strip()):
        return pair[1].strip(), pair[2].strip()
    if _SIZE.match(text):
        return "", text
    return text, ""
