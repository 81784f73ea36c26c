"""The Coupang seller-product contract, checked before anything is sent.

One validator, three users: the connector's ``validate`` (so a refused body costs no call), the
dry run, and the local contract server (``markets.coupang.testing``), which refuses with the
same messages in Coupang's error shape. Errors are ``{field: [messages]}`` with paths such as
``items[1].salePrice``.

Sources (docs/markets/coupang.md cites each):
- product create, developers.coupangcorp.com/hc/ko/articles/360033877853: required fields,
  ``sellerProductName`` and ``displayProductName`` at most 100 characters, sale dates as
  ``yyyy-MM-dd'T'HH:mm:ss``, the enumerations (delivery method, charge type, union delivery,
  adult, tax, parallel import, overseas purchase), images (one ``REPRESENTATION``, at most nine
  ``DETAIL``, ``vendorPath`` or ``cdnPath``), notices and attributes per item,
  ``emptyBarcodeReason`` at most 100 characters;
- price change per vendor item (article 360034156273): prices in steps of 10 KRW; without
  ``forceSalePriceUpdate=true`` a change must stay between -50% and +100%.
Lengths the public pages do not give (``itemName``, ``externalVendorSku``) are our cautious
choices, marked as such in the doc.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

Errors = dict[str, list[str]]

API_ROOT = "/v2/providers/seller_api/apis/api/v1/marketplace"
SELLER_PRODUCTS_PATH = f"{API_ROOT}/seller-products"
VENDOR_ITEMS_PATH = f"{API_ROOT}/vendor-items"

PRICE_STEP = 10
NAME_MAX = 100
ITEM_NAME_MAX = 150  # not published; WING's option name field (ours, cautious)
SKU_MAX = 100  # not published (ours, cautious)
BARCODE_REASON_MAX = 100
DETAIL_IMAGES_MAX = 9
QUANTITY_MAX = 99999
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

DELIVERY_METHODS = (
    "SEQUENCIAL",
    "VENDOR_DIRECT",
    "MAKE_ORDER",
    "INSTRUCTURE",
    "AGENT_BUY",
    "COLD_FRESH",
    "MAKE_ORDER_DIRECT",
)
DELIVERY_CHARGE_TYPES = ("FREE", "NOT_FREE", "CHARGE_RECEIVED", "CONDITIONAL_FREE")
UNION_DELIVERY_TYPES = ("UNION_DELIVERY", "NOT_UNION_DELIVERY")
ADULT_ONLY = ("ADULT_ONLY", "EVERYONE")
TAX_TYPES = ("TAX", "FREE")
PARALLEL_IMPORTED = ("PARALLEL_IMPORTED", "NOT_PARALLEL_IMPORTED")
OVERSEAS_PURCHASED = ("OVERSEAS_PURCHASED", "NOT_OVERSEAS_PURCHASED")
IMAGE_TYPES = ("REPRESENTATION", "DETAIL", "REP_OBLONG_ORIGIN", "USED_PRODUCT")

REQUIRED_TEXT = (
    "sellerProductName",
    "vendorId",
    "saleStartedAt",
    "saleEndedAt",
    "deliveryCompanyCode",
    "returnCenterCode",
    "returnChargeName",
    "companyContactNumber",
    "returnZipCode",
    "returnAddress",
    "returnAddressDetail",
    "vendorUserId",
)
REQUIRED_AMOUNTS = (
    "deliveryCharge",
    "freeShipOverAmount",
    "deliveryChargeOnReturn",
    "returnCharge",
)
ITEM_REQUIRED_NUMBERS = (
    "originalPrice",
    "salePrice",
    "maximumBuyCount",
    "maximumBuyForPerson",
    "maximumBuyForPersonPeriod",
    "outboundShippingTimeDay",
    "unitCount",
)
ENUMS = {
    "deliveryMethod": DELIVERY_METHODS,
    "deliveryChargeType": DELIVERY_CHARGE_TYPES,
    "unionDeliveryType": UNION_DELIVERY_TYPES,
    "remoteAreaDeliverable": ("Y", "N"),
}
ITEM_ENUMS = {
    "adultOnly": ADULT_ONLY,
    "taxType": TAX_TYPES,
    "parallelImported": PARALLEL_IMPORTED,
    "overseasPurchased": OVERSEAS_PURCHASED,
}
# Fields Coupang does not let a later update change ("displayCategoryCode: after product is
# registered, sellers cannot modify it themselves", Modify Product, article 360034156073).
FIXED_FIELDS = ("displayCategoryCode",)

_VENDOR_ITEM_CALL = re.compile(
    rf"^{re.escape(VENDOR_ITEMS_PATH)}/(?P<item>\d+|\{{vendorItemId\}})/"
    r"(?:prices/(?P<price>-?\d+)|quantities/(?P<quantity>-?\d+)|sales/(?P<sales>stop|resume))"
    r"(?:\?(?P<query>.*))?$"
)


def seller_product_path(seller_product_id: int | str) -> str:
    return f"{SELLER_PRODUCTS_PATH}/{seller_product_id}"


def external_sku_path(code: str) -> str:
    """Lookup of seller products by an item's ``externalVendorSku`` (our reference number)."""
    return f"{SELLER_PRODUCTS_PATH}/external-vendor-sku-codes/{code}"


