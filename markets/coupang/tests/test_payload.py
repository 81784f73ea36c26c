"""The seller-product body: seller codes, hashes without volatile values, update ids."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from markets.contract import ListingState, Operation
from markets.coupang import payload

from .conftest import ACCOUNT_SETTINGS, make_content


def test_the_anchor_item_carries_the_reference_whatever_the_order():
    content = make_content("ref-x")
    codes = payload.skus("ref-x", content.variants)
    reversed_codes = payload.skus("ref-x", content.variants[::-1])
    assert "ref-x" in codes and codes == reversed_codes[::-1]
    assert len(set(codes)) == len(codes)
    assert all(code.startswith("ref-x") for code in codes)


def test_content_hash_ignores_the_sale_date_but_not_the_content(connector):
    content = make_content()
    first = connector.content_hash(content)
    assert first == connector.content_hash(dataclasses.replace(content))
    assert first != connector.content_hash(dataclasses.replace(content, price=139000))
    early = payload.product_body(content, ACCOUNT_SETTINGS, now=datetime(2024, 1, 1, tzinfo=UTC))
    late = payload.product_body(content, ACCOUNT_SETTINGS, now=datetime(2025, 1, 1, tzinfo=UTC))
    assert early["saleStartedAt"] != late["saleStartedAt"]
    assert payload.body_for_hash(early) == payload.body_for_hash(late)


def test_create_fixes_the_category_and_update_carries_the_ids(connector):
    content = make_content("ref-y")
    create = connector.request_for(Operation.CREATE, content, ListingState("ref-y"))
    assert (create.method, create.fixed) == ("POST", {"displayCategoryCode": 69183})
    assert "ref-y" in [item["externalVendorSku"] for item in create.body["items"]]
    codes = payload.skus("ref-y", content.variants)
    state = ListingState(
        "ref-y",
        external_id="77",
        external_ids={
            "sellerProductId": 77,
            "vendorItemIds": {codes[0]: 501},
            "sellerProductItemIds": {codes[0]: 601},
        },
        fixed=create.fixed,
    )
    update = connector.request_for(Operation.UPDATE, content, state)
    assert (update.method, update.body["sellerProductId"]) == ("PUT", 77)
    assert update.body["items"][0]["vendorItemId"] == 501
    assert update.body["items"][0]["sellerProductItemId"] == 601
    assert "vendorItemId" not in update.body["items"][1]  # a new option: no ids yet
    assert connector.validate(update, state) == {}


def test_price_calls_are_one_per_vendor_item_on_the_step(connector):
    content = make_content("ref-z", price=129990)
    codes = payload.skus("ref-z", content.variants)
    state = ListingState(
        "ref-z", external_id="9", external_ids={"vendorItemIds": {codes[0]: 1, codes[1]: 2}}
    )
    request = connector.request_for(Operation.PRICE, content, state)
    assert [c["path"].rsplit("/vendor-items/", 1)[1] for c in request.body["calls"]] == [
        "1/prices/129990?forceSalePriceUpdate=true",
        "2/prices/129990?forceSalePriceUpdate=true",
    ]
    odd = connector.request_for(Operation.PRICE, dataclasses.replace(content, price=129995), state)
    assert "calls[0].salePrice" in connector.validate(odd, state)


def test_numbers_as_digit_strings_pass_as_coupangs_own_examples_send_them(connector):
    content = make_content("ref-s")
    request = connector.request_for(Operation.CREATE, content, ListingState("ref-s"))
    item = request.body["items"][0]
    item.update(maximumBuyCount="100", outboundShippingTimeDay="1", salePrice="129000")
    request.body["outboundShippingPlaceCode"] = "74010"
    assert connector.validate(request, ListingState("ref-s")) == {}
    item["salePrice"] = "129005"
    assert "items[0].salePrice" in connector.validate(request, ListingState("ref-s"))
