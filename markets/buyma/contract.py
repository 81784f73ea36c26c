"""The BUYMA Personal Shopper API product contract, checked before anything is sent.

One validator, three users: the service checks every body before a call (so a bad body costs no
request of the 2,500 a day), a dry run records what it found, and the local contract server
(``markets.buyma.testing``) answers with the same errors BUYMA would. Errors have BUYMA's shape,
``{field: [messages]}`` with paths such as ``images[2].position`` (the 422 body of
``POST /api/v1/products.json``).

Sources (see docs/markets.md):
- specification.personal-shopper-api.buyma.com/api/products_json/ : required fields, controls,
  ``available_until`` (YYYY/MM/DD, at most 90 days), images 1..20, option/variant shapes,
  ``order_quantity`` with ``purchase_for_order``, the fields that cannot be edited once
  published, id or reference_number (``identity_requirements``).
- The production reseller pipeline github.com/dorahyong/buyma, docs/buyma_api_param_map.md
  (measured behaviour: a fixed field sent with a different value rejects the whole update; no
  ``stocks`` with ``purchase_for_order``; ``order_quantity`` 0 when every variant is out of
  stock; name 60 half-width characters; comments 3,000; colour/size comments 1,000; option
  values 26 half-width characters; style numbers only with a registered brand).

Which request is a create: a products.json body without ``id`` that carries the fields fixed
at creation (``name``, ``brand_id``, ``category_id``, ``buying_area_id``,
``shipping_area_id``). Updates send ``id`` (and/or ``reference_number``) and leave the fixed
fields out, or repeat them unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

CONTROLS = ("publish", "draft", "suspend", "delete")
OPTION_TYPES = ("color", "size")
STOCK_TYPES = ("stock_in_hand", "purchase_for_order", "out_of_stock")
FIXED_ONCE_PUBLISHED = (
    "name",
    "brand_id",
    "brand_name",
    "category_id",
    "buying_area_id",
    "buying_shop_name",
    "shipping_area_id",
)
CREATE_MARKERS = ("name", "brand_id", "category_id", "buying_area_id", "shipping_area_id")
CREATE_REQUIRED = (
    "control",
    "name",
    "comments",
    "brand_id",
    "category_id",
    "price",
    "available_until",
    "buying_area_id",
    "shipping_area_id",
    "images",
    "shipping_methods",
    "options",
    "variants",
)
MAX_AVAILABLE_DAYS = 90
MAX_IMAGES = 20
NAME_WIDTH = 60
OPTION_VALUE_WIDTH = 26
COMMENTS_MAX = 3000
COLORSIZE_COMMENTS_MAX = 1000
SHOP_URLS_MAX = 15
DATE_FORMAT = "%Y/%m/%d"
_DATE = re.compile(r"^\d{4}/\d{2}/\d{2}\Z")

BLANK = "can't be blank"
TAKEN = "has already been taken"
NOT_FOUND = "was not found"
FIXED = "cannot be changed once published"

Errors = dict[str, list[str]]


def is_create(product: Mapping[str, Any]) -> bool:
    """A products.json body that creates a product (see the module docstring)."""
    return "id" not in product and any(k in product for k in CREATE_MARKERS)


def width(text: str) -> int:
    """BUYMA's length: full-width (East Asian wide, fullwidth or ambiguous) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in ("F", "W", "A") else 1 for c in text)


def available_until(today: date, days: int) -> str:
    """``today + days`` as BUYMA wants it (YYYY/MM/DD); ``days`` is clamped to 1..90."""
    return (today + timedelta(days=max(1, min(int(days), MAX_AVAILABLE_DAYS)))).strftime(
        DATE_FORMAT
    )


