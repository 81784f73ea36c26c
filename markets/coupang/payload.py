"""A ``ListingContent`` and one account's settings, as Coupang's seller-product body.

One item per variant. Each item's ``externalVendorSku`` (Coupang's seller code, which its
lookup API searches) is our reference number for one item, the *anchor*, and the reference
number plus a short option suffix for the others. The anchor is the variant whose option key
sorts first, so it does not move when the supplier lists its variants in another order, and
``find(reference_number)`` always has an exact code to look up.

Volatile values (``saleStartedAt``) are left out of ``content_hash`` by ``body_for_hash``.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from markets.listing import ListingContent, ListingVariant

from . import contract

SEOUL = timezone(timedelta(hours=9))
DEFAULT_STOCK = 99
EMPTY_BARCODE_REASON = "위탁판매 상품으로 바코드 없음"

# account setting -> (body field, default); None: required, no default (settings_problems)
PRODUCT_SETTINGS: dict[str, tuple[str, Any]] = {
    "vendor_id": ("vendorId", None),
    "vendor_user_id": ("vendorUserId", None),
    "return_center_code": ("returnCenterCode", None),
    "outbound_shipping_place_code": ("outboundShippingPlaceCode", None),
    "return_charge_name": ("returnChargeName", None),
    "company_contact_number": ("companyContactNumber", None),
    "return_zip_code": ("returnZipCode", None),
    "return_address": ("returnAddress", None),
    "return_address_detail": ("returnAddressDetail", None),
    "delivery_company_code": ("deliveryCompanyCode", None),
    "delivery_method": ("deliveryMethod", "SEQUENCIAL"),
    "delivery_charge_type": ("deliveryChargeType", "FREE"),
    "delivery_charge": ("deliveryCharge", 0),
    "free_ship_over_amount": ("freeShipOverAmount", 0),
    "delivery_charge_on_return": ("deliveryChargeOnReturn", 5000),
    "return_charge": ("returnCharge", 5000),
    "remote_area_deliverable": ("remoteAreaDeliverable", "N"),
    "union_delivery_type": ("unionDeliveryType", "NOT_UNION_DELIVERY"),
    "requested": ("requested", True),
}
# item-level settings -> (item field, default)
ITEM_SETTINGS: dict[str, tuple[str, Any]] = {
    "outbound_shipping_time_day": ("outboundShippingTimeDay", 2),
    "maximum_buy_for_person": ("maximumBuyForPerson", 0),
    "maximum_buy_for_person_period": ("maximumBuyForPersonPeriod", 1),
    "adult_only": ("adultOnly", "EVERYONE"),
    "tax_type": ("taxType", "TAX"),
    "parallel_imported": ("parallelImported", "NOT_PARALLEL_IMPORTED"),
    "overseas_purchased": ("overseasPurchased", "NOT_OVERSEAS_PURCHASED"),
}
NUMERIC_SETTINGS = {
    "outbound_shipping_place_code",
    "delivery_charge",
    "free_ship_over_amount",
    "delivery_charge_on_return",
    "return_charge",
}
SALE_ENDED_AT = "2099-01-01T00:00:00"
# Coupang wants at least one attribute per item; a product without options is one piece.
SINGLE_ATTRIBUTE = {"attributeTypeName": "수량", "attributeValueName": "1개"}


def option_key(variant: ListingVariant) -> str:
    return "|".join(f"{kind}={value}" for kind, value in variant.options)


def skus(reference_number: str, variants: Sequence[ListingVariant]) -> list[str]:
    """Each variant's ``externalVendorSku``, in the variants' order (see the module doc)."""
    if not variants:
        return []
    keys = [option_key(v) for v in variants]
    anchor = min(keys)
    return [
        reference_number
        if key == anchor
        else f"{reference_number}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"
        for key in keys
    ]


def default_stock(settings: Mapping[str, Any]) -> int:
    """The account's ``default_stock`` (99 when unset or not a whole number)."""
    value = str(settings.get("default_stock", DEFAULT_STOCK)).strip()
    return int(value) if value.isdigit() else DEFAULT_STOCK


def stock_of(variant: ListingVariant, settings: Mapping[str, Any]) -> int:
    """Pieces to offer: the count on hand, the account's ``default_stock`` for products bought
    after the order, 0 when sold out."""
    if variant.stock_type == "out_of_stock":
        return 0
    if variant.stock_type == "stock_in_hand" and variant.stocks is not None:
        return max(0, min(int(variant.stocks), contract.QUANTITY_MAX))
    return default_stock(settings)


