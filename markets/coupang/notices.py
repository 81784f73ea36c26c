"""The product-information notices (상품정보제공고시) Coupang requires on every item, by our
notice group, filled from the product's facts.

Coupang takes the notice groups of the Korean e-commerce notice rules (전자상거래 등에서의
상품 등의 정보제공에 관한 고시), named as its category meta API names them
(``GET .../meta/category-related-metas/display-category-codes/{code}`` gives each category's
``noticeCategories`` and their detail names). The detail names below follow those rules; their
exact spelling per category is not verified and the meta API is the judge (docs).

Where the facts have nothing, the content is ``상세페이지 참조`` ("see the detail page"), which
Coupang accepts for a notice the detail page answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from markets.contract import ProductFacts

SEE_DETAIL = "상세페이지 참조"
AFTER_SERVICE = "A/S 책임자와 전화번호"

Fill = Callable[[ProductFacts], str | None]


def _joined(values) -> str | None:
    return ", ".join(v for v in values if v) or None


def _kind(facts: ProductFacts) -> str | None:
    return facts.category_path[-1] if facts.category_path else None


def _maker(facts: ProductFacts) -> str | None:
    return facts.brand or None


def _model(facts: ProductFacts) -> str | None:
    return " ".join(part for part in (facts.title, facts.model_number) if part) or None


MATERIAL: Fill = lambda f: f.material  # noqa: E731
COLORS: Fill = lambda f: _joined(f.colors)  # noqa: E731
SIZES: Fill = lambda f: _joined(f.sizes)  # noqa: E731
ORIGIN: Fill = lambda f: f.origin  # noqa: E731
NOTHING: Fill = lambda f: None  # noqa: E731

# our notice group -> (Coupang's notice category name, [(detail name, how to fill)])
NOTICE_GROUPS: dict[str, tuple[str, list[tuple[str, Fill]]]] = {
    "wear": (
        "의류",
        [
            ("제품 소재", MATERIAL),
            ("색상", COLORS),
            ("치수", SIZES),
            ("제조자(수입자)", _maker),
            ("제조국", ORIGIN),
            ("세탁방법 및 취급시 주의사항", NOTHING),
            ("제조연월", NOTHING),
            ("품질보증기준", NOTHING),
            (AFTER_SERVICE, NOTHING),
        ],
    ),
    "shoes": (
        "구두/신발",
        [
            ("제품 주소재", MATERIAL),
            ("색상", COLORS),
            ("치수", SIZES),
            ("제조자(수입자)", _maker),
            ("제조국", ORIGIN),
            ("취급시 주의사항", NOTHING),
            ("품질보증기준", NOTHING),
            (AFTER_SERVICE, NOTHING),
        ],
    ),
    "bag": (
        "가방",
        [
            ("종류", _kind),
            ("소재", MATERIAL),
            ("색상", COLORS),
            ("크기", SIZES),
            ("제조자(수입자)", _maker),
            ("제조국", ORIGIN),
            ("취급시 주의사항", NOTHING),
            ("품질보증기준", NOTHING),
            (AFTER_SERVICE, NOTHING),
        ],
    ),
    "fashion_goods": (
        "패션잡화(모자/벨트/액세서리)",
        [
            ("종류", _kind),
            ("소재", MATERIAL),
            ("치수", SIZES),
            ("제조자(수입자)", _maker),
            ("제조국", ORIGIN),
            ("취급시 주의사항", NOTHING),
            ("품질보증기준", NOTHING),
            (AFTER_SERVICE, NOTHING),
        ],
    ),
    "jewelry": (
        "귀금속/보석/시계류",
        [
            ("소재/순도/밴드재질", MATERIAL),
            ("중량", NOTHING),
            ("제조자(수입자)", _maker),
            ("제조국", ORIGIN),
            ("치수", SIZES),
            ("착용 시 주의사항", NOTHING),
            ("주요 사양", NOTHING),
            ("보증서 제공여부", NOTHING),
            ("품질보증기준", NOTHING),
            (AFTER_SERVICE, NOTHING),
        ],
    ),
    "etc": (
        "기타 재화",
        [
            ("품명 및 모델명", _model),
            ("인증/허가 사항", NOTHING),
            ("제조국(원산지)", ORIGIN),
            ("제조자(수입자)", _maker),
            (AFTER_SERVICE, NOTHING),
        ],
    ),
}
# Coupang's option attribute names by notice group (the category meta API's attribute types).
OPTION_NAMES: dict[str, dict[str, str]] = {
    "wear": {"color": "색상", "size": "의류 사이즈"},
    "shoes": {"color": "색상", "size": "신발 사이즈"},
    "bag": {"color": "색상", "size": "사이즈"},
    "fashion_goods": {"color": "색상", "size": "사이즈"},
    "jewelry": {"color": "색상", "size": "사이즈"},
    "etc": {"color": "색상", "size": "사이즈"},
}


def notice_group(facts: ProductFacts) -> str:
    """The facts' group when we know it, else ``etc`` (기타 재화)."""
    return facts.notice_group if facts.notice_group in NOTICE_GROUPS else "etc"


def notices_for(facts: ProductFacts) -> list[dict[str, str]]:
    """Every notice of the facts' group, ``상세페이지 참조`` where the facts have nothing."""
    category, details = NOTICE_GROUPS[notice_group(facts)]
    return [
        {
            "noticeCategoryName": category,
            "noticeCategoryDetailName": name,
            "content": (fill(facts) or "").strip() or SEE_DETAIL,
        }
        for name, fill in details
    ]


def after_service_filled(
    notices: list[Mapping[str, Any]], settings: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """``notices`` with the account's A/S contact (setting ``after_service_contact``) in the
    A/S notice, when the account gives one."""
    contact = str(settings.get("after_service_contact") or "").strip()
    return [
        {**n, "content": contact}
        if contact and n.get("noticeCategoryDetailName") == AFTER_SERVICE
        else dict(n)
        for n in notices
    ]
