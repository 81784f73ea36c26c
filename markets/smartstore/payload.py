"""Naver Commerce API request bodies from a market-neutral ``ListingContent``.

Pure functions of the content, the account's settings and what we know of the listing (no
HTTP, no Django), so the request log, the dry run, the content hash and the connector all see
the same body. Field names and places are those of POST /v2/products (see ``contract``).

Images: a body names our public image URLs, or the Naver-hosted URL already uploaded for one
(``state.external_ids["images"]``: source URL -> Naver URL); the connector uploads the others
just before sending and puts their Naver URLs in place (Naver refuses any other host).
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping
from typing import Any

from markets.listing import ListingContent, ListingVariant

from . import contract

OPTION_GROUP_NAMES = {"color": "색상", "size": "사이즈"}
DEFAULT_ORIGIN_AREA_CODE = "03"  # 기타 - 상세 설명에 표시
ORDER_STOCK = 99


def option_key(options: tuple[tuple[str, str], ...]) -> str:
    """A variant's key in ``external_ids["options"]`` (``color=Black|size=M``; ``""`` alone)."""
    return "|".join(f"{kind}={value}" for kind, value in options)


def option_types(content: ListingContent) -> list[str]:
    """The option types the content varies by, colour before size."""
    present = {kind for variant in content.variants for kind, _ in variant.options}
    return [kind for kind in ("color", "size") if kind in present]


def variant_stock(variant: ListingVariant) -> int:
    """Pieces to offer: out of stock is 0; bought after the order without a count is offered
    as ``ORDER_STOCK`` (Naver sells only what a count allows)."""
    if variant.stock_type == "out_of_stock":
        return 0
    if variant.stocks is None:
        return ORDER_STOCK if variant.stock_type == "purchase_for_order" else 0
    return min(max(0, int(variant.stocks)), contract.STOCK_MAX)


def total_stock(content: ListingContent) -> int:
    return min(sum(variant_stock(v) for v in content.variants), contract.STOCK_MAX)


def hosted(url: str, images: Mapping[str, str]) -> str:
    """The Naver URL for one of our image URLs when it was uploaded already, else the URL."""
    return images.get(url, url)


def detail_content(content: ListingContent, images: Mapping[str, str]) -> str:
    """The product page (HTML): the description, then every image."""
    paragraphs = [
        f"<p>{html.escape(line)}</p>"
        for line in (content.comments or "").splitlines()
        if line.strip()
    ]
    pictures = [
        f'<p><img src="{html.escape(hosted(url, images), quote=True)}" alt=""></p>'
        for url in content.images
    ]
    return "\n".join(paragraphs + pictures)


def option_info(content: ListingContent, option_ids: Mapping[str, int]) -> dict[str, Any] | None:
    """조합형 options: one combination per variant (``None`` for a product without options)."""
    kinds = option_types(content)
    if not kinds:
        return None
    names = {f"optionGroupName{i + 1}": OPTION_GROUP_NAMES[k] for i, k in enumerate(kinds)}
    combinations = []
    for variant in content.variants:
        values = dict(variant.options)
        combination: dict[str, Any] = {
            f"optionName{i + 1}": values.get(kind, "") for i, kind in enumerate(kinds)
        }
        combination.update(stockQuantity=variant_stock(variant), price=0, usable=True)
        known = option_ids.get(option_key(variant.options))
        if known is not None:
            combination = {"id": int(known), **combination}
        combinations.append(combination)
    return {
        "optionCombinationSortType": "CREATE",
        "optionCombinationGroupNames": names,
        "optionCombinations": combinations,
    }


def delivery_info(settings: Mapping[str, Any]) -> dict[str, Any]:
    """배송 정보 from the account settings (택배, the account's courier, fee and addresses)."""
    fee = int(settings.get("delivery_fee") or 0)
    free_over = settings.get("free_delivery_over")
    if fee <= 0:
        delivery_fee: dict[str, Any] = {"deliveryFeeType": "FREE", "baseFee": 0}
    elif free_over:
        delivery_fee = {
            "deliveryFeeType": "CONDITIONAL_FREE",
            "baseFee": fee,
            "freeConditionalAmount": int(free_over),
            "deliveryFeePayType": "PREPAID",
        }
    else:
        delivery_fee = {"deliveryFeeType": "PAID", "baseFee": fee, "deliveryFeePayType": "PREPAID"}
    claim: dict[str, Any] = {
        "returnDeliveryFee": int(settings.get("return_delivery_fee") or 0),
        "exchangeDeliveryFee": int(settings.get("exchange_delivery_fee") or 0),
    }
    for key, name in (
        ("shipping_address_id", "shippingAddressId"),
        ("return_address_id", "returnAddressId"),
    ):
        if settings.get(key) not in (None, ""):
            claim[name] = int(settings[key])
    return {
        "deliveryType": "DELIVERY",
        "deliveryAttributeType": "NORMAL",
        "deliveryCompany": str(settings.get("delivery_company") or ""),
        "deliveryFee": delivery_fee,
        "claimDeliveryInfo": claim,
    }


