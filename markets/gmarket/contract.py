"""The ESM Trading API's goods contract as we know it, and the one validator that enforces it.

``errors_for(method, path, body)`` answers ``{field: [messages]}`` for a request body; the
connector's dry run (``validate``) and the local contract server call the same function, so a
body refused here is the body the market would refuse. Field names are the body's own dotted
paths (``itemBasicInfo.goodsName.kor``).

Sources (docs/markets/gmarket.md lists them with what is verified and what is not):

- register / update: https://etapi.gmarket.com/140 (상품 등록/수정 전문) and
  https://etapi.gmarket.com/29 (answer shape ``{"goodsNo", "resultCode", "message"}``);
- search by the seller's managed code: https://etapi.gmarket.com/category/상품API (상품 목록 조회,
  ``managedCode[]``, at most 30 calls a minute);
- price 10 to 1,000,000,000 won, stock 1 to 99,999, selling period -1/0/15/30/60/90/365, goods
  name at most 100 bytes, 14 additional images: the ESM+ rules as sellers and tool makers
  report them (the answers' own messages, e.g. "판매기간은 -1(무제한), 0, 15, 30, 60, 90만
  가능합니다"); the 10-won price unit is the ESM+ form's rule. Unverified against the guide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

GOODS_PATH = "/item/v1/goods"
SEARCH_PATH = "/item/v1/goods/search"
GOODS_ITEM = re.compile(r"^/item/v1/goods/(?P<goods_no>\d+)$")
SELL_STATUS = re.compile(r"^/item/v1/goods/(?P<goods_no>\d+)/sell-status$")
OPTIONS = re.compile(r"^/item/v1/goods/(?P<goods_no>\d+)/recommended-options$")

SITE_TYPES = {"auction": 1, "gmarket": 2}
# The register body spells the per-site keys "Gmkt"/"Iac"; sell-status and option quantities
# spell them "gmkt"/"iac" (both as the published samples show them).
PRICE_KEYS = {"gmarket": "Gmkt", "auction": "Iac"}
SELL_KEYS = {"gmarket": "gmkt", "auction": "iac"}

NAME_MAX_BYTES = 100
PRICE_MIN, PRICE_MAX, PRICE_STEP = 10, 1_000_000_000, 10
STOCK_MIN, STOCK_MAX = 1, 99_999
OPTION_QTY_MAX = 99_999
SELLING_PERIODS = frozenset({-1, 0, 15, 30, 60, 90, 365})
ADDITIONAL_IMAGES_MAX = 14
MANAGED_CODE_MAX = 50
MODEL_NAME_MAX = 50
OPTION_TEXT_MAX = 50
OPTION_DETAILS_MAX = 500  # 2- and 3-level combinations: at most 500 (the option API's rule)
_URL = re.compile(r"^https?://\S+$")
_CODE = re.compile(r"^\d{1,20}$")

Errors = dict[str, list[str]]


def name_bytes(text: str) -> int:
    """The length ESM counts for a goods name: bytes in the Korean code page (a Hangul syllable
    is 2 bytes, so 100 bytes is 50 Hangul), a character outside it counted as 2."""
    total = 0
    for char in text:
        try:
            total += len(char.encode("cp949"))
        except UnicodeEncodeError:
            total += 2
    return total


def errors_for(method: str, path: str, body: Any, *, create: bool | None = None) -> Errors:
    """What the market refuses in this request (``{}``: nothing). ``create`` defaults to
    "a POST to the goods path"."""
    errors: Errors = {}
    if not isinstance(body, Mapping):
        return {"body": ["must be a JSON object"]}
    if path == GOODS_PATH or GOODS_ITEM.match(path):
        is_create = (method == "POST") if create is None else create
        _goods(body, errors, create=is_create)
    elif SELL_STATUS.match(path):
        _sell_status(body, errors)
    elif OPTIONS.match(path):
        options = body.get("recommendedOpts")
        if not isinstance(options, Mapping):
            _add(errors, "recommendedOpts", "is required")
        else:
            _options(options, errors)
    elif path != SEARCH_PATH:
        _add(errors, "path", f"{path} is not a goods endpoint")
    return errors


# --- the parts ---------------------------------------------------------------------------


def _goods(body: Mapping[str, Any], errors: Errors, *, create: bool) -> None:
    basic = _object(body, "itemBasicInfo", errors)
    more = _object(body, "itemAddtionalInfo", errors)
    if basic is None or more is None:
        return
    name = ((basic.get("goodsName") or {}).get("kor") or "").strip()
    if not name:
        _add(errors, "itemBasicInfo.goodsName.kor", "is required")
    elif name_bytes(name) > NAME_MAX_BYTES:
        _add(
            errors,
            "itemBasicInfo.goodsName.kor",
            f"is {name_bytes(name)} bytes; at most {NAME_MAX_BYTES} (50 Hangul)",
        )
    sites = _prices(more.get("price"), "itemAddtionalInfo.price", PRICE_KEYS, errors)
    _categories(basic.get("category"), sites, errors)
    _stocks(more.get("stock"), "itemAddtionalInfo.stock", PRICE_KEYS, sites, errors)
    _selling_period(more.get("sellingPeriod"), sites, errors, create=create)
    _catalog(basic.get("catalog"), errors)
    code = more.get("managedCode")
    if code is not None and (not isinstance(code, str) or len(code) > MANAGED_CODE_MAX):
        _add(errors, "itemAddtionalInfo.managedCode", f"at most {MANAGED_CODE_MAX} characters")
    if not isinstance(more.get("isAdultProduct"), bool):
        _add(errors, "itemAddtionalInfo.isAdultProduct", "is required (true or false)")
    _images(more.get("images"), errors)
    html = (((more.get("descriptions") or {}).get("kor") or {}).get("html") or "").strip()
    if not html:
        _add(errors, "itemAddtionalInfo.descriptions.kor.html", "is required")
    _notice(more.get("officialNotice"), errors)
    _shipping(more.get("shipping"), sites, errors)
    options = more.get("recommendedOpts")
    if options is not None:
        if isinstance(options, Mapping):
            _options(options, errors)
        else:
            _add(errors, "itemAddtionalInfo.recommendedOpts", "must be an object")


def _sell_status(body: Mapping[str, Any], errors: Errors) -> None:
    basic = body.get("itemBasicInfo") or {}
    is_sell = body.get("isSell")
    if is_sell is None and not basic.get("price") and not basic.get("stock"):
        _add(errors, "body", "isSell, itemBasicInfo.price or itemBasicInfo.stock is required")
        return
    if is_sell is not None:
        if not isinstance(is_sell, Mapping) or not is_sell:
            _add(errors, "isSell", "must name the sites: {gmkt: bool, iac: bool}")
        else:
            for key, value in is_sell.items():
                if key not in SELL_KEYS.values() or not isinstance(value, bool):
                    _add(errors, f"isSell.{key}", "must be true or false for gmkt or iac")
    if basic.get("price") is not None:
        _prices(basic["price"], "itemBasicInfo.price", SELL_KEYS, errors)
    if basic.get("stock") is not None:
        sites = set(basic["stock"]) if isinstance(basic["stock"], Mapping) else set()
        named = {site for site, key in SELL_KEYS.items() if key in sites}
        _stocks(basic["stock"], "itemBasicInfo.stock", SELL_KEYS, named, errors)


def _prices(value: Any, field: str, keys: Mapping[str, str], errors: Errors) -> set[str]:
    """The sites priced; a price per site within range and on the 10-won step."""
    if not isinstance(value, Mapping) or not value:
        _add(errors, field, "is required for at least one site")
        return set()
    sites = set()
    for site, key in keys.items():
        if key not in value:
            continue
        sites.add(site)
        price = value[key]
        if not isinstance(price, int) or isinstance(price, bool):
            _add(errors, f"{field}.{key}", "must be a whole number of won")
        elif not PRICE_MIN <= price <= PRICE_MAX:
            _add(errors, f"{field}.{key}", f"must be {PRICE_MIN} to {PRICE_MAX:,} won")
        elif price % PRICE_STEP:
            _add(errors, f"{field}.{key}", f"must be a multiple of {PRICE_STEP} won")
    unknown = set(value) - set(keys.values())
    if unknown:
        _add(errors, field, f"unknown sites {sorted(unknown)}")
    if not sites:
        _add(errors, field, "is required for at least one site")
    return sites


def _stocks(value: Any, field: str, keys, sites: set[str], errors: Errors) -> None:
    if not isinstance(value, Mapping):
        _add(errors, field, "is required")
        return
    for site in sites:
        stock = value.get(keys[site])
        if not isinstance(stock, int) or not STOCK_MIN <= stock <= STOCK_MAX:
            _add(errors, f"{field}.{keys[site]}", f"must be {STOCK_MIN} to {STOCK_MAX:,}")


def _categories(value: Any, sites: set[str], errors: Errors) -> None:
    site_list = (value or {}).get("site") if isinstance(value, Mapping) else None
    if not isinstance(site_list, list) or not site_list:
        _add(errors, "itemBasicInfo.category.site", "needs a leaf category per site")
        return
    given = {}
    for index, entry in enumerate(site_list):
        entry = entry if isinstance(entry, Mapping) else {}
        site_type, code = entry.get("siteType"), str(entry.get("catCode") or "")
        if site_type not in SITE_TYPES.values():
            _add(errors, f"itemBasicInfo.category.site[{index}].siteType", "must be 1 or 2")
        if not _CODE.match(code):
            _add(errors, f"itemBasicInfo.category.site[{index}].catCode", "must be digits")
        given[site_type] = code
    for site in sites:
        if SITE_TYPES[site] not in given:
            _add(errors, "itemBasicInfo.category.site", f"has no category for {site}")
    esm = (value.get("esm") or {}).get("catCode") if isinstance(value, Mapping) else None
    if esm is not None and not _CODE.match(str(esm)):
        _add(errors, "itemBasicInfo.category.esm.catCode", "must be digits")


def _selling_period(value: Any, sites: set[str], errors: Errors, *, create: bool) -> None:
    if not isinstance(value, Mapping):
        _add(errors, "itemAddtionalInfo.sellingPeriod", "is required")
        return
    for site in sites:
        key = PRICE_KEYS[site]
        days = value.get(key)
        if days not in SELLING_PERIODS or (create and days == 0):
            allowed = "-1, 15, 30, 60, 90 or 365" if create else "-1, 0, 15, 30, 60, 90 or 365"
            _add(errors, f"itemAddtionalInfo.sellingPeriod.{key}", f"must be {allowed}")


def _catalog(value: Any, errors: Errors) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        _add(errors, "itemBasicInfo.catalog", "must be an object")
        return
    brand = value.get("brandNo")
    if brand is not None and (not isinstance(brand, int) or brand < 0):
        _add(errors, "itemBasicInfo.catalog.brandNo", "must be a brand number")
    model = value.get("modelName")
    if model is not None and len(str(model)) > MODEL_NAME_MAX:
        _add(errors, "itemBasicInfo.catalog.modelName", f"at most {MODEL_NAME_MAX} characters")


def _images(value: Any, errors: Errors) -> None:
    images = value if isinstance(value, Mapping) else {}
    if not _URL.match(str(images.get("basicImgURL") or "")):
        _add(errors, "itemAddtionalInfo.images.basicImgURL", "needs an http(s) image URL")
    extra = [k for k in images if k.startswith("addtionalImg")]
    for key in extra:
        number = key.removeprefix("addtionalImg").removesuffix("URL")
        if not number.isdigit() or not 1 <= int(number) <= ADDITIONAL_IMAGES_MAX:
            _add(errors, f"itemAddtionalInfo.images.{key}", "at most 14 additional images")
        elif not _URL.match(str(images[key] or "")):
            _add(errors, f"itemAddtionalInfo.images.{key}", "needs an http(s) image URL")
    numbers = sorted(int(k[12:-3]) for k in extra if k[12:-3].isdigit())
    if numbers != list(range(1, len(numbers) + 1)):
        _add(errors, "itemAddtionalInfo.images", "additional images fill 1, 2, ... in order")


def _notice(value: Any, errors: Errors) -> None:
    notice = value if isinstance(value, Mapping) else {}
    if not isinstance(notice.get("officialNoticeNo"), int):
        _add(errors, "itemAddtionalInfo.officialNotice.officialNoticeNo", "is required")
    details = notice.get("details")
    if not isinstance(details, list) or not details:
        _add(errors, "itemAddtionalInfo.officialNotice.details", "every item is required")
        return
    for index, item in enumerate(details):
        item = item if isinstance(item, Mapping) else {}
        if not str(item.get("officialNoticeItemelementCode") or "").strip():
            field = f"itemAddtionalInfo.officialNotice.details[{index}]"
            _add(errors, field, "needs officialNoticeItemelementCode")
        if not str(item.get("value") or "").strip():
            field = f"itemAddtionalInfo.officialNotice.details[{index}].value"
            _add(errors, field, "is required (write 상세페이지 참조 when unknown)")


def _shipping(value: Any, sites: set[str], errors: Errors) -> None:
    shipping = value if isinstance(value, Mapping) else {}
    if not isinstance((shipping.get("policy") or {}).get("placeNo"), int):
        _add(errors, "itemAddtionalInfo.shipping.policy.placeNo", "is required (출하지 번호)")
    dispatch = shipping.get("dispatchPolicyNo") or {}
    for site in sites:
        if not isinstance(dispatch.get(SELL_KEYS[site]), int):
            field = f"itemAddtionalInfo.shipping.dispatchPolicyNo.{SELL_KEYS[site]}"
            _add(errors, field, "is required (발송정책 번호)")


def _options(options: Mapping[str, Any], errors: Errors) -> None:
    kind = options.get("type")
    group = {"Independent": "independent", "Combination": "combination"}.get(str(kind))
    if group is None:
        _add(errors, "recommendedOpts.type", "must be Independent or Combination")
        return
    details = (options.get(group) or {}).get("details")
    if not isinstance(details, list) or not details:
        _add(errors, f"recommendedOpts.{group}.details", "at least one option is required")
        return
    if len(details) > OPTION_DETAILS_MAX:
        _add(errors, f"recommendedOpts.{group}.details", f"at most {OPTION_DETAILS_MAX}")
    names = ("recommendedOptValue1", "recommendedOptValue2")
    names = names if group == "combination" else ("recommendedOptValue",)
    for index, detail in enumerate(details):
        field = f"recommendedOpts.{group}.details[{index}]"
        detail = detail if isinstance(detail, Mapping) else {}
        for name in names:
            text = str((detail.get(name) or {}).get("koreanText") or "").strip()
            if not text or len(text) > OPTION_TEXT_MAX:
                _add(errors, f"{field}.{name}", f"1 to {OPTION_TEXT_MAX} characters")
        qty = detail.get("qty")
        if not isinstance(qty, Mapping) or not qty:
            _add(errors, f"{field}.qty", "is required per site")
            continue
        for key, count in qty.items():
            if key not in SELL_KEYS.values() or not isinstance(count, int):
                _add(errors, f"{field}.qty.{key}", "must be a count for gmkt or iac")
            elif not 0 <= count <= OPTION_QTY_MAX:
                _add(errors, f"{field}.qty.{key}", f"must be 0 to {OPTION_QTY_MAX:,}")


def _object(body: Mapping[str, Any], name: str, errors: Errors) -> Mapping[str, Any] | None:
    value = body.get(name)
    if not isinstance(value, Mapping):
        _add(errors, name, "is required")
        return None
    return value


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)
