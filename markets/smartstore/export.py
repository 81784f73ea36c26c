"""The SmartStore bulk-upload workbook (Seller Center: 상품관리 > 상품 일괄등록).

Layout: the Seller Center's downloadable template has a group title in row 1 (``상품 기본정보``),
the column headers in row 2, one product per row from row 3; options go in the product's row
as 조합형 (option names one per line, each option's values comma-separated one line per name,
then one price and one stock count per combination, in the order of the values). The column
headers below are the template's as far as public sources show (integrations that fill the
template reproduce the same list); they were not checked against a freshly downloaded
template, and the template's later columns (discounts, points, books, sizes) are left blank.
Images are written as URLs; the Seller Center may ask for uploaded file names instead (not
verified).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import product
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from markets.listing import ListingContent

from . import payload

HEADERS = (
    "판매자 상품코드", "카테고리코드", "상품명", "상품상태", "판매가", "부가세", "재고수량",
    "옵션형태", "옵션명", "옵션값", "옵션가", "옵션 재고수량", "직접입력 옵션", "추가상품명",
    "추가상품값", "추가상품가", "추가상품 재고수량", "대표이미지", "추가이미지", "상세설명",
    "브랜드", "제조사", "제조일자", "유효일자", "원산지코드", "수입사", "복수원산지여부",
    "원산지 직접입력", "미성년자 구매", "배송비 템플릿코드", "배송방법", "택배사코드",
    "배송비유형", "기본배송비", "배송비 결제방식", "조건부무료- 상품판매가 합계",
    "수량별부과-수량", "구간별- 2구간수량", "구간별- 3구간수량", "구간별- 3구간배송비",
    "구간별- 추가배송비", "반품배송비", "교환배송비", "지역별 차등 배송비", "별도설치비",
    "상품정보제공고시 템플릿코드", "상품정보제공고시 품명", "상품정보제공고시 모델명",
    "상품정보제공고시 인증허가사항", "상품정보제공고시 제조자", "A/S 템플릿코드",
    "A/S 전화번호", "A/S 안내", "판매자특이사항",
)  # fmt: skip
GROUP_TITLE = "상품 기본정보"
FEE_TYPES = {"FREE": "무료", "PAID": "유료", "CONDITIONAL_FREE": "조건부 무료"}


def options_cells(content: ListingContent) -> dict[str, Any]:
    """옵션형태 / 옵션명 / 옵션값 / 옵션가 / 옵션 재고수량 of one product (blank without options)."""
    kinds = payload.option_types(content)
    if not kinds:
        return {}
    values = {
        kind: list(dict.fromkeys(dict(v.options).get(kind, "") for v in content.variants))
        for kind in kinds
    }
    stock = {
        tuple(dict(v.options).get(k, "") for k in kinds): payload.variant_stock(v)
        for v in content.variants
    }
    combinations = list(product(*(values[k] for k in kinds)))
    return {
        "옵션형태": "조합형",
        "옵션명": "\n".join(payload.OPTION_GROUP_NAMES[k] for k in kinds),
        "옵션값": "\n".join(",".join(values[k]) for k in kinds),
        "옵션가": ",".join("0" for _ in combinations),
        "옵션 재고수량": ",".join(str(stock.get(c, 0)) for c in combinations),
    }


def row_for(content: ListingContent, settings: Mapping[str, Any]) -> dict[str, Any]:
    """One product's cells by header (the same values the API body carries)."""
    body = payload.product_body(content, settings, {}, create=True)["originProduct"]
    delivery = body["deliveryInfo"]
    fee = delivery["deliveryFee"]
    origin = body["detailAttribute"]["originAreaInfo"]
    notice = content.extra.get("notice") or {}
    notice_values = next((v for v in notice.values() if isinstance(v, Mapping)), {})
    return {
        "판매자 상품코드": content.reference_number,
        "카테고리코드": content.category_id,
        "상품명": content.name,
        "상품상태": "신상품",
        "판매가": content.price,
        "부가세": "과세상품",
        "재고수량": body["stockQuantity"],
        **options_cells(content),
        "대표이미지": content.images[0] if content.images else None,
        "추가이미지": "\n".join(content.images[1:10]) or None,
        "상세설명": body["detailContent"],
        "브랜드": content.brand_name or None,
        "제조사": content.extra.get("manufacturer") or None,
        "원산지코드": origin["originAreaCode"],
        "수입사": origin.get("importer") or None,
        "복수원산지여부": "N",
        "미성년자 구매": "Y" if body["detailAttribute"]["minorPurchasable"] else "N",
        "배송방법": "택배, 소포, 등기",
        "택배사코드": delivery["deliveryCompany"] or None,
        "배송비유형": FEE_TYPES.get(fee["deliveryFeeType"], fee["deliveryFeeType"]),
        "기본배송비": fee.get("baseFee", 0),
        "배송비 결제방식": "선결제" if fee.get("baseFee") else None,
        "조건부무료- 상품판매가 합계": fee.get("freeConditionalAmount"),
        "반품배송비": delivery["claimDeliveryInfo"]["returnDeliveryFee"],
        "교환배송비": delivery["claimDeliveryInfo"]["exchangeDeliveryFee"],
        "별도설치비": "N",
        "상품정보제공고시 품명": notice_values.get("itemName") or content.name[:50],
        "상품정보제공고시 모델명": notice_values.get("modelName")
        or content.model_no
        or "상세페이지 참조",
        "상품정보제공고시 제조자": notice_values.get("manufacturer") or "상세페이지 참조",
        "A/S 전화번호": settings.get("after_service_telephone") or None,
        "A/S 안내": settings.get("after_service_guide") or None,
    }


def workbook_write(
    contents: Sequence[ListingContent], path: Path, settings: Mapping[str, Any]
) -> int:
    """Write the workbook to ``path``; the number of product rows written."""
    book = Workbook()
    sheet = book.active
    sheet.title = "일괄등록"
    sheet.append([GROUP_TITLE])
    sheet.append(list(HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for content in contents:
        cells = row_for(content, settings)
        sheet.append([cells.get(header) for header in HEADERS])
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, str) and "\n" in cell.value:
                cell.alignment = Alignment(wrap_text=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return len(contents)
