"""What each operation sends, the content hash, and images uploaded only once."""

from __future__ import annotations

import dataclasses

from markets.contract import ListingState, Operation
from markets.smartstore import contract
from markets.testing import send

from .conftest import content_for


def test_each_operation_uses_the_documented_method_and_path(connector, content):
    state = ListingState(content.reference_number, external_id="123", external_ids={"options": {}})
    create = connector.request_for(
        Operation.CREATE, content, ListingState(content.reference_number)
    )
    assert (create.method, create.path) == ("POST", "/v2/products")
    assert create.fixed == {
        "leafCategoryId": "50000788",
        "sellerManagementCode": content.reference_number,
    }
    update = connector.request_for(Operation.UPDATE, content, state)
    assert (update.method, update.path) == ("PUT", "/v2/products/origin-products/123")
    assert "leafCategoryId" not in update.body["originProduct"]
    suspend = connector.request_for(Operation.SUSPEND, content, state)
    assert (suspend.path, suspend.body) == (
        "/v1/products/origin-products/123/change-status",
        {"statusType": "SUSPENSION"},
    )
    resume = connector.request_for(Operation.RESUME, content, state)
    assert resume.body == {"statusType": "SALE", "stockQuantity": 20}


def test_price_and_stock_use_option_stock_when_every_option_id_is_known(connector, content):
    ids = {
        f"color={c}|size={s}": n
        for n, (c, s) in enumerate([(c, s) for c in ("블랙", "화이트") for s in ("250", "260")])
    }
    state = ListingState(content.reference_number, external_id="123", external_ids={"options": ids})
    price = connector.request_for(Operation.PRICE, content, state)
    assert price.path == "/v1/products/origin-products/123/option-stock"
    assert price.body["productSalePrice"] == {"salePrice": 139_000}
    assert [c["id"] for c in price.body["optionInfo"]["optionCombinations"]] == [0, 1, 2, 3]
    unknown = dataclasses.replace(state, external_ids={"options": dict(list(ids.items())[:3])})
    fallback = connector.request_for(Operation.STOCK, content, unknown)
    assert (fallback.method, fallback.path) == ("PUT", "/v2/products/origin-products/123")


def test_an_update_of_a_suspended_listing_stays_suspended(connector, content):
    state = ListingState(content.reference_number, external_id="123", status="suspended")
    body = connector.request_for(Operation.UPDATE, content, state).body
    assert body["originProduct"]["statusType"] == "SUSPENSION"
    assert body["smartstoreChannelProduct"]["channelProductDisplayStatusType"] == "SUSPENSION"
    assert connector.validate(connector.request_for(Operation.UPDATE, content, state), state) == {}


def test_the_content_hash_is_stable_and_follows_the_content(connector, server, content):
    assert connector.content_hash(content) == connector.content_hash(content_for(server))
    assert connector.content_hash(
        dataclasses.replace(content, price=139_010)
    ) != connector.content_hash(content)
    assert len(connector.content_hash(content)) == 64


def test_images_are_uploaded_once_and_the_product_names_naver_s_urls(connector, server, content):
    state = send(connector, Operation.CREATE, content, ListingState(content.reference_number))
    images = state.external_ids["images"]
    assert set(images) == set(content.images)
    assert all(url in server.issued for url in images.values())
    send(connector, Operation.UPDATE, dataclasses.replace(content, name=content.name + " 2"), state)
    uploads = [h for h in server.hits if h[1] == contract.IMAGES_PATH]
    assert len(uploads) == 1
    held = server.products[int(state.external_id)]["originProduct"]
    assert held["images"]["representativeImage"]["url"] == images[content.images[0]]
    assert images[content.images[1]] in held["detailContent"]
    assert state.external_ids["smartstoreChannelProductNo"]
    assert len(state.external_ids["options"]) == 4


def test_find_answers_the_product_numbers_for_our_seller_code(connector, content):
    state = send(connector, Operation.CREATE, content, ListingState(content.reference_number))
    found = connector.find(content.reference_number)
    assert found.external_id == state.external_id
    assert (
        found.external_ids["smartstoreChannelProductNo"]
        == state.external_ids["smartstoreChannelProductNo"]
    )