def price_path(vendor_item_id: int | str, price: int) -> str:
    return f"{VENDOR_ITEMS_PATH}/{vendor_item_id}/prices/{price}?forceSalePriceUpdate=true"


def quantity_path(vendor_item_id: int | str, quantity: int) -> str:
    return f"{VENDOR_ITEMS_PATH}/{vendor_item_id}/quantities/{quantity}"


def sales_path(vendor_item_id: int | str, action: str) -> str:
    return f"{VENDOR_ITEMS_PATH}/{vendor_item_id}/sales/{action}"


def vendor_item_call(path: str) -> dict[str, Any] | None:
    """A vendor-item call's parts (``item``, ``price``, ``quantity``, ``sales``, ``query``)."""
    found = _VENDOR_ITEM_CALL.match(path)
    return found.groupdict() if found else None


# --- the product body -------------------------------------------------------------------


def product_errors(body: Mapping[str, Any], *, update: bool) -> Errors:
    """What Coupang refuses in a create (``update=False``) or full update body."""
    errors: Errors = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if update and not isinstance(body.get("sellerProductId"), int):
        add("sellerProductId", "is required for an update")
    if not _is_int(body.get("displayCategoryCode")):
        add("displayCategoryCode", "must be a number (the display category code)")
    for name in REQUIRED_TEXT:
        if not _text(body.get(name)):
            add(name, "is required")
    for name in ("sellerProductName", "displayProductName"):
        if len(_text(body.get(name))) > NAME_MAX:
            add(name, f"is longer than {NAME_MAX} characters")
    for name in ("saleStartedAt", "saleEndedAt"):
        if _text(body.get(name)) and not _is_date(body[name]):
            add(name, "must be yyyy-MM-dd'T'HH:mm:ss")
    if not _is_int(body.get("outboundShippingPlaceCode")):
        add("outboundShippingPlaceCode", "must be a number (the outbound shipping place code)")
    for name in REQUIRED_AMOUNTS:
        if (_whole(body.get(name)) or 0) < 0 or not _is_int(body.get(name)):
            add(name, "must be a whole amount of 0 or more")
    for name, allowed in ENUMS.items():
        if body.get(name) not in allowed:
            add(name, f"must be one of {', '.join(allowed)}")
    if not isinstance(body.get("requested"), bool):
        add("requested", "must be true or false")
    items = body.get("items")
    if not isinstance(items, list) or not items:
        add("items", "must list at least one item")
        return errors
    skus: set[str] = set()
    for index, item in enumerate(items):
        for field, messages in item_errors(item).items():
            errors.setdefault(f"items[{index}].{field}", []).extend(messages)
        sku = _text(item.get("externalVendorSku")) if isinstance(item, Mapping) else ""
        if sku and sku in skus:
            add(f"items[{index}].externalVendorSku", "is used by another item")
        skus.add(sku)
    return errors


