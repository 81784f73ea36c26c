"""What each operation sends and what the market then holds, beyond the shared suite: products
without options, suspended listings kept stopped by an update, the values fixed at creation."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from markets.contract import (
    ListingState,
    MarketAuthError,
    MarketConfig,
    Operation,
    connector_for,
)
from markets.listing import ListingVariant
from markets.testing import send, sold_out

from .conftest import config_for


def single(content, stock_type="stock_in_hand", stocks=4):
    return dataclasses.replace(
        content, options=(), variants=(ListingVariant((), stock_type, stocks),)
    )


def test_each_operation_has_its_endpoint(connector, content):
    state = ListingState(content.reference_number, external_id="2375980552")
    paths = {
        op: (r.method, r.path)
        for op in Operation
        for r in [connector.request_for(op, content, state)]
    }
    assert paths == {
        Operation.CREATE: ("POST", "/item/v1/goods"),
        Operation.UPDATE: ("PUT", "/item/v1/goods/2375980552"),
        Operation.PRICE: ("PUT", "/item/v1/goods/2375980552/sell-status"),
        Operation.STOCK: ("PUT", "/item/v1/goods/2375980552/recommended-options"),
        Operation.SUSPEND: ("PUT", "/item/v1/goods/2375980552/sell-status"),
        Operation.RESUME: ("PUT", "/item/v1/goods/2375980552/sell-status"),
    }
    create = connector.request_for(Operation.CREATE, content, ListingState("x"))
    more = create.body["itemAddtionalInfo"]
    assert more["managedCode"] == content.reference_number
    assert more["price"] == {"Gmkt": 129000, "Iac": 129000}
    assert more["sellingPeriod"] == {"Gmkt": -1, "Iac": -1}
    assert create.fixed == {
        "managedCode": content.reference_number,
        "sites": ["gmarket", "auction"],
    }
    categories = create.body["itemBasicInfo"]["category"]
    assert categories["site"] == [
        {"siteType": 2, "catCode": "300000021"},
        {"siteType": 1, "catCode": "16120200"},
    ]
    assert categories["esm"] == {"catCode": "0002000300010001"}
    notice = more["officialNotice"]["details"][0]
    assert set(notice) == {"officialNoticeItemelementCode", "value"}


def test_a_product_without_options_stops_selling_when_sold_out(server, connector, content):
    plain = single(content)
    state = send(connector, Operation.CREATE, plain, ListingState(plain.reference_number))
    assert server.view(plain.reference_number) == {"price": 129000, "stock": 4, "on_sale": True}
    send(connector, Operation.STOCK, single(content, "out_of_stock", 0), state)
    assert server.view(plain.reference_number) == {"price": 129000, "stock": 0, "on_sale": False}
    send(connector, Operation.UPDATE, single(content, "out_of_stock", 0), state)
    assert server.view(plain.reference_number)["on_sale"] is False
    send(connector, Operation.STOCK, single(content, stocks=6), state)
    assert server.view(plain.reference_number) == {"price": 129000, "stock": 6, "on_sale": True}


def test_an_update_keeps_a_suspended_listing_stopped(server, connector, content):
    state = send(connector, Operation.CREATE, content, ListingState(content.reference_number))
    send(connector, Operation.SUSPEND, content, state)
    suspended = dataclasses.replace(state, status="suspended")
    send(connector, Operation.UPDATE, dataclasses.replace(content, name="새 이름"), suspended)
    assert server.view(content.reference_number)["on_sale"] is False


def test_sold_out_options_are_flagged_and_restocked(server, connector, content):
    state = send(connector, Operation.CREATE, content, ListingState(content.reference_number))
    send(connector, Operation.STOCK, sold_out(content), state)
    held = server.goods[int(state.external_id)]["options"]
    assert all(d["isSoldOut"] and d["qty"] == {"gmkt": 0, "iac": 0} for d in held)
    send(connector, Operation.STOCK, content, state)
    assert server.view(content.reference_number)["stock"] == 8


def test_values_fixed_at_creation_cannot_change(server, content):
    state = ListingState(
        content.reference_number,
        external_id="1",
        fixed={"managedCode": content.reference_number, "sites": ["gmarket", "auction"]},
    )
    with connector_for(config_for(server, settings={"sites": ["gmarket"]})) as gmarket_only:
        request = gmarket_only.request_for(Operation.UPDATE, content, state)
        assert "sites" in gmarket_only.validate(request, state)
    renamed = dataclasses.replace(state, fixed={"managedCode": "other", "sites": None})
    with connector_for(config_for(server)) as connector:
        request = connector.request_for(Operation.UPDATE, content, renamed)
        assert "itemAddtionalInfo.managedCode" in connector.validate(request, renamed)


def test_no_call_before_the_listing_has_a_goods_number(connector, content):
    state = ListingState(content.reference_number)
    for operation in (Operation.UPDATE, Operation.PRICE, Operation.STOCK, Operation.SUSPEND):
        request = connector.request_for(operation, content, state)
        assert list(connector.validate(request, state)) == ["goodsNo"]


def test_one_site_only_sends_that_site(server, content):
    config = config_for(server, settings={"sites": ["auction"], "gmarket_seller_id": ""})
    with connector_for(config) as auction_only:
        assert auction_only.settings_problems() == []
        state = send(
            auction_only, Operation.CREATE, content, ListingState(content.reference_number)
        )
        assert set(state.external_ids) == {"auction_goods_no"}
        body = server.goods[int(state.external_id)]["body"]["itemAddtionalInfo"]
        assert body["price"] == {"Iac": 129000}


def test_settings_problems_name_what_is_missing(server):
    with connector_for(MarketConfig(kind="gmarket", account="new")) as bare:
        problems = " ".join(bare.settings_problems())
    for word in (
        "master_id",
        "secret_key",
        "domain",
        "gmarket_seller_id",
        "auction_seller_id",
        "dispatch_policy_no",
        "shipping_place_no",
        "return_address_no",
    ):
        assert word in problems


def test_a_site_without_its_seller_id_is_refused_by_the_market(server, content):
    config = config_for(server, settings={"auction_seller_id": ""})
    with connector_for(config) as connector:
        assert any("auction_seller_id" in p for p in connector.settings_problems())
        state = ListingState(content.reference_number)
        request = connector.request_for(Operation.CREATE, content, state)
        with pytest.raises(MarketAuthError, match="auction"):
            connector.send(request, state)
    assert server.creates[content.reference_number] == 0


def test_the_connector_side_imports_no_django():
    code = (
        "import sys, markets.gmarket.market, markets.gmarket.testing, markets.gmarket.export;"
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=30).returncode == 0
