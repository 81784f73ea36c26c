"""The WING bulk-upload file: one row per option, Coupang's field labels as headers."""

from __future__ import annotations

from openpyxl import load_workbook

from markets.coupang.export import HEADERS

from .conftest import NOTICES, make_content


def test_export_writes_one_row_per_option_with_the_listing_values(connector, tmp_path):
    first = make_content("ref-a")
    second = make_content("ref-b", name="아디다스 삼바 OG B75806", price=119000, list_price=None)
    path = tmp_path / "out" / "coupang.xlsx"
    assert connector.export([first, second], path) == 2
    sheet = load_workbook(path).worksheets[0]
    assert sheet.title == "상품등록"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADERS
    data = [dict(zip(HEADERS, row, strict=False)) for row in rows[1:]]
    assert len(data) == 4  # two options each
    assert [row["등록상품명"] for row in data] == [first.name] * 2 + [second.name] * 2
    assert data[0]["판매가격"] == 129000 and data[0]["할인율기준가"] == 139000
    assert data[2]["판매가격"] == 119000 and data[2]["할인율기준가"] == 119000
    assert data[0]["노출카테고리코드"] == 69183
    assert data[0]["업체상품옵션명"] == "블랙 250" and data[0]["판매가능수량"] == 3
    assert data[1]["판매가능수량"] == 99  # bought after the order: the default stock
    assert {row["업체상품코드"] for row in data[:2]} >= {"ref-a"}
    assert data[0]["대표이미지"] == first.images[0]
    assert data[0]["추가이미지"] == first.images[1]
    assert data[0]["상품고시정보카테고리"] == "구두/신발"
    assert data[0]["상품고시정보항목1"] == NOTICES[0]["noticeCategoryDetailName"]
    assert data[0]["상품고시정보값1"] == NOTICES[0]["content"]
    assert data[0]["출고지주소코드"] == 74010 and data[0]["택배사코드"] == "CJGLS"