def item_errors(item: Any) -> Errors:
    errors: Errors = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not isinstance(item, Mapping):
        return {"": ["must be an object"]}
    name = _text(item.get("itemName"))
    if not name:
        add("itemName", "is required")
    elif len(name) > ITEM_NAME_MAX:
        add("itemName", f"is longer than {ITEM_NAME_MAX} characters")
    for field in ITEM_REQUIRED_NUMBERS:
        if not _is_int(item.get(field)) or _whole(item[field]) < 0:
            add(field, "must be a whole number of 0 or more")
    for field in ("originalPrice", "salePrice"):
        value = _whole(item.get(field))
        if value is not None and (value < PRICE_STEP or value % PRICE_STEP):
            add(field, f"must be a multiple of {PRICE_STEP} KRW")
    count = _whole(item.get("maximumBuyCount"))
    if count is not None and count > QUANTITY_MAX:
        add("maximumBuyCount", f"must be at most {QUANTITY_MAX}")
    for field, allowed in ITEM_ENUMS.items():
        if item.get(field) not in allowed:
            add(field, f"must be one of {', '.join(allowed)}")
    if len(_text(item.get("externalVendorSku"))) > SKU_MAX:
        add("externalVendorSku", f"is longer than {SKU_MAX} characters")
    if not _text(item.get("barcode")) and item.get("emptyBarcode") is not True:
        add("barcode", "is required unless emptyBarcode is true")
    if len(_text(item.get("emptyBarcodeReason"))) > BARCODE_REASON_MAX:
        add("emptyBarcodeReason", f"is longer than {BARCODE_REASON_MAX} characters")
    _images_check(item.get("images"), add)
    _notices_check(item.get("notices"), add)
    attributes = item.get("attributes")
    if not isinstance(attributes, list):
        add("attributes", "must be a list")
    else:
        for index, attribute in enumerate(attributes):
            if not isinstance(attribute, Mapping) or not all(
                _text(attribute.get(key)) for key in ("attributeTypeName", "attributeValueName")
            ):
                add(f"attributes[{index}]", "needs attributeTypeName and attributeValueName")
    if not isinstance(item.get("contents"), list):
        add("contents", "must be a list")
    return errors


def fixed_errors(body: Mapping[str, Any], fixed: Mapping[str, Any]) -> Errors:
    """An update that changes what the create fixed."""
    return {
        name: [f"cannot change after creation (was {fixed[name]!r})"]
        for name in FIXED_FIELDS
        if name in fixed and name in body and body[name] != fixed[name]
    }


def vendor_item_errors(path: str) -> Errors:
    """What Coupang refuses in one price, quantity or sales call."""
    parts = vendor_item_call(path)
    if parts is None:
        return {"path": [f"is not a vendor-item call: {path}"]}
    if parts["price"] is not None:
        price = int(parts["price"])
        if price < PRICE_STEP or price % PRICE_STEP:
            return {"salePrice": [f"must be a multiple of {PRICE_STEP} KRW, not {price}"]}
    if parts["quantity"] is not None and not 0 <= int(parts["quantity"]) <= QUANTITY_MAX:
        return {"quantity": [f"must be between 0 and {QUANTITY_MAX}"]}
    return {}


# --- small checks --------------------------------------------------------------------------


def _images_check(images: Any, add) -> None:
    if not isinstance(images, list) or not images:
        add("images", "must list at least one image")
        return
    kinds = [image.get("imageType") if isinstance(image, Mapping) else None for image in images]
    if kinds.count("REPRESENTATION") != 1:
        add("images", "needs exactly one REPRESENTATION image")
    if kinds.count("DETAIL") > DETAIL_IMAGES_MAX:
        add("images", f"has more than {DETAIL_IMAGES_MAX} DETAIL images")
    for index, image in enumerate(images):
        if not isinstance(image, Mapping) or image.get("imageType") not in IMAGE_TYPES:
            add(f"images[{index}].imageType", f"must be one of {', '.join(IMAGE_TYPES)}")
        elif not (_text(image.get("vendorPath")) or _text(image.get("cdnPath"))):
            add(f"images[{index}]", "needs a vendorPath or a cdnPath")


def _notices_check(notices: Any, add) -> None:
    if not isinstance(notices, list) or not notices:
        add("notices", "must list the product information notices")
        return
    categories = set()
    for index, notice in enumerate(notices):
        if not isinstance(notice, Mapping):
            add(f"notices[{index}]", "must be an object")
            continue
        for key in ("noticeCategoryName", "noticeCategoryDetailName", "content"):
            if not _text(notice.get(key)):
                add(f"notices[{index}].{key}", "is required")
        categories.add(_text(notice.get("noticeCategoryName")))
    if len(categories) > 1:
        add("notices", "must all belong to one notice category")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _is_int(value: Any) -> bool:
    """A whole number, or its digits as a string (Coupang's own examples send both)."""
    return _whole(value) is not None


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _is_date(value: Any) -> bool:
    try:
        datetime.strptime(str(value), DATE_FORMAT)
    except ValueError:
        return False
    return True
