"""Each Coupang answer shape, from the local contract server, raises the right shared error."""

from __future__ import annotations

import dataclasses

import pytest

from markets.contract import (
    ListingRejected,
    ListingState,
    MarketAuthError,
    MarketUnavailable,
    Operation,
    connector_for,
)
from markets.coupang.api import errors_from_message
from markets.coupang.testing import CoupangContractServer
from markets.testing import send

from .conftest import config_for, make_content


def test_a_body_coupang_refuses_names_its_fields(connector, server, content):
    blank = dataclasses.replace(content, name="", price=129005)
    state = ListingState(content.reference_number)
    request = connector.request_for(Operation.CREATE, blank, state)
    with pytest.raises(ListingRejected) as caught:
        connector.send(request, state)  # past validate, as a stale validator would
    assert caught.value.status_code == 400
    assert "sellerProductName" in caught.value.errors
    assert "items[0].salePrice" in caught.value.errors
    assert server.creates[content.reference_number] == 0


def test_an_update_of_an_unknown_product_is_a_missing_conflict(connector, content):
    state = ListingState(content.reference_number, external_id="999", external_ids={})
    request = connector.request_for(Operation.UPDATE, content, state)
    with pytest.raises(ListingRejected) as caught:
        connector.send(request, state)
    assert caught.value.conflict == "missing"


def test_changing_the_category_after_creation_is_refused_before_sending(connector, content):
    state = send(connector, Operation.CREATE, content, ListingState(content.reference_number))
    moved = dataclasses.replace(content, category_id=content.category_id + 1)
    request = connector.request_for(Operation.UPDATE, moved, state)
    assert "displayCategoryCode" in connector.validate(request, state)
    with pytest.raises(ListingRejected, match="displayCategoryCode"):
        connector.send(request, state)  # and the market refuses it too


def test_the_gateways_html_access_denied_is_retryable_not_auth(connector, server, content):
    server.fail_next(403)
    with pytest.raises(MarketUnavailable) as caught:
        connector.find(content.reference_number)
    assert caught.value.status_code == 403


def test_a_vendor_the_keys_do_not_belong_to_is_an_auth_error(server, content):
    with connector_for(config_for(server, settings={"vendor_id": "A00099999"})) as connector:
        state = ListingState(content.reference_number)
        request = connector.request_for(Operation.CREATE, content, state)
        with pytest.raises(MarketAuthError, match="vendor"):
            connector.send(request, state)


def test_server_errors_and_timeouts_are_retryable(content):
    with (
        CoupangContractServer(stall_seconds=1.0) as server,
        connector_for(config_for(server, timeout=0.3)) as connector,
    ):
        server.fail_next(503)
        with pytest.raises(MarketUnavailable) as caught:
            connector.find(content.reference_number)
        assert caught.value.status_code == 503
        server.fault_rate(1.0, seed=0)  # seed 0: the first call stalls past the timeout
        with pytest.raises(MarketUnavailable, match="timed out"):
            connector.find(content.reference_number)


def test_missing_keys_are_an_auth_error_but_no_settings_problem(server, content):
    with connector_for(config_for(server, credentials={})) as connector:
        assert connector.settings_problems() == []  # a dry run needs no keys
        with pytest.raises(MarketAuthError, match="access_key"):
            connector.find(content.reference_number)


def test_settings_problems_name_what_is_missing_or_malformed(server):
    broken = {"return_center_code": "", "default_stock": "lots", "rate_limit_max_wait": "x"}
    with connector_for(config_for(server, settings=broken)) as connector:
        problems = connector.settings_problems()
    assert len(problems) == 2
    assert "return center code" in problems[0] and "default_stock" in problems[1]


def test_messages_become_field_errors_when_they_name_fields():
    assert errors_from_message("a: x; items[0].b: y") == {"a": ["x"], "items[0].b": ["y"]}
    assert errors_from_message("상품명이 잘못되었습니다.") == {
        "coupang": ["상품명이 잘못되었습니다."]
    }
    assert errors_from_message("", 400) == {"coupang": ["refused (400)"]}


def test_price_and_stock_wait_for_vendor_item_ids_until_approval(content):
    with (
        CoupangContractServer(approve=False) as server,
        connector_for(config_for(server)) as connector,
    ):
        state = send(connector, Operation.CREATE, content, ListingState("ref-sneaker-001"))
        assert state.external_id and state.external_ids["vendorItemIds"] == {}
        request = connector.request_for(Operation.PRICE, content, state)
        assert not connector.validate(request, state)
        with pytest.raises(MarketUnavailable, match="approval") as caught:
            connector.send(request, state)
        assert caught.value.retry_after == 300
        server.approve(int(state.external_id))
        answer = connector.send(request, state)  # the same recorded request, now complete
        assert len(answer.external_ids["vendorItemIds"]) == 2
        assert server.view(content.reference_number)["price"] == content.price


def test_find_still_finds_after_the_supplier_reorders_its_variants(connector, content):
    created = send(connector, Operation.CREATE, content, ListingState(content.reference_number))
    reordered = dataclasses.replace(content, variants=content.variants[::-1])
    found = connector.find(reordered.reference_number)
    assert found is not None and found.external_id == created.external_id
    assert dict(found.external_ids["vendorItemIds"]) == dict(created.external_ids["vendorItemIds"])
    request = connector.request_for(Operation.STOCK, reordered, created)
    assert "{vendorItemId}" not in str(request.body)


def test_a_single_product_without_options_is_one_item(connector, server):
    single = make_content(
        "ref-single",
        options=(),
        variants=(make_content().variants[0].__class__((), "stock_in_hand", 5),),
    )
    state = send(connector, Operation.CREATE, single, ListingState("ref-single"))
    assert list(state.external_ids["vendorItemIds"]) == ["ref-single"]
    assert server.view("ref-single")["stock"] == 5


def test_a_price_change_beyond_the_range_needs_force(connector, server, content):
    state = send(connector, Operation.CREATE, content, ListingState(content.reference_number))
    dear = dataclasses.replace(content, price=content.price * 3)
    send(connector, Operation.PRICE, dear, state)  # we always send forceSalePriceUpdate=true
    assert server.view(content.reference_number)["price"] == content.price * 3
    vendor_item = next(iter(state.external_ids["vendorItemIds"].values()))
    unforced = (
        f"/v2/providers/seller_api/apis/api/v1/marketplace/vendor-items/{vendor_item}/prices/10"
    )
    with pytest.raises(ListingRejected, match="forceSalePriceUpdate"):
        connector._client.call("PUT", unforced)


def test_an_update_before_approval_keeps_its_items_and_changes_them(content):
    with (
        CoupangContractServer(approve=False) as server,
        connector_for(config_for(server)) as connector,
    ):
        state = send(connector, Operation.CREATE, content, ListingState(content.reference_number))
        before = {i["sellerProductItemId"] for i in server.product_of("ref-sneaker-001")["items"]}
        cheaper = dataclasses.replace(content, price=119000, list_price=None)
        send(connector, Operation.UPDATE, cheaper, state)
        product = server.product_of(content.reference_number)
        assert {i["sellerProductItemId"] for i in product["items"]} == before
        assert server.view(content.reference_number)["price"] == 119000
        assert server.creates[content.reference_number] == 1
