"""Order lines: one per market line id however often it is read, the timeline only moves
forward with a cause, the buyer encrypted at rest and masked, tracking files imported."""

from __future__ import annotations

import io
import logging

import pytest
from django.db import connection
from openpyxl import Workbook, load_workbook

from markets.orders import Buyer, MarketLineStatus, MarketOrder, MarketOrderLine
from orders.models import LineStatus, Order, OrderLine, Purchase, PurchaseStatus
from orders.personal import buyer_decrypt, buyer_masked, mask_address, mask_name, mask_phone
from orders.purchase import NotPurchasable, Source, option_key_for
from orders.services import TransitionRefused, line_transition, orders_record
from orders.sheets import sheet_add, sheets_dir, sheets_write, tracking_import

pytestmark = pytest.mark.django_db

BUYER = Buyer("홍길동", "010-9876-5432", "부산광역시 해운대구 우동 1234 101호", "48094")


def market_order(status=MarketLineStatus.NEW, *, lines=("L1",), order_id="O1") -> MarketOrder:
    return MarketOrder(
        order_id=order_id,
        ordered_at="2026-12-01T10:00:00",
        currency="KRW",
        buyer=BUYER,
        lines=tuple(
            MarketOrderLine(
                line_id=line_id,
                reference_number="oc-W000001",
                product_name="스니커즈",
                option="블랙 250",
                quantity=1,
                unit_price=99000,
                status=status,
                market_data={"shipmentBoxId": 1},
            )
            for line_id in lines
        ),
    )


@pytest.fixture
def account(db):
    from markets.services import market_account_create

    return market_account_create(name="live-coupang", market="coupang", dry_run=False)


def test_reading_an_order_again_changes_nothing(account):
    assert orders_record(account, [market_order(lines=("L1", "L2"))]) == {
        "created": 2,
        "changed": 0,
        "unchanged": 0,
    }
    assert orders_record(account, [market_order(lines=("L1", "L2"))]) == {
        "created": 0,
        "changed": 0,
        "unchanged": 2,
    }
    assert OrderLine.objects.count() == 2 and Order.objects.count() == 1
    assert [e.cause for e in OrderLine.objects.first().events.all()] == [
        "ordered on coupang (order O1)"
    ]


def test_market_changes_move_the_timeline_with_their_cause(account):
    orders_record(account, [market_order()])
    orders_record(account, [market_order(MarketLineStatus.CANCEL_REQUESTED)])
    line = OrderLine.objects.get()
    assert line.cancel_requested and line.status == LineStatus.NEW
    orders_record(account, [market_order(MarketLineStatus.CANCELLED)])
    line.refresh_from_db()
    assert line.status == LineStatus.CANCELLED
    events = [(e.status_from, e.status_to, e.source, e.cause) for e in line.events.all()]
    assert events[-1] == ("new", "cancelled", "market", "coupang reports cancelled")
    assert "asked the market to cancel" in events[1][3]


def test_statuses_only_move_forward(account):
    orders_record(account, [market_order()])
    line = OrderLine.objects.get()
    assert line_transition(line, LineStatus.PURCHASED, cause="bought", source="purchase")
    assert not line_transition(line, LineStatus.ACKNOWLEDGED, cause="late", source="market")
    assert line.status == LineStatus.PURCHASED
    with pytest.raises(TransitionRefused, match="only a shipped line can be returned"):
        line_transition(line, LineStatus.RETURNED, cause="?", source="market")
    line_transition(line, LineStatus.SHIPPED, cause="sent", source="tracking")
    line_transition(line, LineStatus.RETURNED, cause="came back", source="market")
    with pytest.raises(TransitionRefused, match="cannot become"):
        line_transition(line, LineStatus.SHIPPED, cause="?", source="market")


def test_the_buyer_is_encrypted_at_rest_and_never_logged(account, caplog):
    caplog.set_level(logging.DEBUG)
    orders_record(account, [market_order()])
    with connection.cursor() as cursor:
        cursor.execute("SELECT buyer_encrypted FROM yooini_order")
        (stored,) = cursor.fetchone()
    for value in BUYER.as_dict().values():
        assert value not in stored
        assert value not in caplog.text
    assert buyer_decrypt(stored) == BUYER.as_dict()
    assert "홍길동" not in repr(BUYER) and "홍길동" not in repr(Order.objects.get())


