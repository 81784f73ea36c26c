"""The bulk-upload Excel file for Coupang WING (상품 일괄등록), one row per option.

WING's own template (downloaded per category from WING > 상품관리 > 상품 일괄등록) is not
published; its columns follow the seller-product fields of the Open API create call
(developers.coupangcorp.com/hc/ko/articles/360033877853), named with those fields' Korean
labels, one row per option with the product's columns repeated, as WING's template lays
options out. Before an upload, copy the rows into the template WING gives for the category
(docs/markets/coupang.md, "Export"): the column set and order here are not verified.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from markets.listing import ListingContent

from . import payload

NOTICE_COLUMNS = 12
PRODUCT_COLUMNS = (
    ("노출카테고리코드", lambda b, i: b["displayCategoryCode"]),
    ("등록상품명", lambda b, i: b["sellerProductName"]),
    ("노출상품명", lambda b, i: b["displayProductName"]),
    ("브랜드", lambda b, i: b["brand"]),
    ("판매시작일시", lambda b, i: b["saleStartedAt"]),
    ("판매종료일시", lambda b, i: b["saleEndedAt"]),
    ("업체상품옵션명", lambda b, i: i["itemName"]),
    ("판매가격", lambda b, i: i["salePrice"]),
    ("할인율기준가", lambda b, i: i["originalPrice"]),
    ("판매가능수량", lambda b, i: i["maximumBuyCount"]),
    ("인당최대구매수량", lambda b, i: i["maximumBuyForPerson"]),
    ("최대구매수량기간(일)", lambda b, i: i["maximumBuyForPersonPeriod"]),
    ("기준출고일(일)", lambda b, i: i["outboundShippingTimeDay"]),
    ("19세이상", lambda b, i: i["adultOnly"]),
    ("과세여부", lambda b, i: i["taxType"]),
    ("병행수입여부", lambda b, i: i["parallelImported"]),
    ("해외구매대행여부", lambda b, i: i["overseasPurchased"]),
    ("업체상품코드", lambda b, i: i["externalVendorSku"]),
    ("모델번호", lambda b, i: i["modelNo"]),
    ("바코드", lambda b, i: i["barcode"]),
    ("바코드없음사유", lambda b, i: i["emptyBarcodeReason"]),
    ("검색어", lambda b, i: ",".join(i["searchTags"])),
    ("옵션(속성)", lambda b, i: _attributes(i)),
    ("대표이미지", lambda b, i: _image(i, "REPRESENTATION")),
    ("추가이미지", lambda b, i: _image(i, "DETAIL")),
    ("상세설명", lambda b, i: i["contents"][0]["contentDetails"][0]["content"]),
    ("배송방법", lambda b, i: b["deliveryMethod"]),
    ("택배사코드", lambda b, i: b["deliveryCompanyCode"]),
    ("배송비종류", lambda b, i: b["deliveryChargeType"]),
    ("기본배송비", lambda b, i: b["deliveryCharge"]),
    ("조건부무료", lambda b, i: b["freeShipOverAmount"]),
    ("초도반품배송비", lambda b, i: b["deliveryChargeOnReturn"]),
    ("반품배송비", lambda b, i: b["returnCharge"]),
    ("도서산간배송여부", lambda b, i: b["remoteAreaDeliverable"]),
    ("묶음배송여부", lambda b, i: b["unionDeliveryType"]),
    ("출고지주소코드", lambda b, i: b["outboundShippingPlaceCode"]),
    ("반품지센터코드", lambda b, i: b["returnCenterCode"]),
    ("상품고시정보카테고리", lambda b, i: _notice_category(i)),
)
HEADERS = tuple(name for name, _ in PRODUCT_COLUMNS) + tuple(
    header
    for n in range(1, NOTICE_COLUMNS + 1)
    for header in (f"상품고시정보항목{n}", f"상품고시정보값{n}")
)


def workbook_write(
    contents: Sequence[ListingContent], settings: Mapping[str, Any], path: Path
) -> int:
    """Write ``contents`` to ``path`` (xlsx); answers how many listings were written."""
    book = Workbook()
    sheet = book.active
    sheet.title = "상품등록"
    sheet.append(HEADERS)
    for content in contents:
        body = payload.product_body(content, settings)
        for item in body["items"]:
            row = [column(body, item) for _, column in PRODUCT_COLUMNS]
            for notice in item["notices"][:NOTICE_COLUMNS]:
                row += [notice["noticeCategoryDetailName"], notice["content"]]
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return len(contents)


def _attributes(item: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{a['attributeTypeName']}:{a['attributeValueName']}" for a in item["attributes"]
    )


def _image(item: Mapping[str, Any], kind: str) -> str:
    return ",".join(i["vendorPath"] for i in item["images"] if i["imageType"] == kind)


def _notice_category(item: Mapping[str, Any]) -> str:
    notices = item["notices"]
    return notices[0]["noticeCategoryName"] if notices else ""