def product_errors(
    product: Any, *, today: date, existing: Mapping[str, Any] | None = None
) -> Errors:
    """Errors of a ``POST /api/v1/products.json`` body's ``product`` object (``{}`` if none).

    ``existing`` is the product as the market holds it (at least its fixed fields) for an
    update; None for a create.
    """
    errors: Errors = {}
    if not isinstance(product, Mapping):
        return {"product": ["must be an object"]}
    _identity(product, errors)
    control = product.get("control")
    if control is None:
        _add(errors, "control", BLANK)
    elif control not in CONTROLS:
        _add(errors, "control", f"must be one of {', '.join(CONTROLS)} (got {control!r})")
    if existing is None:
        if "id" in product:
            _add(errors, "id", "cannot be given on create (BUYMA issues it)")
        if control in ("suspend", "delete"):
            _add(errors, "control", f"{control} needs an existing product")
        for name in CREATE_REQUIRED:
            if name != "control" and _missing(product.get(name)):
                _add(errors, name, BLANK)
    else:
        for name in FIXED_ONCE_PUBLISHED:
            if name in product and name in existing and product[name] != existing[name]:
                _add(errors, name, f"{FIXED} (is {existing[name]!r}, got {product[name]!r})")
        if ("options" in product) != ("variants" in product):
            _add(errors, "options", "options and variants are sent together")
    _fields(product, errors, today)
    return errors


def variants_errors(product: Any, *, existing: Mapping[str, Any] | None = None) -> Errors:
    """Errors of a ``POST /api/v1/products/variants.json`` body's ``product`` (stock only).

    ``existing`` (the product held, with its ``options``) lets the server check that every
    variant names options the product has; without it only the shape is checked.
    """
    errors: Errors = {}
    if not isinstance(product, Mapping):
        return {"product": ["must be an object"]}
    _identity(product, errors)
    allowed = {"id", "reference_number", "variants", "order_quantity"}
    for name in sorted(set(product) - allowed):
        _add(errors, name, "is not accepted by the stock API (only variants and order_quantity)")
    variants = product.get("variants")
    if _missing(variants) or not isinstance(variants, list):
        _add(errors, "variants", BLANK)
        return errors
    options = (existing or {}).get("options")
    declared = _declared(options, None) if isinstance(options, list) else None
    _variants(variants, declared, errors)
    _order_quantity(product, variants, errors)
    return errors


# --- field rules ------------------------------------------------------------------------


def _fields(product: Mapping[str, Any], errors: Errors, today: date) -> None:
    if "name" in product and not _missing(product["name"]):
        name = product["name"]
        if not isinstance(name, str):
            _add(errors, "name", "must be text")
        elif width(name) > NAME_WIDTH:
            _add(errors, "name", f"is too long ({width(name)} half-width; at most {NAME_WIDTH})")
        elif name != name.strip():
            _add(errors, "name", "has leading or trailing spaces")
    _text(product, "comments", COMMENTS_MAX, errors)
    _text(product, "colorsize_comments", COLORSIZE_COMMENTS_MAX, errors, blank_ok=True)
    if "brand_id" in product and product["brand_id"] is not None:
        brand_id = product["brand_id"]
        if not _int(brand_id) or brand_id < 0:
            _add(errors, "brand_id", "must be an integer >= 0 (0: a brand BUYMA does not know)")
        elif brand_id == 0 and _missing(product.get("brand_name")) and "id" not in product:
            _add(errors, "brand_name", "is required when brand_id is 0")
        elif brand_id == 0 and product.get("style_numbers"):
            _add(errors, "style_numbers", "can only be set with a registered brand (brand_id)")
    for name in ("category_id", "buying_area_id", "shipping_area_id"):
        value = product.get(name)
        if value is not None and (
            not _int(value, text_ok=name != "category_id") or int(value) <= 0
        ):
            _add(errors, name, "must be a positive integer id")
    price = product.get("price")
    if price is not None and (not _int(price) or price <= 0):
        _add(errors, "price", f"must be a positive integer (yen), got {product['price']!r}")
    if not _missing(product.get("available_until")):
        _available_until(product["available_until"], today, errors)
    if not _missing(product.get("images")):
        _images(product["images"], errors)
    if not _missing(product.get("shipping_methods")):
        _shipping_methods(product["shipping_methods"], errors)
    shop_urls = product.get("shop_urls")
    if isinstance(shop_urls, list) and len(shop_urls) > SHOP_URLS_MAX:
        _add(errors, "shop_urls", f"at most {SHOP_URLS_MAX}")
    season = product.get("season_id")
    if season is not None and (not _int(season) or season <= 0):
        _add(errors, "season_id", "must be a positive integer id")
    options = product.get("options")
    variants = product.get("variants")
    declared = None
    if options is not None:
        if not isinstance(options, list):
            _add(errors, "options", "must be a list")
        else:
            declared = _declared(options, errors)
    if variants is not None:
        if not isinstance(variants, list) or not variants:
            _add(errors, "variants", "must be a non-empty list")
        else:
            _variants(variants, declared, errors)
            _order_quantity(product, variants, errors)