def sale_started_at(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(SEOUL).strftime(contract.DATE_FORMAT)


def product_body(
    content: ListingContent,
    settings: Mapping[str, Any],
    *,
    external_ids: Mapping[str, Any] | None = None,
    seller_product_id: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The create body, or (with ``seller_product_id``) the full update body, whose items carry
    the ``sellerProductItemId`` and ``vendorItemId`` Coupang gave."""
    body: dict[str, Any] = {}
    if seller_product_id is not None:
        body["sellerProductId"] = seller_product_id
    body["displayCategoryCode"] = content.category_id
    body["sellerProductName"] = content.name
    for setting, (field, default) in PRODUCT_SETTINGS.items():
        value = settings.get(setting, default)
        if setting in NUMERIC_SETTINGS and isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        body[field] = value if value is not None else ""
    body["saleStartedAt"] = sale_started_at(now)
    body["saleEndedAt"] = settings.get("sale_ended_at", SALE_ENDED_AT)
    body["displayProductName"] = content.name
    body["brand"] = content.brand_name
    body["generalProductName"] = content.extra.get("general_product_name", content.name)
    body["productGroup"] = content.extra.get("product_group", "")
    ids = external_ids or {}
    vendor_items = ids.get("vendorItemIds") or {}
    item_ids = ids.get("sellerProductItemIds") or {}
    body["items"] = []
    for sku, variant in zip(
        skus(content.reference_number, content.variants), content.variants, strict=True
    ):
        item = item_body(content, variant, sku, settings)
        if sku in item_ids:
            item = {"sellerProductItemId": item_ids[sku], **item}
        if sku in vendor_items:
            item = {"vendorItemId": vendor_items[sku], **item}
        body["items"].append(item)
    return body


def item_body(
    content: ListingContent, variant: ListingVariant, sku: str, settings: Mapping[str, Any]
) -> dict[str, Any]:
    extra = content.extra
    names = dict(extra.get("option_attribute_names") or {})
    option_attributes = [
        {"attributeTypeName": names.get(kind, kind), "attributeValueName": value}
        for kind, value in variant.options
        if value
    ]
    attributes = [dict(a) for a in extra.get("attributes") or []] + option_attributes
    item: dict[str, Any] = {
        "itemName": " ".join(v for _, v in variant.options if v) or "단일상품",
        "originalPrice": _original_price(content),
        "salePrice": content.price,
        "maximumBuyCount": stock_of(variant, settings),
        "unitCount": 0,
    }
    for setting, (field, default) in ITEM_SETTINGS.items():
        item[field] = settings.get(setting, default)
    item["pccNeeded"] = item["overseasPurchased"] == "OVERSEAS_PURCHASED"
    item.update(
        {
            "externalVendorSku": sku,
            "barcode": "",
            "emptyBarcode": True,
            "emptyBarcodeReason": EMPTY_BARCODE_REASON,
            "modelNo": content.model_no or "",
            "certifications": [{"certificationType": "NOT_REQUIRED", "certificationCode": ""}],
            "searchTags": list(extra.get("search_tags") or [])[:20],
            "images": images(content.images),
            "notices": [dict(n) for n in extra.get("notices") or []],
            "attributes": attributes or [dict(SINGLE_ATTRIBUTE)],
            "contents": contents(content),
        }
    )
    return item


def images(urls: Sequence[str]) -> list[dict[str, Any]]:
    """The first image represents the product; at most nine more are detail images."""
    chosen = list(urls)[: 1 + contract.DETAIL_IMAGES_MAX]
    return [
        {
            "imageOrder": order,
            "imageType": "REPRESENTATION" if order == 0 else "DETAIL",
            "vendorPath": url,
        }
        for order, url in enumerate(chosen)
    ]


def contents(content: ListingContent) -> list[dict[str, Any]]:
    """The detail page: the description as HTML, then every image."""
    paragraphs = [f"<p>{html.escape(line)}</p>" for line in content.comments.splitlines() if line]
    pictures = [f'<img src="{html.escape(url, quote=True)}" />' for url in content.images]
    page = "".join(paragraphs + pictures) or html.escape(content.name)
    return [{"contentsType": "TEXT", "contentDetails": [{"content": page, "detailType": "TEXT"}]}]


def body_for_hash(body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` without what changes on every build (dates) or is the market's (ids)."""
    kept = {k: v for k, v in body.items() if k not in ("saleStartedAt", "sellerProductId")}
    kept["items"] = [
        {k: v for k, v in item.items() if k not in ("vendorItemId", "sellerProductItemId")}
        for item in body.get("items") or []
    ]
    return kept


def _original_price(content: ListingContent) -> int:
    """The price before discount: the list price when above the price (rounded up to the
    10 KRW step), else the price itself (shown as Coupang's own price)."""
    if content.list_price and content.list_price > content.price:
        step = contract.PRICE_STEP
        return -(-content.list_price // step) * step
    return content.price