def origin_area(content: ListingContent, settings: Mapping[str, Any]) -> dict[str, Any]:
    """원산지: the preparer's choice (``extra["origin_area"]``), else the account's code."""
    chosen = content.extra.get("origin_area")
    if isinstance(chosen, Mapping) and chosen.get("originAreaCode"):
        info = dict(chosen)
    else:
        info = {"originAreaCode": str(settings.get("origin_area_code") or DEFAULT_ORIGIN_AREA_CODE)}
    if info["originAreaCode"].startswith("02") and not info.get("importer"):
        info["importer"] = str(settings.get("importer") or "")
    info.setdefault("plural", False)
    return info


def product_body(
    content: ListingContent,
    settings: Mapping[str, Any],
    external_ids: Mapping[str, Any],
    *,
    create: bool,
    suspended: bool = False,
) -> dict[str, Any]:
    """The whole product (POST /v2/products, or PUT of an origin product)."""
    images = external_ids.get("images") or {}
    urls = [hosted(u, images) for u in content.images]
    detail: dict[str, Any] = {
        "naverShoppingSearchInfo": {
            k: v
            for k, v in (
                ("brandName", content.brand_name or None),
                ("modelName", content.model_no or None),
                ("manufacturerName", content.extra.get("manufacturer") or None),
            )
            if v
        },
        "afterServiceInfo": {
            "afterServiceTelephoneNumber": str(settings.get("after_service_telephone") or ""),
            "afterServiceGuideContent": str(settings.get("after_service_guide") or ""),
        },
        "originAreaInfo": origin_area(content, settings),
        "sellerCodeInfo": {"sellerManagementCode": content.reference_number},
        "productInfoProvidedNotice": dict(content.extra.get("notice") or {}),
        "minorPurchasable": bool(settings.get("minor_purchasable", True)),
    }
    if content.brand_id:
        detail["naverShoppingSearchInfo"]["brandId"] = content.brand_id
    options = option_info(content, external_ids.get("options") or {})
    if options is not None:
        detail["optionInfo"] = options
    attributes = content.extra.get("attributes")
    if attributes:
        detail["productAttributes"] = list(attributes)
    status = "SUSPENSION" if suspended and not create else "SALE"
    origin: dict[str, Any] = {
        "statusType": status,
        "saleType": "NEW",
        "name": content.name,
        "detailContent": detail_content(content, images),
        "images": {
            "representativeImage": {"url": urls[0] if urls else ""},
            "optionalImages": [{"url": u} for u in urls[1 : 1 + contract.OPTIONAL_IMAGES_MAX]],
        },
        "salePrice": int(content.price),
        "stockQuantity": total_stock(content),
        "deliveryInfo": delivery_info(settings),
        "detailAttribute": detail,
    }
    if create:
        origin["leafCategoryId"] = str(content.category_id)
    return {
        "originProduct": origin,
        "smartstoreChannelProduct": {
            "naverShoppingRegistration": bool(settings.get("naver_shopping_registration", False)),
            "channelProductDisplayStatusType": "SUSPENSION" if status == "SUSPENSION" else "ON",
        },
    }


def option_stock_body(
    content: ListingContent, option_ids: Mapping[str, int]
) -> dict[str, Any] | None:
    """Price and per-option stock (``None`` when an option's Naver id is not known)."""
    combinations = []
    for variant in content.variants:
        known = option_ids.get(option_key(variant.options))
        if known is None:
            return None
        combinations.append(
            {"id": int(known), "stockQuantity": variant_stock(variant), "price": 0, "usable": True}
        )
    return {
        "productSalePrice": {"salePrice": int(content.price)},
        "optionInfo": {"optionCombinations": combinations},
    }


def content_hash(content: ListingContent, settings: Mapping[str, Any]) -> str:
    """sha256 of the full create body (our image URLs, no dates: nothing volatile)."""
    body = product_body(content, settings, {}, create=True)
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
