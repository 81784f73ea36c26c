"""The bulk-upload workbook, opened again with openpyxl."""

from __future__ import annotations

import dataclasses

from openpyxl import load_workbook

from markets.listing import ListingVariant
from markets.smartstore.export import GROUP_TITLE, HEADERS

from .conftest import content_for


def test_the_workbook_has_the_template_s_headers_and_one_row_per_product(
    connector, server, tmp_path
):
    first = content_for(server, "ss-0001")
    second = dataclasses.replace(
        content_for(server, "ss-0002", price=59_000, options=()),
        variants=(ListingVariant((), "stock_in_hand", 4),),
    )
    path = tmp_path / "out" / "upload.xlsx"
    assert connector.export([first, second], path) == 2
    sheet = load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == GROUP_TITLE
    assert rows[1] == HEADERS
    assert len(rows) == 4
    one = dict(zip(HEADERS, rows[2], strict=True))
    assert one["판매자 상품코드"] == "ss-0001"
    assert one["카테고리코드"] == 50000788
    assert one["상품명"] == first.name
    assert one["판매가"] == 139_000
    assert one["재고수량"] == 20
    assert one["옵션형태"] == "조합형"
    assert one["옵션명"] == "색상\n사이즈"
    assert one["옵션값"] == "블랙,화이트\n250,260"
    assert one["옵션 재고수량"] == "5,5,5,5"
    assert one["대표이미지"] == first.images[0]
    assert one["택배사코드"] == "CJGLS"
    assert one["A/S 전화번호"] == "02-1234-5678"
    assert one["상품정보제공고시 모델명"] == "CW2288-111"
    two = dict(zip(HEADERS, rows[3], strict=True))
    assert (two["판매자 상품코드"], two["판매가"], two["재고수량"], two["옵션형태"]) == (
        "ss-0002",
        59_000,
        4,
        None,
    )
