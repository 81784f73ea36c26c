"""From a market-neutral ``ListingContent`` to the ESM Trading API's request bodies (no Django).

One function per operation; each answers ``(method, path, body)``. The register body follows
the published sample (https://etapi.gmarket.com/140): ``itemBasicInfo`` (name, site and ESM
categories, catalog) and ``itemAddtionalInfo`` (the misspelling is the API's) with per-site
price, stock and selling period, ``managedCode`` (our reference number, the seller's own code
the goods search finds), images, description, official notice and shipping.

What the content carries for this market (its preparer fills ``extra``):
``extra["categories"] = {"esm": "...", "gmarket": "...", "auction": "..."}`` (codes as text,
leading zeros kept) and ``extra["notice"] = {"officialNoticeNo": n, "details": [...]}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markets.listing import ListingContent

from .contract import (
    ADDITIONAL_IMAGES_MAX,
    GOODS_PATH,
    OPTION_QTY_MAX,
    PRICE_KEYS,
    SELL_KEYS,
    SITE_TYPES,
    STOCK_MAX,
    STOCK_MIN,
)
from .settings import AccountSettings

KEEP_SELLING_PERIOD = 0  # on an update, 0 keeps the period the listing has


def goods_body(
    content: ListingContent, account: AccountSettings, *, create: bool, on_sale: bool = True
) -> dict[str, Any]:
    """The register (``create``) or full update body."""
    sites = account.sites
    codes = category_codes(content)
    site_categories = [
        {"siteType": SITE_TYPES[site], "catCode": codes.get(site, "")} for site in sites
    ]
    category: dict[str, Any] = {"site": site_categories}
    if codes.get("esm"):
        category["esm"] = {"catCode": codes["esm"]}
    catalog: dict[str, Any] = {}
    if content.brand_id:
        catalog["brandNo"] = int(content.brand_id)
    if content.model_no:
        catalog["modelName"] = content.model_no
    basic: dict[str, Any] = {"goodsName": {"kor": content.name}, "category": category}
    if catalog:
        basic["catalog"] = catalog
    total = sellable_stock(content, account)
    period = account.selling_period if create else KEEP_SELLING_PERIOD
    more: dict[str, Any] = {
        "price": {PRICE_KEYS[s]: content.price for s in sites},
        "stock": {PRICE_KEYS[s]: _stock_field(total) for s in sites},
        "sellingPeriod": {PRICE_KEYS[s]: period for s in sites},
        "managedCode": content.reference_number,
        "isAdultProduct": False,
        "isVatFree": False,
        "images": images_field(content.images),
        "descriptions": {"kor": {"html": content.comments}},
        "officialNotice": notice_field(content),
        "shipping": shipping_field(account),
    }
    options = options_field(content, account)
    if options:
        more["recommendedOpts"] = options
    body: dict[str, Any] = {"itemBasicInfo": basic, "itemAddtionalInfo": more}
    if not create:
        # An update restates the sell status (sellers report the full PUT needs it); it keeps
        # a suspended listing suspended.
        body["isSell"] = {SELL_KEYS[s]: on_sale for s in sites}
    return body


def price_body(content: ListingContent, account: AccountSettings) -> dict[str, Any]:
    return {"itemBasicInfo": {"price": {SELL_KEYS[s]: content.price for s in account.sites}}}


def stock_body(content: ListingContent, account: AccountSettings) -> dict[str, Any]:
    """Sell-status body of a product without options: ESM takes 1 to 99,999 pieces, so a sold
    out product stops selling (``isSell`` false) and sells again once it has stock."""
    total = sellable_stock(content, account)
    return {
        "isSell": {SELL_KEYS[s]: total > 0 for s in account.sites},
        "itemBasicInfo": {"stock": {SELL_KEYS[s]: _stock_field(total) for s in account.sites}},
    }


def sell_body(account: AccountSettings, *, on_sale: bool) -> dict[str, Any]:
    return {"isSell": {SELL_KEYS[s]: on_sale for s in account.sites}}


def options_body(content: ListingContent, account: AccountSettings) -> dict[str, Any]:
    return {"recommendedOpts": options_field(content, account)}


# --- the parts ---------------------------------------------------------------------------


def category_codes(content: ListingContent) -> dict[str, str]:
    """Site and ESM category codes as text; ``category_id`` stands for Gmarket's when the
    preparer left no site codes."""
    codes = {k: str(v) for k, v in (content.extra.get("categories") or {}).items() if v}
    if "gmarket" not in codes and content.category_id:
        codes["gmarket"] = str(content.category_id)
    return codes


def variant_count(variant, account: AccountSettings) -> int:
    """Pieces one variant can sell: its count, the account's default when bought after the
    order, 0 when out of stock."""
    if variant.stock_type == "out_of_stock":
        return 0
    if variant.stock_type == "purchase_for_order" or variant.stocks is None:
        return account.default_stock
    return max(0, min(OPTION_QTY_MAX, int(variant.stocks)))


def sellable_stock(content: ListingContent, account: AccountSettings) -> int:
    if not content.variants:
        return 0
    return sum(variant_count(v, account) for v in content.variants)


def notice_field(content: ListingContent) -> dict[str, Any]:
    """The official notice as ESM takes it: the group number and (code, value) per item (the
    labels our preparer keeps for people stay out of the body)."""
    notice = content.extra.get("notice") or {}
    details = [
        {
            "officialNoticeItemelementCode": d.get("officialNoticeItemelementCode"),
            "value": d.get("value"),
        }
        for d in notice.get("details") or []
        if isinstance(d, Mapping)
    ]
    return {"officialNoticeNo": notice.get("officialNoticeNo"), "details": details}


def images_field(images) -> dict[str, str]:
    field = {"basicImgURL": images[0] if images else ""}
    for index, url in enumerate(images[1 : ADDITIONAL_IMAGES_MAX + 1], start=1):
        field[f"addtionalImg{index}URL"] = url
    return field


def shipping_field(account: AccountSettings) -> dict[str, Any]:
    field: dict[str, Any] = {
        "type": 1,  # 1: parcel delivery (택배)
        "policy": {"placeNo": account.shipping_place_no},
        "dispatchPolicyNo": {
            SELL_KEYS[s]: account.dispatch_policy_no.get(s) for s in account.sites
        },
    }
    if account.delivery_company_no is not None:
        field["companyNo"] = account.delivery_company_no
    returns: dict[str, Any] = {}
    if account.return_address_no is not None:
        returns["addrNo"] = account.return_address_no
    if account.return_fee is not None:
        returns["fee"] = account.return_fee
    if returns:
        field["returnAndExchange"] = returns
    return field


def options_field(content: ListingContent, account: AccountSettings) -> dict[str, Any] | None:
    """Colour x size as ESM's recommended options: ``Combination`` for two option types,
    ``Independent`` for one; each option's quantity per site, sold out flagged, and a
    ``manageCode`` of our own so an option is named the same on every call."""
    if not content.options or not content.variants:
        return None
    types = [t for t in ("color", "size") if any(o.type == t for o in content.options)]
    if not types:
        return None
    group = "combination" if len(types) == 2 else "independent"
    details = []
    for index, variant in enumerate(content.variants, start=1):
        values = dict(variant.options)
        count = variant_count(variant, account)
        detail: dict[str, Any] = {
            "isSoldOut": count == 0,
            "isDisplay": True,
            "qty": {SELL_KEYS[s]: count for s in account.sites},
            "manageCode": f"{content.reference_number}-{index}"[:50],
            "addAmnt": 0,
        }
        if group == "combination":
            detail["recommendedOptValue1"] = {"koreanText": values.get(types[0], "")}
            detail["recommendedOptValue2"] = {"koreanText": values.get(types[1], "")}
        else:
            detail["recommendedOptValue"] = {"koreanText": values.get(types[0], "")}
        details.append(detail)
    return {"type": group.capitalize(), "isStockManage": True, group: {"details": details}}


def _stock_field(total: int) -> int:
    """The product-level stock ESM takes (1 to 99,999): the sum, at least 1."""
    return max(STOCK_MIN, min(STOCK_MAX, total))


def goods_path(goods_no: str) -> str:
    return f"{GOODS_PATH}/{goods_no}"


def site_goods_numbers(answer: Mapping[str, Any]) -> dict[str, str]:
    """The site goods numbers a register answer gives (``siteDetail.gmkt.SiteGoodsNo``)."""
    detail = answer.get("siteDetail") or {}
    found = {}
    for site, key in SELL_KEYS.items():
        number = (detail.get(key) or {}).get("SiteGoodsNo") if isinstance(detail, Mapping) else None
        if number:
            found[f"{site}_goods_no"] = str(number)
    return found
