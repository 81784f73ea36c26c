"""The product-information notice (상품정보제공고시) ESM requires on every listing, by group.

The items per group are the Fair Trade Commission's notice (전자상거래 등에서의 상품 등의 정보제공에
관한 고시): 의류, 구두/신발, 가방, 패션잡화, 시계/귀금속, 기타 재화. ESM takes them as
``officialNotice: {"officialNoticeNo": n, "details": [{"officialNoticeItemelementCode", "value"}]}``
(https://etapi.gmarket.com/140); the group numbers and item codes are read from
``GET /item/v1/official-notice/groups`` and ``.../groups/{officialNoticeNo}/codes``. The numbers
and codes below are NOT verified (codes are ``"<group>-<item>"`` placeholders): check them with
those calls before going live. Items are filled from the product's facts; what the facts do
not say is "상세페이지 참조" (see the detail page), which the notice allows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markets.contract import ProductFacts

SEE_DETAIL = "상세페이지 참조"


@dataclass(frozen=True)
class NoticeItem:
    code: str
    label: str
    fill: Callable[[ProductFacts], str | None] | None = None


def _material(f: ProductFacts) -> str | None:
    return f.material


def _colors(f: ProductFacts) -> str | None:
    return ", ".join(c for c in f.colors if c) or None


def _sizes(f: ProductFacts) -> str | None:
    return ", ".join(s for s in f.sizes if s) or None


def _maker(f: ProductFacts) -> str | None:
    return f"{f.brand} (수입: 판매자)" if f.brand else None


def _origin(f: ProductFacts) -> str | None:
    return f.origin


def _name_model(f: ProductFacts) -> str | None:
    return f"{f.title} / {f.model_number}" if f.model_number else f.title or None


def _group(no: int, items: list[tuple[str, Any]]) -> tuple[int, tuple[NoticeItem, ...]]:
    return no, tuple(
        NoticeItem(f"{no}-{index}", label, fill) for index, (label, fill) in enumerate(items, 1)
    )


_CARE = ("취급시 주의사항", None)
_WARRANTY = ("품질보증기준", None)
_AS = ("A/S 책임자와 전화번호", None)

# notice group (ProductFacts.notice_group) -> (officialNoticeNo, items)
NOTICE_GROUPS: dict[str, tuple[int, tuple[NoticeItem, ...]]] = {
    "wear": _group(
        1,
        [
            ("제품 소재", _material),
            ("색상", _colors),
            ("치수", _sizes),
            ("제조자, 수입품의 경우 수입자를 함께 표기", _maker),
            ("제조국", _origin),
            ("세탁방법 및 취급시 주의사항", None),
            ("제조연월", None),
            _WARRANTY,
            _AS,
        ],
    ),
    "shoes": _group(
        2,
        [
            ("제품 주소재", _material),
            ("색상", _colors),
            ("치수", _sizes),
            ("제조자, 수입품의 경우 수입자를 함께 표기", _maker),
            ("제조국", _origin),
            _CARE,
            _WARRANTY,
            _AS,
        ],
    ),
    "bag": _group(
        3,
        [
            ("종류", None),
            ("소재", _material),
            ("색상", _colors),
            ("크기", _sizes),
            ("제조자, 수입품의 경우 수입자를 함께 표기", _maker),
            ("제조국", _origin),
            _CARE,
            _WARRANTY,
            _AS,
        ],
    ),
    "fashion_goods": _group(
        4,
        [
            ("종류", None),
            ("소재", _material),
            ("치수", _sizes),
            ("제조자, 수입품의 경우 수입자를 함께 표기", _maker),
            ("제조국", _origin),
            _CARE,
            _WARRANTY,
            _AS,
        ],
    ),
    "jewelry": _group(
        6,
        [
            ("소재/순도/밴드재질", _material),
            ("중량", None),
            ("제조자, 수입품의 경우 수입자를 함께 표기", _maker),
            ("제조국", _origin),
            ("치수", _sizes),
            ("착용시 주의사항", None),
            ("주요 사양", None),
            ("보증서 제공여부", None),
            _WARRANTY,
            _AS,
        ],
    ),
    "etc": _group(
        35,
        [
            ("품명 및 모델명", _name_model),
            ("법에 의한 인증·허가 등을 받았음을 확인할 수 있는 경우 그에 대한 사항", None),
            ("제조국 또는 원산지", _origin),
            ("제조자, 수입품의 경우 수입자를 함께 표기", _maker),
            ("A/S 책임자와 전화번호 또는 소비자상담 관련 전화번호", None),
        ],
    ),
}
FALLBACK_GROUP = "etc"


def notice_for(facts: ProductFacts) -> tuple[dict[str, Any], str]:
    """The ``officialNotice`` of this product and the group used (``etc`` for a group we do
    not know); every item has a value."""
    group = facts.notice_group if facts.notice_group in NOTICE_GROUPS else FALLBACK_GROUP
    number, items = NOTICE_GROUPS[group]
    details = []
    for item in items:
        value = (item.fill(facts) if item.fill else None) or SEE_DETAIL
        details.append(
            {"officialNoticeItemelementCode": item.code, "label": item.label, "value": value}
        )
    return {"officialNoticeNo": number, "details": details}, group
