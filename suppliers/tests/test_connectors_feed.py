"""Kinds ``excel`` and ``csv``: real .xlsx and .csv files built in tmp_path, and a feed by URL.

The same rows (Korean headers, good rows and broken ones) are written as .xlsx, UTF-8 CSV with
a BOM, and CP949 CSV; each broken row must be reported once, with its row number, column, value
and reason, and the good rows must come through.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from suppliers.connectors import AuthError, ConfigError, SourceError, StockInfo, connector_for
from suppliers.connectors.contract import parse_count, parse_won
from suppliers.connectors.testing import ConnectorContract, read_all, source_ids
from suppliers.tests.local_servers import RestApi

TOKEN = "feed-token-3c71d0a9"
WRONG_TOKEN = "feed-wrong-token-88e2"
COLUMNS = {
    "상품코드": "source_id",
    "상품명": "name",
    "판매가": "price",
    "재고": "stock",
    "이미지": "images",
    "카테고리": "category",
}
HEADER = ["상품코드", "상품명", "판매가", "재고", "이미지", "카테고리", "브랜드"]
ROWS = [  # spreadsheet row numbers start at 2 (the header is row 1)
    [
        "A001",
        "무선 이어폰",
        12000,
        5,
        "https://img.example.com/a1.jpg|https://img.example.com/a2.jpg",
        "전자 > 음향",
        "소닉",
    ],
    [
        "A002",
        "보온 텀블러",
        "12,000원",
        "품절",
        "https://img.example.com/b.jpg, https://img.example.com/c.jpg",
        "주방",
        None,
    ],
    ["A003", "요가매트", "문의", 3, None, None, None],
    ["A004", "목베개", None, 8, None, None, None],
    ["A001", "다른 이어폰", 9000, 1, None, None, None],
    [None, None, None, None, None, None, None],  # blank: skipped, not reported
    ["A005", None, 5000, 2, None, None, None],
    ["A006", "청소포", 3200, "-1", None, None, None],
    ["A007", "디퓨저", 14500.0, 7, None, None, None],
    [None, "코드 없는 상품", 1000, 1, None, None, None],
    ["A008", "차량 거치대", "￦4,100", "12개", None, None, None],
    ["A009", "독서등", 0, 4, None, None, None],
    ["A010", "요가 블록", "12000.5", 4, None, None, None],
    [1001, "숫자 코드 상품", 7700, None, None, None, None],
    ["A011", "수납함", 5500, 10, None, None, "정리왕"],
]
GOOD_IDS = ["A001", "A002", "A007", "A008", "1001", "A011"]
REJECTED = [  # (row, column, value, reason)
    (4, "판매가", "문의", "price not a number"),
    (5, "판매가", None, "missing price"),
    (6, "상품코드", "A001", "duplicate product code, first seen in row 2"),
    (8, "상품명", None, "missing name"),
    (9, "재고", "-1", "stock must not be negative"),
    (11, "상품코드", None, "missing product code"),
    (13, "판매가", "0", "price must be above 0"),
    (14, "판매가", "12000.5", "price not a whole number of won"),
]


def write_xlsx(path, rows, header=HEADER, *, before=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "상품목록"
    for row in [*before, header, *rows]:
        sheet.append(list(row))
    workbook.save(path)
    return path


def csv_text(rows, header=HEADER) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in [header, *rows]:
        writer.writerow(["" if cell is None else cell for cell in row])
    return out.getvalue()


def write_csv(path, rows, encoding, header=HEADER):
    path.write_bytes(csv_text(rows, header).encode(encoding))
    return path


def feed(kind, source, **settings):
    return connector_for(
        kind, {"source": str(source), "columns": COLUMNS, **settings}, {"token": TOKEN}
    )


def everything(connector):
    pages = read_all(connector)
    records = [r for page in pages for r in page.records]
    rejected = [(r.row, r.column, r.value, r.reason) for page in pages for r in page.rejected]
    return records, rejected


# ROWS as a legacy Excel 97-2003 workbook (BIFF8, written by xlwt): openpyxl cannot read it.
LEGACY_XLS = Path(__file__).parent / "fixtures" / "feeds" / "products.xls"


@pytest.fixture(params=["xlsx", "xls", "csv utf-8-sig", "csv cp949"])
def feed_file(request, tmp_path):
    """(kind, path) of the same rows in each file format a supplier sends."""
    if request.param == "xlsx":
        return "excel", write_xlsx(tmp_path / "products.xlsx", ROWS)
    if request.param == "xls":
        path = tmp_path / "products.xls"
        path.write_bytes(LEGACY_XLS.read_bytes())
        return "excel", path
    encoding = request.param.split()[1]
    return "csv", write_csv(tmp_path / f"products-{encoding}.csv", ROWS, encoding)


def test_every_bad_row_is_reported_once_and_good_rows_come_through(feed_file):
    kind, path = feed_file
    with feed(kind, path, page_size=4) as connector:
        records, rejected = everything(connector)
    assert [r.source_id for r in records] == GOOD_IDS
    assert rejected == REJECTED


def test_values_are_normalized(feed_file):
    kind, path = feed_file
    with feed(kind, path) as connector:
        records = {r.source_id: r for r in connector.read(None).records}
    first, tumbler = records["A001"], records["A002"]
    assert (first.name, first.price, first.stock) == ("무선 이어폰", 12000, 5)
    assert first.images == ("https://img.example.com/a1.jpg", "https://img.example.com/a2.jpg")
    assert first.category == ("전자", "음향")
    assert first.raw["브랜드"] == "소닉"  # unmapped columns stay in raw
    assert (tumbler.price, tumbler.stock) == (12000, 0)  # "12,000원", "품절"
    assert tumbler.images == ("https://img.example.com/b.jpg", "https://img.example.com/c.jpg")
    assert (records["A007"].price, records["A008"].price, records["A008"].stock) == (
        14500,
        4100,
        12,
    )
    assert records["1001"].stock is None


def test_page_size_does_not_change_what_is_read(feed_file):
    kind, path = feed_file
    with feed(kind, path, page_size=1000) as whole, feed(kind, path, page_size=2) as paged:
        assert everything(whole) == everything(paged)
        assert len(read_all(paged)) == 7  # 15 rows, the blank one skipped: 14 in pages of 2


def test_read_stock_reads_the_stock_column(feed_file):
    kind, path = feed_file
    with feed(kind, path) as connector:
        stock = connector.read_stock(["A001", "A002", "1001", "A003", "ZZZ"])
    assert stock == {
        "A001": StockInfo(available=True, quantity=5, price=12000),
        "A002": StockInfo(available=False, quantity=0, price=12000),
        "1001": StockInfo(available=True, quantity=None, price=7700),
    }


# --- encodings -----------------------------------------------------------------------------


def test_undecodable_csv_lines_are_reported_with_their_row_and_the_rest_goes_on(tmp_path):
    lines = csv_text(ROWS[:2]).encode("utf-8-sig").split(b"\r\n")
    # Row 4: a line saved as CP949 inside a UTF-8 file (readable); row 5: bytes that are
    # neither UTF-8 nor CP949 (0xFF starts no character in either).
    lines[3:3] = ["A020,한글 상품,3000,1,,,".encode("cp949"), b"A021,\xff\xfe\xff,1000,1,,,"]
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"\r\n".join(lines))
    with feed("csv", path) as connector:
        records, rejected = everything(connector)
    assert [(r.source_id, r.name) for r in records] == [
        ("A001", "무선 이어폰"),
        ("A002", "보온 텀블러"),
        ("A020", "한글 상품"),
    ]
    assert rejected == [
        (
            5,
            None,
            "41 30 32 31 2c ff fe ff 2c 31 30 30 30 2c 31 2c 2c 2c",
            "row is neither UTF-8 nor CP949 (EUC-KR) text",
        )
    ]


def test_a_file_that_is_not_text_is_refused_as_a_whole(tmp_path):
    path = tmp_path / "products.csv"
    path.write_bytes(b"\xff\xfe\x00\x01garbage\n\xff\xff\n\x80\x81\xff\n")
    with feed("csv", path) as connector, pytest.raises(SourceError) as info:
        connector.read(None)
    assert "not a text feed in UTF-8 or CP949" in str(info.value)
    assert "3 of 3 lines" in str(info.value)


def test_a_forced_encoding_that_does_not_fit_is_a_clear_error(tmp_path):
    path = write_csv(tmp_path / "products.csv", ROWS, "cp949")
    with (
        feed("csv", path, encoding="utf-8") as connector,
        pytest.raises(SourceError, match="not utf-8 text"),
    ):
        connector.read(None)


# --- whole-file problems -------------------------------------------------------------------


def test_a_missing_mapped_column_names_the_column_and_what_was_found(tmp_path):
    header = ["상품코드", "상품명", "가격", "재고", "이미지", "카테고리", "브랜드"]
    path = write_xlsx(tmp_path / "products.xlsx", ROWS, header)
    with feed("excel", path) as connector:
        result = connector.check()
    assert not result.ok
    assert "mapped column(s) ['판매가'] not in the header" in result.message
    assert "'가격'" in result.message


def test_a_csv_given_as_excel_is_not_a_workbook(tmp_path):
    path = write_csv(tmp_path / "products.xlsx", ROWS, "utf-8")
    with (
        feed("excel", path) as connector,
        pytest.raises(SourceError, match="not an .xlsx workbook"),
    ):
        connector.read(None)


def test_an_ole2_file_that_is_no_workbook_is_a_source_error(tmp_path):
    path = tmp_path / "products.xls"  # an OLE2 header, then nothing a workbook has
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    with (
        feed("excel", path) as connector,
        pytest.raises(SourceError, match="not a readable .xls workbook"),
    ):
        connector.read(None)


def test_an_xls_sheet_is_chosen_by_name(tmp_path):
    path = tmp_path / "products.xls"
    path.write_bytes(LEGACY_XLS.read_bytes())
    with feed("excel", path, sheet="상품목록") as connector:
        assert len(connector.read(None).records) == len(GOOD_IDS)
    with (
        feed("excel", path, sheet="재고") as connector,
        pytest.raises(SourceError, match="no sheet '재고'"),
    ):
        connector.read(None)


def test_a_missing_file_fails_check_without_raising(tmp_path):
    with feed("csv", tmp_path / "nope.csv") as connector:
        result = connector.check()
    assert not result.ok and "feed file not found" in result.message


def test_header_row_and_sheet_can_be_chosen(tmp_path):
    path = write_xlsx(tmp_path / "products.xlsx", ROWS, before=[["오너클랜 상품 목록"], []])
    with feed("excel", path, header_row=3, sheet="상품목록") as connector:
        records, rejected = everything(connector)
    assert [r.source_id for r in records] == GOOD_IDS
    shifted = [
        (row + 2, column, value, reason.replace("row 2", "row 4"))
        for row, column, value, reason in REJECTED
    ]
    assert rejected == shifted
    with feed("excel", path, sheet="없는시트") as connector:
        assert "no sheet '없는시트'" in connector.check().message


def test_decomposed_hangul_headers_from_macos_still_match(tmp_path):
    header = [unicodedata.normalize("NFD", h) for h in HEADER]
    path = write_csv(tmp_path / "products.csv", ROWS[:2], "utf-8", header)
    with feed("csv", path) as connector:
        assert [r.source_id for r in connector.read(None).records] == ["A001", "A002"]


def test_a_row_with_more_cells_than_the_header_is_rejected(tmp_path):
    rows = [ROWS[0], [*ROWS[1], "extra"]]
    path = write_csv(tmp_path / "products.csv", rows, "utf-8")
    with feed("csv", path) as connector:
        records, rejected = everything(connector)
    assert [r.source_id for r in records] == ["A001"]
    assert rejected == [(3, None, '["extra"]', "row has 8 cells but the header has 7 columns")]


def test_a_feed_that_changed_under_the_cursor_is_read_again_from_the_start(tmp_path):
    path = write_csv(tmp_path / "products.csv", ROWS, "utf-8")
    with feed("csv", path, page_size=5) as connector:
        first = connector.read(None)
    write_csv(path, [ROWS[0], ROWS[-1]], "utf-8")
    with feed("csv", path, page_size=5) as fresh:  # a new attempt, after the supplier's update
        rest = read_all(fresh, first.next_cursor)
    assert source_ids(rest) == ["A001", "A011"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"columns": COLUMNS}, "needs setting: source"),
        ({"source": "x.csv"}, "needs setting: columns"),
        ({"source": "x.csv", "columns": {"상품코드": "source_id", "상품명": "name"}}, "price"),
        ({"source": "x.csv", "columns": {**COLUMNS, "무게": "weight"}}, "unknown column target"),
        ({"source": "x.csv", "columns": COLUMNS, "page_size": 0}, "page_size"),
    ],
)
def test_bad_settings_are_config_errors(settings, message):
    with pytest.raises(ConfigError, match=message):
        connector_for("csv", settings)


@pytest.mark.parametrize(
    ("value", "won"),
    [
        (12000, 12000),
        ("12,000원", 12000),
        ("₩4,100", 4100),
        ("12000.0", 12000),
        (14500.0, 14500),
        ("KRW 3000", 3000),
        ("7700원", 7700),
        (0, 0),
        ("-0", 0),
    ],
)
def test_parse_won_reads_amounts(value, won):
    assert parse_won(value) == won


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("문의", "not a number"),
        ("12000~15000", "not a number"),
        ("1,2,3", "not a number"),
        ("12000.5", "whole number"),
        (-5, "negative"),
        (True, "not a number"),
        (None, "not a number"),
    ],
)
def test_parse_won_refuses_what_is_not_an_amount(value, reason):
    with pytest.raises(ValueError, match=reason):
        parse_won(value)


def test_parse_count_reads_stock_words():
    assert [parse_count(v) for v in (None, "", "품절", "12개", 3, "0")] == [None, None, 0, 12, 3, 0]


# --- bounds: one bad value never stops its neighbours ---------------------------------------

OUT_OF_BOUNDS = [
    ["B001", "억만장자 가방", 1e30, 1, None, None, None],
    ["B002", "최대 정수 가방", 9_223_372_036_854_775_807, 1, None, None, None],
    ["B003", "재고 폭탄", 5000, 2_000_000, None, None, None],
    ["B004", "한도 가방", 1_000_000_000, 1_000_000, None, None, None],
    ["B005", "긴 숫자", "9" * 5000, 1, None, None, None],
    ["B006", "이웃 상품", 12000, 3, None, None, None],
]


@pytest.mark.parametrize("kind", ["excel", "csv"])
def test_values_beyond_the_bounds_reject_their_row_and_the_neighbours_are_read(kind, tmp_path):
    if kind == "excel":
        path = write_xlsx(tmp_path / "bounds.xlsx", OUT_OF_BOUNDS)
    else:
        path = write_csv(tmp_path / "bounds.csv", OUT_OF_BOUNDS, "utf-8")
    with feed(kind, path) as connector:
        records, rejected = everything(connector)
    assert [r.source_id for r in records] == ["B004", "B006"]
    assert [(row, column) for row, column, _, _ in rejected] == [
        (2, "판매가"),
        (3, "판매가"),
        (4, "재고"),
        (6, "판매가"),
    ]
    above = "price is above the limit of 1,000,000,000 won"
    # A CSV holds text: Excel's float 1e30 arrives there as "1e+30", which is no amount.
    first = above if kind == "excel" else "price not a number"
    assert [reason for *_, reason in rejected] == [
        first,
        above,
        "stock is above the limit of 1,000,000",
        above,
    ]


def test_a_formula_without_a_saved_result_is_named_as_a_formula(tmp_path):
    rows = [
        [
            "F001",
            '=HYPERLINK("https://shop.example.com/f1", "링크 상품")',
            9000,
            1,
            None,
            None,
            None,
        ],
        ["F002", "보통 상품", 9000, 1, None, None, None],
        ["F003", None, 9000, 1, None, None, None],
    ]
    path = write_xlsx(tmp_path / "formula.xlsx", rows)
    with feed("excel", path) as connector:
        records, rejected = everything(connector)
    assert [r.source_id for r in records] == ["F002"]
    (row, column, value, reason), missing = rejected
    assert (row, column) == (2, "상품명") and value.startswith("=HYPERLINK(")
    assert reason.startswith("상품명 is a formula with no saved result")
    assert missing == (4, "상품명", None, "missing name")


# --- the contract, for a file and for a URL ------------------------------------------------


class TestExcelFeedContract(ConnectorContract):
    expected_count = len(GOOD_IDS)

    @pytest.fixture
    def connector(self, tmp_path):
        with feed("excel", write_xlsx(tmp_path / "p.xlsx", ROWS), page_size=4) as connector:
            yield connector

    @pytest.fixture
    def broken_connector(self, tmp_path):
        with feed("excel", tmp_path / "missing.xlsx") as connector:
            yield connector

    @pytest.fixture
    def secrets(self):
        return [TOKEN]


class TestCsvFeedContract(TestExcelFeedContract):
    @pytest.fixture
    def connector(self, tmp_path):
        path = write_csv(tmp_path / "p.csv", ROWS, "cp949")
        with feed("csv", path, page_size=4) as connector:
            yield connector


@pytest.fixture
def file_server():
    files = {
        "products.csv": ("text/csv", csv_text(ROWS).encode("cp949")),
    }
    with RestApi(token=TOKEN, products=[], faults=(), files=files) as server:
        yield server


class TestCsvUrlFeedContract(TestExcelFeedContract):
    @pytest.fixture
    def connector(self, file_server):
        with feed("csv", f"{file_server.url}/files/products.csv", page_size=4) as connector:
            yield connector

    @pytest.fixture
    def broken_connector(self, file_server):
        settings = {"source": f"{file_server.url}/files/products.csv", "columns": COLUMNS}
        with connector_for("csv", settings, {"token": WRONG_TOKEN}) as connector:
            yield connector

    @pytest.fixture
    def secrets(self):
        return [TOKEN, WRONG_TOKEN]


def test_a_url_feed_is_downloaded_once_per_read_and_refused_without_the_token(file_server):
    url = f"{file_server.url}/files/products.csv"
    with feed("csv", url, page_size=4) as connector:
        records, rejected = everything(connector)
    assert [r.source_id for r in records] == GOOD_IDS and rejected == REJECTED
    # One download for read(None); the later pages use it (their cursor names its sha256).
    assert file_server.statuses("/files/") == [200]
    bad = connector_for("csv", {"source": url, "columns": COLUMNS}, {"token": WRONG_TOKEN})
    with bad, pytest.raises(AuthError, match="HTTP 401"):
        bad.read(None)
