"""The bulk-upload workbook: the header row and one row per listing with its values."""

from __future__ import annotations

import dataclasses

from openpyxl import load_workbook

from markets.gmarket.export import HEADERS
from markets.listing import ListingVariant


def test_export_writes_the_headers_and_a_row_per_listing(connector, content, tmp_path):
    sold_out = dataclasses.replace(
        content,
        reference_number="okmall-814102",
        price=99000,
        variants=(
            ListingVariant((("color", "화이트"), ("size", "260")), "out_of_stock", 0),
            ListingVariant((("color", "화이트"), ("size", "270")), "purchase_for_order"),
        ),
    )
    path = tmp_path / "esm" / "upload.xlsx"
    assert connector.export([content, sold_out], path) == 2
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADERS
    assert len(rows) == 3
    first = dict(zip(HEADERS, rows[1], strict=True))
    assert first["판매자관리코드"] == "okmall-814101"
    assert first["판매사이트"] == "G마켓,옥션"
    assert first["상품명"] == content.name
    assert first["ESM카테고리코드"] == "0002000300010001"
    assert first["G마켓카테고리코드"] == "300000021"
    assert first["옥션카테고리코드"] == "16120200"
    assert first["판매가"] == 129000
    assert first["재고수량"] == 8
    assert first["옵션유형"] == "조합형"
    assert first["옵션명"] == "색상,사이즈"
    assert first["옵션값"] == "화이트,260:5|화이트,270:3"
    assert first["대표이미지"] == "https://img.example.com/a/1.jpg"
    assert first["추가이미지"] == "https://img.example.com/a/2.jpg"
    assert first["상품정보제공고시번호"] == 3
    assert first["출하지번호"] == 1201
    second = dict(zip(HEADERS, rows[2], strict=True))
    assert second["옵션값"] == "화이트,260:0|화이트,270:99"
    assert second["재고수량"] == 99
    assert second["판매가"] == 99000