def test_masking_keeps_only_enough_to_recognise_an_order():
    assert mask_name("홍길동") == "홍*동"
    assert mask_name("김구") == "김*"
    assert mask_phone("010-9876-5432") == "***-****-5432"
    assert mask_address("부산광역시 해운대구 우동 1234 101호") == "부산광역시 해운대구 ***"
    masked = buyer_masked(BUYER.as_dict())
    assert "길" not in masked["name"] and "9876" not in masked["phone"]
    assert masked["zip_code"] == "***"


def test_the_option_is_found_by_its_values():
    options = [
        {"name": "블랙 / 250", "key": "k1", "attributes": [["색상", "블랙"], ["사이즈", "250"]]},
        {"name": "블랙 / 260", "key": "k2", "attributes": [["색상", "블랙"], ["사이즈", "260"]]},
    ]
    assert option_key_for(options, "블랙, 260") == "k2"
    assert option_key_for([], "아무거나") is None
    with pytest.raises(NotPurchasable, match="matches 2 options"):
        option_key_for(options, "블랙 250 260")
    with pytest.raises(NotPurchasable, match="matches no option"):
        option_key_for(options, "화이트 250")


def test_a_sheet_per_supplier_and_the_tracking_numbers_back(account, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    orders_record(account, [market_order(MarketLineStatus.ACKNOWLEDGED, lines=("L1", "L2"))])
    lines = list(OrderLine.objects.order_by("id"))
    for line in lines:
        assert sheet_add(line, Source("feedco", "=HYPERLINK(1)", None)) == "sheet"
    assert sheet_add(lines[0], Source("feedco", "A1", None)) == "skipped"
    written = sheets_write(account, run="20261201_01")
    assert [p.name for p in written] == ["feedco-live-coupang-20261201_01.xlsx"]
    assert sheets_write(account, run="20261201_02") == []
    assert (sheets_dir() / written[0].name).stat().st_mode & 0o077 == 0
    rows = list(load_workbook(written[0]).active.iter_rows(values_only=True))
    assert rows[1][1] == "'=HYPERLINK(1)" and rows[1][6] == "홍길동"
    notes = [p.request_key for p in Purchase.objects.order_by("id")]
    assert all(p.status == PurchaseStatus.SHEET for p in Purchase.objects.all())

    book = Workbook()
    book.active.append(["note", "company", "number"])
    book.active.append([notes[0], "CJGLS", "640011112222"])
    book.active.append(["nobody", "CJGLS", "640011113333"])
    book.active.append([notes[1], "CJGLS", ""])
    data = io.BytesIO()
    book.save(data)
    result = tracking_import("tracking.xlsx", data.getvalue())
    assert result["set"] == 1
    assert result["problems"] == [
        {"row": 3, "message": "note 'nobody': no such order of ours"},
        {"row": 4, "message": "empty: number"},
    ]
    csv_result = tracking_import(
        "t.csv", f"note,company,number\n{notes[1]},HANJIN,51234567\n".encode()
    )
    assert csv_result == {"set": 1, "problems": []}
    assert [x.tracking_number for x in OrderLine.objects.order_by("id")] == [
        "640011112222",
        "51234567",
    ]


def test_a_variant_code_finds_its_product_listing(account):
    from markets.models import Listing
    from orchestrator.core.clock import get_clock
    from orders.services import listing_for

    now = get_clock().now()
    listing = Listing.objects.create(
        account=account,
        reference_number="oc-W000001",
        source_key="oc:W000001",
        currency="KRW",
        status="published",
        created_at=now,
        updated_at=now,
    )
    assert listing_for(account.pk, "oc-W000001") == listing
    assert listing_for(account.pk, "oc-W000001-0a1b2c3d") == listing
    assert listing_for(account.pk, "oc-W000002-0a1b2c3d") is None
