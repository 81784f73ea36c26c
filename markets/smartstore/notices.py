"""상품정보제공고시 (the product-information notice Korean law requires), per notice group.

Naver wants one notice object per product, of the type its group calls for (POST /v2/products,
``productInfoProvidedNotice``; fields and lengths in ``contract.NOTICE_FIELDS``). The facts fill
what they know (material, colours, sizes, brand as manufacturer, model number); every other
required field says ``상세페이지 참조`` ("see the product page"), which Naver accepts for the
fields it does not check. The five refund clauses are left out: Naver fills them with the same
text when they are missing.
"""

from __future__ import annotations

from typing import Any

from markets.contract import ProductFacts

from . import contract

SEE_PAGE = "상세페이지 참조"

# our notice group -> Naver's productInfoProvidedNoticeType
GROUP_TYPES = {
    "wear": "WEAR",
    "clothing": "WEAR",
    "shoes": "SHOES",
    "bag": "BAG",
    "bags": "BAG",
    "fashion_goods": "FASHION_ITEMS",
    "accessories": "FASHION_ITEMS",
    "jewelry": "JEWELLERY",
    "jewellery": "JEWELLERY",
    "watch": "JEWELLERY",
    "etc": "ETC",
}


def _joined(values: tuple[str, ...], limit: int) -> str:
    text = ", ".join(v for v in values if v)
    return text[:limit] if text else SEE_PAGE


def notice_for(facts: ProductFacts, kind_label: str = "") -> dict[str, Any]:
    """The notice object for ``facts`` (``kind_label``: the category's own word, for ``type``)."""
    notice_type = GROUP_TYPES.get((facts.notice_group or "").lower(), "ETC")
    key, fields = contract.NOTICE_FIELDS[notice_type]
    known = {
        "material": facts.material,
        "color": _joined(facts.colors, 200),
        "size": _joined(facts.sizes, 200),
        "manufacturer": facts.brand,
        "type": kind_label,
        "itemName": facts.title,
        "modelName": facts.model_number or facts.title,
    }
    values = {}
    for name, limit in fields.items():
        value = (known.get(name) or "").strip() or SEE_PAGE
        values[name] = value[:limit]
    if notice_type == "WEAR":
        values["packDateText"] = SEE_PAGE
    if notice_type == "ETC":
        values["afterServiceDirector"] = SEE_PAGE
    return {"productInfoProvidedNoticeType": notice_type, key: values}


def origin_area_for(origin: str | None) -> dict[str, Any]:
    """원산지 from the supplier's words: Korean-made is 국산 (``00``); any other country is
    typed in (``04`` with the text, as Naver's origin-area codes need the code API to map a
    country); unknown is ``03`` (shown on the product page)."""
    text = (origin or "").strip()
    if not text:
        return {"originAreaCode": "03"}
    if text in ("한국", "대한민국", "국내", "국산", "Korea", "South Korea", "KR"):
        return {"originAreaCode": "00"}
    return {"originAreaCode": "04", "content": text[:200]}
