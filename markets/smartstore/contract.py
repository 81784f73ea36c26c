"""The Naver Commerce API product contract, checked before anything is sent.

One validator, three users: the connector checks every body before a call, a dry run records
what it found, and the local contract server (``markets.smartstore.testing``) answers with the
same findings in Naver's 400 shape. Errors are ``{field: [messages]}`` keyed by the dotted path
Naver's ``invalidInputs[].name`` uses (``originProduct.name``).

Sources (docs/markets/smartstore.md cites each):
- POST /v2/products (상품 등록) and PUT /v2/products/origin-products/{originProductNo}
  (원상품 수정): required fields, ``salePrice`` <= 999,999,990, ``stockQuantity`` <=
  99,999,999, at most 9 optional images, ``statusType`` SALE on create (SALE or SUSPENSION on
  update), channel display ON or SUSPENSION, the notice objects and their lengths, the
  origin-area codes (importer when imported, content when typed in);
- PUT /v1/products/origin-products/{originProductNo}/option-stock: ``productSalePrice.salePrice``
  and per-option ``id``;
- PUT /v1/products/origin-products/{originProductNo}/change-status: SALE, OUTOFSTOCK, SUSPENSION.
Not in the API reference, from the Seller Center's product rules (not verified here): names of
at most 100 characters without ``\\ * ? " < >``, prices in 10-won steps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

TOKEN_PATH = "/v1/oauth2/token"
IMAGES_PATH = "/v1/product-images/upload"
PRODUCTS_PATH = "/v2/products"
ORIGIN_PRODUCT_PATH = "/v2/products/origin-products/{no}"
OPTION_STOCK_PATH = "/v1/products/origin-products/{no}/option-stock"
CHANGE_STATUS_PATH = "/v1/products/origin-products/{no}/change-status"
SEARCH_PATH = "/v1/products/search"
DEFAULT_BASE_URL = "https://api.commerce.naver.com/external"
IMAGE_HOST_SUFFIX = ".pstatic.net"

CREATE, UPDATE, OPTION_STOCK, CHANGE_STATUS = "create", "update", "option-stock", "change-status"

NAME_MAX = 100
NAME_FORBIDDEN = frozenset('\\*?"<>')
PRICE_STEP = 10
PRICE_MAX = 999_999_990
STOCK_MAX = 99_999_999
OPTIONAL_IMAGES_MAX = 9
UPLOAD_BATCH = 10
OPTION_GROUPS_MAX = 3
ORIGIN_CODES = re.compile(r"^0[0-5]\d*$")

# productInfoProvidedNoticeType -> (its object's key, {required field: max length}).
# The five return/refund clauses are "required" but default to 상품상세 참조 when left out.
NOTICE_FIELDS: dict[str, tuple[str, dict[str, int]]] = {
    "WEAR": (
        "wear",
        {
            "material": 1500,
            "color": 200,
            "size": 200,
            "manufacturer": 200,
            "caution": 1500,
            "warrantyPolicy": 1500,
            "afterServiceDirector": 200,
        },
    ),
    "SHOES": (
        "shoes",
        {
            "material": 1500,
            "color": 200,
            "size": 200,
            "manufacturer": 200,
            "caution": 1500,
            "warrantyPolicy": 1500,
            "afterServiceDirector": 200,
        },
    ),
    "BAG": (
        "bag",
        {
            "type": 200,
            "material": 1500,
            "color": 200,
            "size": 200,
            "manufacturer": 200,
            "caution": 1500,
            "warrantyPolicy": 1500,
            "afterServiceDirector": 200,
        },
    ),
    "FASHION_ITEMS": (
        "fashionItems",
        {
            "type": 200,
            "material": 1500,
            "size": 200,
            "manufacturer": 200,
            "caution": 1500,
            "warrantyPolicy": 1500,
            "afterServiceDirector": 200,
        },
    ),
    "JEWELLERY": (
        "jewellery",
        {
            "material": 200,
            "purity": 200,
            "weight": 200,
            "manufacturer": 200,
            "size": 200,
            "caution": 1500,
            "specification": 1500,
            "provideWarranty": 200,
            "warrantyPolicy": 1500,
            "afterServiceDirector": 200,
        },
    ),
    "ETC": ("etc", {"itemName": 50, "modelName": 50, "manufacturer": 200}),
}

BLANK = "must not be blank"
STEP = f"must be a multiple of {PRICE_STEP} won"

Errors = dict[str, list[str]]


def kind_of(method: str, path: str) -> str | None:
    """Which product call a method and path are (``None``: not a product write)."""
    path = path.rstrip("/")
    if method == "POST" and path.endswith(PRODUCTS_PATH):
        return CREATE
    if method == "PUT" and re.search(r"/v2/products/origin-products/\d+$", path):
        return UPDATE
    if method == "PUT" and re.search(r"/origin-products/\d+/option-stock$", path):
        return OPTION_STOCK
    if method == "PUT" and re.search(r"/origin-products/\d+/change-status$", path):
        return CHANGE_STATUS
    return None


def name_problems(name: str) -> list[str]:
    """What is wrong with a product name (empty list: nothing)."""
    if not (name or "").strip():
        return [BLANK]
    found = []
    if len(name) > NAME_MAX:
        found.append(f"must be at most {NAME_MAX} characters (has {len(name)})")
    bad = sorted(set(name) & NAME_FORBIDDEN)
    if bad:
        found.append("must not contain " + " ".join(bad))
    return found


def errors_for(
    kind: str, body: Mapping[str, Any], fixed: Mapping[str, Any] | None = None
) -> Errors:
    """Every rule ``body`` breaks for a call of that kind; ``{}`` when it would be accepted."""
    errors: Errors = {}
    if not isinstance(body, Mapping):
        return {"body": ["must be a JSON object"]}
    if kind in (CREATE, UPDATE):
        _product(kind, body, fixed or {}, errors)
    elif kind == OPTION_STOCK:
        _option_stock(body, errors)
    elif kind == CHANGE_STATUS:
        _change_status(body, errors)
    else:
        errors["body"] = [f"unknown call {kind!r}"]
    return errors


# --- the rules, by call --------------------------------------------------------------------


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _int_in(errors: Errors, field: str, value: Any, maximum: int, *, step: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        _add(errors, field, "must be a whole number")
    elif value < 0 or value > maximum:
        _add(errors, field, f"must be between 0 and {maximum}")
    elif value % step:
        _add(errors, field, STEP)


def _product(kind: str, body: Mapping[str, Any], fixed: Mapping[str, Any], errors: Errors) -> None:
    origin = body.get("originProduct")
    if not isinstance(origin, Mapping):
        _add(errors, "originProduct", BLANK)
        return
    allowed = ("SALE",) if kind == CREATE else ("SALE", "SUSPENSION")
    if origin.get("statusType") not in allowed:
        _add(errors, "originProduct.statusType", f"must be one of {', '.join(allowed)}")
    category = origin.get("leafCategoryId")
    if kind == CREATE and (_blank(category) or not str(category).isdigit()):
        _add(errors, "originProduct.leafCategoryId", "must be a leaf category id (digits)")
    if (
        kind == UPDATE
        and category is not None
        and fixed.get("leafCategoryId")
        not in (
            None,
            str(category),
        )
    ):
        _add(errors, "originProduct.leafCategoryId", "cannot be changed once published")
    for message in name_problems(origin.get("name") or ""):
        _add(errors, "originProduct.name", message)
    if _blank(origin.get("detailContent")):
        _add(errors, "originProduct.detailContent", BLANK)
    _images(origin.get("images"), errors)
    if "salePrice" not in origin:
        _add(errors, "originProduct.salePrice", BLANK)
    else:
        _int_in(errors, "originProduct.salePrice", origin["salePrice"], PRICE_MAX, step=PRICE_STEP)
    if kind == CREATE and "stockQuantity" not in origin:
        _add(errors, "originProduct.stockQuantity", BLANK)
    elif "stockQuantity" in origin:
        _int_in(errors, "originProduct.stockQuantity", origin["stockQuantity"], STOCK_MAX)
    _delivery(origin.get("deliveryInfo"), errors)
    _detail(kind, origin.get("detailAttribute"), errors)
    channel = body.get("smartstoreChannelProduct")
    if not isinstance(channel, Mapping):
        _add(errors, "smartstoreChannelProduct", BLANK)
        return
    if not isinstance(channel.get("naverShoppingRegistration"), bool):
        _add(errors, "smartstoreChannelProduct.naverShoppingRegistration", "must be true or false")
    if channel.get("channelProductDisplayStatusType") not in ("ON", "SUSPENSION"):
        _add(
            errors,
            "smartstoreChannelProduct.channelProductDisplayStatusType",
            "must be ON or SUSPENSION",
        )


def _images(images: Any, errors: Errors) -> None:
    if not isinstance(images, Mapping):
        _add(errors, "originProduct.images", BLANK)
        return
    representative = images.get("representativeImage")
    url = representative.get("url") if isinstance(representative, Mapping) else None
    if _blank(url) or not str(url).startswith(("http://", "https://")):
        _add(errors, "originProduct.images.representativeImage.url", "must be an image URL")
    optional = images.get("optionalImages") or []
    if len(optional) > OPTIONAL_IMAGES_MAX:
        _add(errors, "originProduct.images.optionalImages", f"at most {OPTIONAL_IMAGES_MAX}")


def _delivery(info: Any, errors: Errors) -> None:
    if info is None:
        return  # no delivery: a product without shipping (allowed, never sent by us)
    if not isinstance(info, Mapping):
        _add(errors, "originProduct.deliveryInfo", "must be an object")
        return
    if info.get("deliveryType") not in ("DELIVERY", "DIRECT"):
        _add(errors, "originProduct.deliveryInfo.deliveryType", "must be DELIVERY or DIRECT")
    if _blank(info.get("deliveryAttributeType")):
        _add(errors, "originProduct.deliveryInfo.deliveryAttributeType", BLANK)
    if info.get("deliveryType") == "DELIVERY" and _blank(info.get("deliveryCompany")):
        _add(errors, "originProduct.deliveryInfo.deliveryCompany", BLANK)
    fee = info.get("deliveryFee")
    if not isinstance(fee, Mapping):
        _add(errors, "originProduct.deliveryInfo.deliveryFee", BLANK)
    elif "baseFee" in fee:
        _int_in(errors, "originProduct.deliveryInfo.deliveryFee.baseFee", fee["baseFee"], 100_000)
    claim = info.get("claimDeliveryInfo")
    if not isinstance(claim, Mapping):
        _add(errors, "originProduct.deliveryInfo.claimDeliveryInfo", BLANK)
        return
    for name in ("returnDeliveryFee", "exchangeDeliveryFee"):
        field = f"originProduct.deliveryInfo.claimDeliveryInfo.{name}"
        if name not in claim:
            _add(errors, field, BLANK)
        else:
            _int_in(errors, field, claim[name], 1_000_000)


def _detail(kind: str, detail: Any, errors: Errors) -> None:
    prefix = "originProduct.detailAttribute"
    if not isinstance(detail, Mapping):
        _add(errors, prefix, BLANK)
        return
    service = detail.get("afterServiceInfo")
    service = service if isinstance(service, Mapping) else {}
    for name in ("afterServiceTelephoneNumber", "afterServiceGuideContent"):
        if _blank(service.get(name)):
            _add(errors, f"{prefix}.afterServiceInfo.{name}", BLANK)
    origin = detail.get("originAreaInfo")
    origin = origin if isinstance(origin, Mapping) else {}
    code = str(origin.get("originAreaCode") or "")
    if not ORIGIN_CODES.match(code):
        _add(errors, f"{prefix}.originAreaInfo.originAreaCode", "must be an origin-area code")
    elif code.startswith("02") and _blank(origin.get("importer")):
        _add(errors, f"{prefix}.originAreaInfo.importer", "is required for imported goods")
    elif code.startswith("04") and _blank(origin.get("content")):
        _add(errors, f"{prefix}.originAreaInfo.content", "is required when typed in")
    if not isinstance(detail.get("minorPurchasable"), bool):
        _add(errors, f"{prefix}.minorPurchasable", "must be true or false")
    _options(detail.get("optionInfo"), errors)
    notice = detail.get("productInfoProvidedNotice")
    if notice is None and kind == UPDATE:
        return  # kept as stored (allowed on update only)
    _notice(notice, errors)


def _options(info: Any, errors: Errors) -> None:
    if info is None:
        return
    prefix = "originProduct.detailAttribute.optionInfo"
    if not isinstance(info, Mapping):
        _add(errors, prefix, "must be an object")
        return
    combinations = info.get("optionCombinations") or []
    names = info.get("optionCombinationGroupNames") or {}
    groups = [
        n for n in ("optionGroupName1", "optionGroupName2", "optionGroupName3") if names.get(n)
    ]
    if combinations and not groups:
        _add(errors, f"{prefix}.optionCombinationGroupNames.optionGroupName1", BLANK)
    seen = set()
    for index, combination in enumerate(combinations):
        field = f"{prefix}.optionCombinations[{index}]"
        values = tuple(combination.get(f"optionName{i + 1}") for i in range(len(groups)))
        if any(_blank(v) for v in values):
            _add(errors, f"{field}.optionName1", BLANK)
        if values in seen:
            _add(errors, field, "repeats an option combination")
        seen.add(values)
        _int_in(errors, f"{field}.stockQuantity", combination.get("stockQuantity", 0), STOCK_MAX)
        _int_in(errors, f"{field}.price", abs(combination.get("price", 0) or 0), PRICE_MAX)


def _notice(notice: Any, errors: Errors) -> None:
    prefix = "originProduct.detailAttribute.productInfoProvidedNotice"
    if not isinstance(notice, Mapping) or _blank(notice.get("productInfoProvidedNoticeType")):
        _add(errors, f"{prefix}.productInfoProvidedNoticeType", BLANK)
        return
    kind = notice["productInfoProvidedNoticeType"]
    key, fields = NOTICE_FIELDS.get(kind, (None, {}))
    if key is None:
        return  # a group we do not send; Naver checks its own fields
    values = notice.get(key)
    if not isinstance(values, Mapping):
        _add(errors, f"{prefix}.{key}", BLANK)
        return
    for name, maximum in fields.items():
        value = values.get(name)
        if _blank(value):
            _add(errors, f"{prefix}.{key}.{name}", BLANK)
        elif len(str(value)) > maximum:
            _add(errors, f"{prefix}.{key}.{name}", f"must be at most {maximum} characters")
    if kind == "WEAR" and _blank(values.get("packDate")) and _blank(values.get("packDateText")):
        _add(errors, f"{prefix}.wear.packDateText", "is required without packDate")
    if (
        kind == "ETC"
        and _blank(values.get("afterServiceDirector"))
        and _blank(values.get("customerServicePhoneNumber"))
    ):
        _add(
            errors,
            f"{prefix}.etc.customerServicePhoneNumber",
            "is required without afterServiceDirector",
        )


def _option_stock(body: Mapping[str, Any], errors: Errors) -> None:
    price = body.get("productSalePrice")
    if price is not None:
        if not isinstance(price, Mapping) or "salePrice" not in price:
            _add(errors, "productSalePrice.salePrice", BLANK)
        else:
            _int_in(
                errors, "productSalePrice.salePrice", price["salePrice"], PRICE_MAX, step=PRICE_STEP
            )
    info = body.get("optionInfo")
    if not isinstance(info, Mapping):
        _add(errors, "optionInfo", BLANK)
        return
    for index, combination in enumerate(info.get("optionCombinations") or []):
        field = f"optionInfo.optionCombinations[{index}]"
        if isinstance(combination.get("id"), bool) or not isinstance(combination.get("id"), int):
            _add(errors, f"{field}.id", BLANK)
        _int_in(errors, f"{field}.stockQuantity", combination.get("stockQuantity", 0), STOCK_MAX)


def _change_status(body: Mapping[str, Any], errors: Errors) -> None:
    if body.get("statusType") not in ("SALE", "OUTOFSTOCK", "SUSPENSION"):
        _add(errors, "statusType", "must be SALE, OUTOFSTOCK or SUSPENSION")
    if "stockQuantity" in body:
        _int_in(errors, "stockQuantity", body["stockQuantity"], STOCK_MAX)
