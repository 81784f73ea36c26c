"""The BUYMA product contract: what the validator refuses, with the field it names."""

from __future__ import annotations

import copy
from datetime import date

from markets.buyma import contract, payload

from .conftest import SETTINGS, make_content, sold_out

TODAY = date(2026, 3, 2)


def create_body(**changes):
    return payload.product_create(make_content(**changes), SETTINGS, today=TODAY)


def test_a_create_built_from_content_is_valid():
    body = create_body()
    assert contract.product_errors(body, today=TODAY) == {}
    assert contract.is_create(body)
    assert body["available_until"] == "2026/05/31"
    assert body["order_quantity"] == 50
    assert body["buying_shop_name"] == "NIKE正規販売店"
    assert "brand_name" not in body  # only sent for a brand BUYMA does not know (brand_id 0)
    assert [i["position"] for i in body["images"]] == [1, 2]


def test_every_required_field_is_named():
    errors = contract.product_errors({"reference_number": "r1"}, today=TODAY)
    for name in contract.CREATE_REQUIRED:
        assert name in errors, name
    assert contract.product_errors({"control": "publish"}, today=TODAY)[
        "identity_requirements"
    ] == ["id or reference_number is required"]


def test_images_must_be_1_to_20_with_contiguous_positions():
    body = create_body()
    body["images"][1]["position"] = 3
    assert "positions must be 1..2" in contract.product_errors(body, today=TODAY)["images"][0]
    body = create_body(images=tuple(f"https://img.example.com/{i}.jpg" for i in range(21)))
    assert "at most 20" in contract.product_errors(body, today=TODAY)["images"][0]
    body = create_body(images=("ftp://x/1.jpg",))
    assert "images[0].path" in contract.product_errors(body, today=TODAY)
    assert "images" in contract.product_errors(create_body(images=()), today=TODAY)


def test_options_and_variants_must_agree():
    body = create_body()
    body["variants"][0]["options"][1]["value"] = "28cm"
    errors = contract.product_errors(body, today=TODAY)
    assert "size '28cm' is not one of the product's options" in errors["variants[0].options[1]"]
    assert "size '26cm' is used by no variant" in errors["options"]
    body = create_body()
    body["variants"][1]["options"] = body["variants"][0]["options"]
    assert (
        "the same combination is given twice"
        in contract.product_errors(body, today=TODAY)["variants[1].options"]
    )
    body = create_body()
    del body["variants"][0]["options"][0]
    assert "variants[0].options" in contract.product_errors(body, today=TODAY)


def test_order_quantity_goes_with_purchase_for_order_and_stocks_with_stock_in_hand():
    body = create_body()
    del body["order_quantity"]
    assert "order_quantity" in contract.product_errors(body, today=TODAY)
    body = create_body()
    body["variants"][0]["stocks"] = 3
    assert contract.product_errors(body, today=TODAY)["variants[0].stocks"] == [
        "cannot be given with purchase_for_order"
    ]
    body = create_body()
    body["variants"][0] = {**body["variants"][0], "stock_type": "stock_in_hand"}
    assert "variants[0].stocks" in contract.product_errors(body, today=TODAY)
    stock = payload.variants_stock(sold_out(make_content()), SETTINGS, external_id=None)
    assert stock["order_quantity"] == 0
    assert contract.variants_errors(stock) == {}
    stock["order_quantity"] = 5
    assert "must be 0" in contract.variants_errors(stock)["order_quantity"][0]


def test_available_until_format_and_range():
    for value, message in [
        ("2026-05-01", "YYYY/MM/DD"),
        ("2026/02/30", "is not a date"),
        ("2026/03/01", "in the past"),
        ("2026/06/01", "more than 90 days"),
    ]:
        body = create_body()
        body["available_until"] = value
        assert message in contract.product_errors(body, today=TODAY)["available_until"][0]


def test_fixed_fields_cannot_change_once_published():
    created = create_body()
    held = payload.fixed_values(created)
    update = payload.product_update(make_content(), SETTINGS, today=TODAY, external_id="55")
    assert not set(contract.FIXED_ONCE_PUBLISHED) & set(update)  # never sent on update
    assert contract.product_errors(update, today=TODAY, existing=held) == {}
    same = {**update, "name": created["name"]}
    assert contract.product_errors(same, today=TODAY, existing=held) == {}
    for field, value in [("name", "別の名前"), ("category_id", 1), ("buying_area_id", "1")]:
        errors = contract.product_errors({**update, field: value}, today=TODAY, existing=held)
        assert "cannot be changed once published" in errors[field][0]


def test_brand_zero_needs_a_brand_name_and_no_style_numbers():
    body = create_body(brand_id=0, brand_name="")
    assert "brand_name" in contract.product_errors(body, today=TODAY)
    body = create_body(brand_id=0, brand_name="KIRSH")
    assert body["brand_name"] == "KIRSH" and "style_numbers" not in body
    assert contract.product_errors(body, today=TODAY) == {}
    bad = {**body, "style_numbers": [{"number": "X1", "memo": ""}]}
    assert "style_numbers" in contract.product_errors(bad, today=TODAY)


def test_lengths_are_counted_as_buyma_counts_them():
    assert contract.width("ab") == 2 and contract.width("エア") == 4
    body = create_body(name="エ" * 31)
    assert "62 half-width" in contract.product_errors(body, today=TODAY)["name"][0]
    body = create_body(comments="x" * 3001)
    assert "at most 3000" in contract.product_errors(body, today=TODAY)["comments"][0]


def test_the_stock_api_takes_only_variants_and_checks_them_against_the_product():
    held = copy.deepcopy(create_body())
    stock = payload.variants_stock(make_content(), SETTINGS, external_id=None)
    assert contract.variants_errors(stock, existing=held) == {}
    stock["price"] = 1
    stock["variants"][0]["options"][0]["value"] = "レッド"
    errors = contract.variants_errors(stock, existing=held)
    assert "price" in errors and "variants[0].options[0]" in errors


def test_content_hash_ignores_the_moving_date():
    a = payload.product_create(make_content(), SETTINGS, today=TODAY)
    b = payload.product_create(make_content(), SETTINGS, today=date(2026, 3, 9))
    assert a["available_until"] != b["available_until"]
    assert payload.content_hash(a) == payload.content_hash(b)
    c = payload.product_create(make_content(price=15900), SETTINGS, today=TODAY)
    assert payload.content_hash(c) != payload.content_hash(a)


def test_settings_problems_name_what_is_missing():
    assert payload.settings_problems(SETTINGS) == []
    problems = payload.settings_problems({"buyer_id": "1"})
    assert len(problems) == 3 and "'buying_area_id' is missing" in problems[0]