def _identity(product: Mapping[str, Any], errors: Errors) -> None:
    has_id = product.get("id") not in (None, "")
    reference = product.get("reference_number")
    if not has_id and reference in (None, ""):
        _add(errors, "identity_requirements", "id or reference_number is required")
    if reference not in (None, "") and (not isinstance(reference, str) or len(reference) > 100):
        _add(errors, "reference_number", "must be text of at most 100 characters")


def _available_until(value: Any, today: date, errors: Errors) -> None:
    if not isinstance(value, str) or not _DATE.match(value):
        _add(errors, "available_until", f"must be a date as YYYY/MM/DD, got {value!r}")
        return
    try:
        day = datetime.strptime(value, DATE_FORMAT).date()
    except ValueError:
        _add(errors, "available_until", f"is not a date: {value!r}")
        return
    if day < today:
        _add(errors, "available_until", f"is in the past ({value}; today is {today:%Y/%m/%d})")
    elif day > today + timedelta(days=MAX_AVAILABLE_DAYS):
        _add(errors, "available_until", f"is more than {MAX_AVAILABLE_DAYS} days ahead ({value})")


def _images(images: Any, errors: Errors) -> None:
    if not isinstance(images, list) or not images:
        _add(errors, "images", "must be a list of 1 to 20 images")
        return
    if len(images) > MAX_IMAGES:
        _add(errors, "images", f"at most {MAX_IMAGES} images (got {len(images)})")
    positions = []
    for i, image in enumerate(images):
        where = f"images[{i}]"
        if not isinstance(image, Mapping):
            _add(errors, where, "must be an object with path and position")
            continue
        path = image.get("path")
        if not isinstance(path, str) or not re.match(r"^https?://\S+\Z", path):
            _add(errors, f"{where}.path", f"must be an http(s) URL, got {path!r}")
        position = image.get("position")
        if not _int(position) or position < 1:
            _add(errors, f"{where}.position", f"must be an integer >= 1, got {position!r}")
        else:
            positions.append(position)
    if positions and sorted(positions) != list(range(1, len(images) + 1)):
        _add(errors, "images", f"positions must be 1..{len(images)} without gaps or repeats")


def _shipping_methods(methods: Any, errors: Errors) -> None:
    if not isinstance(methods, list) or not methods:
        _add(errors, "shipping_methods", "must be a non-empty list")
        return
    for i, method in enumerate(methods):
        value = method.get("shipping_method_id") if isinstance(method, Mapping) else None
        if not _int(value) or value <= 0:
            _add(errors, f"shipping_methods[{i}].shipping_method_id", "must be a positive id")


def _declared(options: list, errors: Errors | None) -> dict[str, set[str]]:
    """``{type: {values}}`` of the product's options (errors added when ``errors`` is given)."""
    declared: dict[str, set[str]] = {}
    positions: dict[str, list[int]] = {}
    for i, option in enumerate(options):
        where = f"options[{i}]"
        if not isinstance(option, Mapping):
            if errors is not None:
                _add(errors, where, "must be an object")
            continue
        kind, value = option.get("type"), option.get("value")
        if kind not in OPTION_TYPES:
            if errors is not None:
                _add(errors, f"{where}.type", f"must be color or size, got {kind!r}")
            continue
        if not isinstance(value, str) or not value.strip():
            if errors is not None:
                _add(errors, f"{where}.value", BLANK)
            continue
        if errors is not None:
            if width(value) > OPTION_VALUE_WIDTH:
                _add(errors, f"{where}.value", f"at most {OPTION_VALUE_WIDTH} half-width")
            if value in declared.get(kind, set()):
                _add(errors, f"{where}.value", f"{kind} {value!r} is given twice")
            position = option.get("position")
            if not _int(position) or position < 1:
                _add(errors, f"{where}.position", "must be an integer >= 1")
            else:
                positions.setdefault(kind, []).append(position)
            master_id = option.get("master_id", 0)
            if not _int(master_id) or master_id < 0:
                _add(errors, f"{where}.master_id", "must be an integer >= 0")
        declared.setdefault(kind, set()).add(value)
    if errors is not None:
        for kind, found in positions.items():
            if sorted(found) != list(range(1, len(found) + 1)):
                _add(errors, "options", f"{kind} positions must be 1..{len(found)} without gaps")
    return declared


