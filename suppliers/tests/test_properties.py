"""Property-based tests: whatever a supplier sends ends as stored items plus per-item errors.

Hypothesis draws the inputs (texts with broken characters, numbers of every size, deep JSON,
links that are no URLs) for the feed readers, the JSON item reader, the mall parsers and the
signed webhook endpoint. The only exceptions allowed out are the documented ones for a whole
source (``SourceError``) or one page (``ParseError``); never one from a single value. Example
counts are small (``BOUNDED``) so the suite stays fast in CI.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import html
import io
import json
import os
import time
import uuid

import openpyxl
import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from suppliers.bounds import PRICE_MAX_WON, STOCK_MAX
from suppliers.connectors import RejectedRow, SupplierRecord, connector_for
from suppliers.connectors.contract import RecordValueError, parse_count, parse_won
from suppliers.connectors.http_api import DEFAULT_FIELDS, record_from_item
from suppliers.connectors.mall import record_from_product
from suppliers.connectors.testing import read_all
from suppliers.malls import okmall, wconcept
from suppliers.malls.errors import ParseError
from suppliers.malls.product import MallProduct
from suppliers.services import supplier_create, supplier_records_upsert
from suppliers.tests.mall_server import SAVED, edit, saved_page

# CI runs 30 examples per property; YOOINI_PROPERTY_EXAMPLES=2000 digs deeper by hand.
BOUNDED = settings(
    max_examples=int(os.environ.get("YOOINI_PROPERTY_EXAMPLES", "30")),
    deadline=None,
    database=None,  # no .hypothesis directory in the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Texts as suppliers send them: Korean, digits, and now and then a lone surrogate.
BROKEN = st.sampled_from(["\ud83d", "a\udc00b", "\udfff반쪽"])
TEXT = st.one_of(st.text(max_size=30), BROKEN)
NUMBER = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e30, 9_223_372_036_854_775_807, PRICE_MAX_WON, PRICE_MAX_WON + 1, 0, -1]),
)
AMOUNT_TEXT = st.one_of(
    st.from_regex(r"-?[₩]?[0-9][0-9,]{0,40}(\.[0-9]{1,5})?(원|개)?", fullmatch=True),
    st.sampled_from(["9" * 5000, "1e30", "품절", "문의", "12,000원", "1,000,000,001"]),
)
SCALAR = st.one_of(st.none(), st.booleans(), NUMBER, TEXT, AMOUNT_TEXT)
JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), TEXT),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)
ITEM = st.fixed_dictionaries(
    {"id": st.one_of(TEXT, st.integers()), "name": TEXT, "price": SCALAR},
    optional={
        "stock": SCALAR,
        "images": st.one_of(JSON, st.lists(TEXT, max_size=3)),
        "options": st.one_of(
            JSON,
            st.lists(
                st.fixed_dictionaries(
                    {"key": TEXT, "name": TEXT, "price": SCALAR, "stock": SCALAR}
                ),
                max_size=3,
            ),
        ),
        "category": JSON,
        "updated_at": JSON,
        "extra": JSON,
    },
)


# --- numbers -------------------------------------------------------------------------------


@BOUNDED
@given(st.one_of(SCALAR, JSON))
def test_parse_won_and_parse_count_return_a_bounded_number_or_say_why_not(value):
    for parse, limit in ((parse_won, PRICE_MAX_WON), (parse_count, STOCK_MAX)):
        try:
            amount = parse(value)
        except ValueError as exc:
            assert str(exc)
        else:
            assert amount is None or 0 <= amount <= limit


# --- feeds ---------------------------------------------------------------------------------

COLUMNS = {"코드": "source_id", "이름": "name", "가격": "price", "재고": "stock", "옵션": "options"}
FEED_CELL = st.one_of(st.none(), NUMBER, st.text(max_size=20), AMOUNT_TEXT)
FEED_ROWS = st.lists(st.lists(FEED_CELL, min_size=5, max_size=5), min_size=1, max_size=8)


def _outcomes(connector) -> tuple[list[SupplierRecord], list[RejectedRow]]:
    pages = read_all(connector)
    return [r for p in pages for r in p.records], [r for p in pages for r in p.rejected]


def _xlsx_safe(cell):
    if isinstance(cell, str):
        return ILLEGAL_CHARACTERS_RE.sub("", cell)
    if isinstance(cell, float) and cell != cell:
        return None  # openpyxl writes NaN as a number Excel cannot open
    return cell


@BOUNDED
@given(rows=FEED_ROWS, kind=st.sampled_from(["excel", "csv"]))
def test_every_feed_row_ends_as_a_record_or_one_rejection(tmp_path_factory, rows, kind):
    path = tmp_path_factory.mktemp("feed") / ("feed.xlsx" if kind == "excel" else "feed.csv")
    if kind == "excel":
        workbook = openpyxl.Workbook()
        for row in [list(COLUMNS), *rows]:
            workbook.active.append([_xlsx_safe(c) for c in row])
        workbook.save(path)
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for row in [list(COLUMNS), *rows]:
            writer.writerow(["" if c is None else c for c in row])
        path.write_bytes(out.getvalue().encode("utf-8", "surrogatepass"))
    with connector_for(kind, {"source": str(path), "columns": COLUMNS}) as connector:
        records, rejected = _outcomes(connector)
    written = [[_xlsx_safe(c) for c in row] for row in rows] if kind == "excel" else rows
    filled = [row for row in written if not all(_blank(c) for c in row)]
    assert len(records) + len(rejected) == len(filled)
    assert all(0 < r.price <= PRICE_MAX_WON for r in records)
    assert all(r.stock is None or 0 <= r.stock <= STOCK_MAX for r in records)
    assert all(r.reason for r in rejected)


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


# --- JSON items (the http kind, the webhook) -----------------------------------------------


@pytest.mark.django_db
@BOUNDED
@given(items=st.lists(ITEM, max_size=5))
def test_json_items_are_stored_or_rejected_one_by_one(items):
    outcomes = [record_from_item(item, DEFAULT_FIELDS) for item in items]
    records = [o for o in outcomes if isinstance(o, SupplierRecord)]
    assert all(isinstance(o, SupplierRecord | RejectedRow) for o in outcomes)
    stored = supplier_records_upsert(supplier_name="props", records=records)
    assert stored.total == len(records)


# --- mall pages ----------------------------------------------------------------------------

OKMALL = saved_page(SAVED["okmall"]["product"])
OKMALL_LISTING = saved_page(SAVED["okmall"]["listing"])
WCONCEPT = saved_page(SAVED["wconcept"]["product"])
IMAGE = "https://okimg.okmall.com/753500/img753625_big.JPG?t=1751260768/okresize/resize/590"
LINKS = st.one_of(
    TEXT, st.sampled_from(["http://[bad-host/x.jpg", "//[::1", "http://a:b:c/", "x" * 5000])
)
DEEP = st.integers(min_value=1, max_value=3000).map(lambda n: "[" * n + "]" * n)


def _parsed(parse, page: str, url: str) -> MallProduct | None:
    """The parsed product, or None for a ``ParseError``; any other exception fails."""
    try:
        product = parse(page, url)
    except ParseError:
        return None
    with contextlib.suppress(RecordValueError):
        record_from_product(product)
    return product


@BOUNDED
@given(image=LINKS, price=st.one_of(NUMBER.map(json.dumps), TEXT.map(json.dumps)), deep=DEEP)
def test_an_okmall_product_page_parses_or_is_one_parse_error(image, price, deep):
    page = edit(OKMALL, IMAGE, json.dumps(image)[1:-1], count=1)
    page = edit(page, '"lowPrice": 56000', f'"lowPrice": {price}', count=1)
    page = edit(page, '"sku": 753625,', f'"sku": 753625, "deep": {deep},', count=1)
    _parsed(okmall.parse_product, page, "https://www.okmall.com/products/view?no=753625")


@BOUNDED
@given(option_price=st.one_of(TEXT, AMOUNT_TEXT), name=TEXT)
def test_okmall_option_rows_and_names_parse_or_are_one_parse_error(option_price, name):
    page = edit(OKMALL, 'sprice="56000"', f'sprice="{html.escape(option_price)}"', count=1)
    page = edit(page, '"name": "[NIKE]', f'"name": {json.dumps(name)[:-1]}[NIKE]', count=1)
    _parsed(okmall.parse_product, page, "https://www.okmall.com/products/view?no=753625")


@BOUNDED
@given(href=LINKS, next_href=LINKS, card_price=st.one_of(TEXT, AMOUNT_TEXT))
def test_an_okmall_listing_parses_or_is_one_parse_error(href, next_href, card_price):
    page = edit(
        OKMALL_LISTING,
        'href="/products/view?no=753625',
        f'href="{html.escape(href)}/products/view?no=753625',
        count=1,
    )
    page = edit(page, 'val="56000"', f'val="{html.escape(card_price)}"', count=1)
    page = page.replace(
        "https://www.okmall.com/products/list?brand=%EB%82%98%EC%9D%B4%ED%82%A4%28NIKE%29",
        html.escape(next_href),
        1,
    )
    with contextlib.suppress(ParseError):
        okmall.parse_listing(page, "https://www.okmall.com/products/list?brand=NIKE")


@BOUNDED
@given(image=LINKS, price=st.one_of(TEXT, AMOUNT_TEXT))
def test_a_wconcept_product_page_parses_or_is_one_parse_error(image, price):
    page = edit(
        WCONCEPT,
        'data-zoom-image="//product-image.wconcept.co.kr',
        f'data-zoom-image="{html.escape(image)}',
        count=1,
    )
    page = edit(page, 'name="saleprice" value="3709000"', f'name="saleprice" value="{price}"')
    _parsed(wconcept.parse_product, page, "https://www.wconcept.co.kr/Product/307698365")


# --- the signed webhook --------------------------------------------------------------------

SECRET = "whsec-props-4c2e91d7"


@pytest.fixture
def pushy(settings):
    settings.YOOINI_CREDENTIALS_KEY = Fernet.generate_key().decode()
    return supplier_create(name="pushy", kind="webhook", credentials={"webhook_secret": SECRET})


def _post(client, body: bytes, *, stamp: str, event_id: str):
    digest = hmac.new(
        SECRET.encode(), f"{stamp}.{event_id}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return client.post(
        "/hooks/suppliers/pushy/",
        data=body,
        content_type="application/json",
        headers={
            "X-Yooini-Timestamp": stamp,
            "X-Yooini-Event-Id": event_id,
            "X-Yooini-Signature": f"sha256={digest}",
        },
    )


BODIES = st.one_of(
    st.lists(ITEM, max_size=4).map(lambda items: {"products": items}),
    ITEM.map(lambda item: {"product": item}),
    JSON,
).map(lambda value: json.dumps(value).encode())  # ASCII escapes carry the broken characters


@pytest.mark.django_db
@BOUNDED
@given(body=st.one_of(BODIES, BODIES, BODIES, st.binary(max_size=64), DEEP.map(str.encode)))
def test_a_signed_webhook_body_is_accepted_or_refused_never_a_5xx(client, pushy, body):
    response = _post(client, body, stamp=str(int(time.time())), event_id=uuid.uuid4().hex)
    assert response.status_code in (200, 400), response.content[:300]
    answer = response.json()
    if response.status_code == 200:
        assert answer["status"] == "accepted"
        assert answer["records"] == answer["created"] + answer["changed"] + answer["unchanged"]


@pytest.mark.django_db
@BOUNDED
@given(
    stamp=st.one_of(
        st.integers(min_value=0, max_value=10**12).map(str),
        st.integers(min_value=10**11, max_value=10**13).map(str),
        st.sampled_from(["999999999999", "253402300800", "0", "-1", "1e9"]),
        st.text(alphabet="0123456789-+. e", min_size=1, max_size=14),
    ),
    event_id=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1),
)
def test_any_signed_timestamp_and_event_id_answer_4xx_or_200_never_5xx(
    client, pushy, stamp, event_id
):
    body = json.dumps({"products": [{"id": "P1", "name": "상품", "price": 1000}]}).encode()
    response = _post(client, body, stamp=stamp, event_id=event_id)
    assert response.status_code in (200, 400, 401), response.content[:300]