def _variants(variants: list, declared: dict[str, set[str]] | None, errors: Errors) -> None:
    seen: set[tuple] = set()
    used: dict[str, set[str]] = {}
    for i, variant in enumerate(variants):
        where = f"variants[{i}]"
        if not isinstance(variant, Mapping):
            _add(errors, where, "must be an object with options and stock_type")
            continue
        options = variant.get("options")
        if not isinstance(options, list):
            _add(errors, f"{where}.options", "must be a list of {type, value}")
            continue
        combo: dict[str, str] = {}
        for j, option in enumerate(options):
            kind = option.get("type") if isinstance(option, Mapping) else None
            value = option.get("value") if isinstance(option, Mapping) else None
            if kind not in OPTION_TYPES or not isinstance(value, str):
                _add(errors, f"{where}.options[{j}]", "must be {type: color|size, value}")
                continue
            if kind in combo:
                _add(errors, f"{where}.options[{j}]", f"{kind} is given twice")
            combo[kind] = value
            if declared is not None and value not in declared.get(kind, set()):
                _add(
                    errors,
                    f"{where}.options[{j}]",
                    f"{kind} {value!r} is not one of the product's options",
                )
            used.setdefault(kind, set()).add(value)
        if declared is not None and set(combo) != {k for k, v in declared.items() if v}:
            _add(
                errors,
                f"{where}.options",
                f"must name one value of each option type ({', '.join(sorted(declared))})",
            )
        key = tuple(sorted(combo.items()))
        if key in seen:
            _add(errors, f"{where}.options", "the same combination is given twice")
        seen.add(key)
        _stock(variant, where, errors)
    if declared is not None:
        for kind, values in declared.items():
            for value in sorted(values - used.get(kind, set())):
                _add(errors, "options", f"{kind} {value!r} is used by no variant")


def _stock(variant: Mapping[str, Any], where: str, errors: Errors) -> None:
    stock_type = variant.get("stock_type")
    stocks = variant.get("stocks")
    if stock_type not in STOCK_TYPES:
        _add(errors, f"{where}.stock_type", f"must be one of {', '.join(STOCK_TYPES)}")
    elif stock_type == "stock_in_hand":
        if not _int(stocks) or stocks < 1:
            _add(errors, f"{where}.stocks", "must be an integer >= 1 with stock_in_hand")
    elif stocks not in (None, 0):
        _add(errors, f"{where}.stocks", f"cannot be given with {stock_type}")


def _order_quantity(product: Mapping[str, Any], variants: list, errors: Errors) -> None:
    kinds = {v.get("stock_type") for v in variants if isinstance(v, Mapping)}
    quantity = product.get("order_quantity")
    if quantity is not None and (not _int(quantity) or quantity < 0):
        _add(errors, "order_quantity", "must be an integer >= 0")
    elif "purchase_for_order" in kinds and not quantity:
        _add(errors, "order_quantity", "is required (>= 1) with purchase_for_order variants")
    elif kinds == {"out_of_stock"} and quantity:
        _add(errors, "order_quantity", "must be 0 when every variant is out of stock")


# --- helpers ----------------------------------------------------------------------------


def _text(product, name: str, limit: int, errors: Errors, *, blank_ok: bool = False) -> None:
    if name not in product or product[name] is None:
        return
    value = product[name]
    if not isinstance(value, str):
        _add(errors, name, "must be text")
    elif not blank_ok and not value.strip():
        _add(errors, name, BLANK)
    elif len(value) > limit:
        _add(errors, name, f"is too long ({len(value)} characters; at most {limit})")


def _int(value: Any, *, text_ok: bool = False) -> bool:
    if text_ok and isinstance(value, str):
        return value.isdigit()
    return isinstance(value, int) and not isinstance(value, bool)


def _missing(value: Any) -> bool:
    return value is None or value == "" or value == []


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)
