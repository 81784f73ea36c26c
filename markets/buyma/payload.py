"""From a market-neutral ``ListingContent`` to the bodies BUYMA's product API takes.

Account settings fill what the content does not carry: ``buying_area_id``, ``shipping_area_id``,
``shipping_method_ids``, ``buying_shop_name`` (``{brand_name}`` is replaced), ``available_days``
(at most 90), ``order_quantity`` (sent with purchase-for-order variants; 100 by default) and
``extra`` (constant fields such as ``{"duty": "included", "theme_id": 98}``).

Updates never carry the fields fixed once published (``contract.FIXED_ONCE_PUBLISHED``): the
value BUYMA holds is the one sent at creation, and a different value would reject the whole
update, price included. ``content_hash`` is taken over what would be sent minus the parts that
change by themselves (``available_until`` moves every day, identity and control), so the same
content on another day is still "unchanged".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from markets.listing import ListingContent, ListingVariant

from . import contract

DEFAULT_AVAILABLE_DAYS = 90
DEFAULT_ORDER_QUANTITY = 100
_VOLATILE = ("available_until", "control", "id", "reference_number")


class SettingsError(ValueError):
    """The account's settings lack something every body needs; the message names it."""


def settings_problems(settings: Mapping[str, Any]) -> list[str]:
    """What the account's settings lack for any BUYMA body (``[]`` when nothing)."""
    problems = []
    for name in ("buying_area_id", "shipping_area_id", "shipping_method_ids"):
        try:
            _required(settings, name)
        except SettingsError as exc:
            problems.append(str(exc))
    try:
        _until(settings, date.today())
    except SettingsError as exc:
        problems.append(str(exc))
    return problems


def product_create(
    content: ListingContent, settings: Mapping[str, Any], *, today: date
) -> dict[str, Any]:
    """The ``product`` object that creates the listing (control publish)."""
    product: dict[str, Any] = {
        "control": "publish",
        "reference_number": content.reference_number,
        "name": content.name,
        "brand_id": content.brand_id,
        "category_id": content.category_id,
        "buying_area_id": _required(settings, "buying_area_id"),
        "shipping_area_id": _required(settings, "shipping_area_id"),
    }
    if content.brand_id == 0:
        product["brand_name"] = content.brand_name
    shop = str(settings.get("buying_shop_name") or "")
    if shop:
        product["buying_shop_name"] = shop.replace("{brand_name}", content.brand_name)
    product.update(_editable(content, settings, today=today))
    return product


def product_update(
    content: ListingContent,
    settings: Mapping[str, Any],
    *,
    today: date,
    external_id: str | None,
) -> dict[str, Any]:
    """Everything that may change after publication, by id (when known) and reference number."""
    product = {"control": "publish", **identity(content.reference_number, external_id)}
    product.update(_editable(content, settings, today=today))
    return product


def product_price(
    content: ListingContent,
    settings: Mapping[str, Any],
    *,
    today: date,
    external_id: str | None,
) -> dict[str, Any]:
    """A price change (partial runs); ``available_until`` is extended with it."""
    return {
        "control": "publish",
        **identity(content.reference_number, external_id),
        "price": content.price,
        "available_until": _until(settings, today),
    }


def variants_stock(
    content: ListingContent, settings: Mapping[str, Any], *, external_id: str | None
) -> dict[str, Any]:
    """The stock-only body (``POST /api/v1/products/variants.json``). When every variant is
    out of stock, ``order_quantity`` is 0: BUYMA then shows the listing as suspended."""
    variants = [variant(v) for v in content.variants]
    return {
        **identity(content.reference_number, external_id),
        "variants": variants,
        "order_quantity": _order_quantity(content, settings),
    }


def product_suspend(reference_number: str, external_id: str | None) -> dict[str, Any]:
    """Stop selling (control suspend); the product and its id are kept."""
    return {"control": "suspend", **identity(reference_number, external_id)}


def identity(reference_number: str, external_id: str | None) -> dict[str, Any]:
    """``id`` wins over ``reference_number`` at BUYMA; both are sent when the id is known."""
    found: dict[str, Any] = {"reference_number": reference_number}
    if external_id:
        found = {"id": int(external_id) if str(external_id).isdigit() else external_id, **found}
    return found


def fixed_values(product: Mapping[str, Any]) -> dict[str, Any]:
    """The fixed-once-published fields of a create body (kept on the listing)."""
    return {k: product[k] for k in contract.FIXED_ONCE_PUBLISHED if k in product}


def variant(v: ListingVariant) -> dict[str, Any]:
    body: dict[str, Any] = {
        "options": [{"type": t, "value": value} for t, value in v.options],
        "stock_type": v.stock_type,
    }
    if v.stock_type == "stock_in_hand":
        body["stocks"] = v.stocks
    return body


def content_hash(product: Mapping[str, Any]) -> str:
    """sha256 of the body without the parts that change by themselves."""
    stable = {k: v for k, v in product.items() if k not in _VOLATILE}
    text = json.dumps(stable, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def stock_summary(content: ListingContent) -> dict[str, Any]:
    """What the listings command shows and partial runs compare: counts and a variants hash."""
    on_hand = [v.stocks or 0 for v in content.variants if v.stock_type == "stock_in_hand"]
    text = json.dumps([variant(v) for v in content.variants], sort_keys=True, ensure_ascii=False)
    return {
        "variants": len(content.variants),
        "available": sum(1 for v in content.variants if v.stock_type != "out_of_stock"),
        "on_hand": sum(on_hand) if on_hand else None,
        "hash": hashlib.sha256(text.encode()).hexdigest()[:16],
    }


def _editable(
    content: ListingContent, settings: Mapping[str, Any], *, today: date
) -> dict[str, Any]:
    product: dict[str, Any] = {
        "comments": content.comments,
        "price": content.price,
        "available_until": _until(settings, today),
        "shipping_methods": [
            {"shipping_method_id": m} for m in _required(settings, "shipping_method_ids")
        ],
        "images": [{"path": url, "position": i} for i, url in enumerate(content.images, 1)],
        "options": [
            {"type": o.type, "value": o.value, "position": o.position, "master_id": o.master_id}
            for o in content.options
        ],
        "variants": [variant(v) for v in content.variants],
    }
    quantity = _order_quantity(content, settings)
    if quantity or any(v.stock_type == "out_of_stock" for v in content.variants):
        product["order_quantity"] = quantity
    if content.colorsize_comments:
        product["colorsize_comments"] = content.colorsize_comments
    if content.season_id:
        product["season_id"] = content.season_id
    if content.model_no and content.brand_id:
        # Style numbers need a registered brand (BUYMA refuses them with brand_id 0).
        product["style_numbers"] = [{"number": content.model_no, "memo": ""}]
    for key, value in dict(settings.get("extra") or {}).items():
        if key not in contract.FIXED_ONCE_PUBLISHED and key not in product:
            product[key] = value
    return product


def _order_quantity(content: ListingContent, settings: Mapping[str, Any]) -> int:
    if content.out_of_stock:
        return 0
    if any(v.stock_type == "purchase_for_order" for v in content.variants):
        return int(settings.get("order_quantity") or DEFAULT_ORDER_QUANTITY)
    return 0


def _until(settings: Mapping[str, Any], today: date) -> str:
    days = settings.get("available_days", DEFAULT_AVAILABLE_DAYS)
    try:
        return contract.available_until(today, int(days))
    except (TypeError, ValueError):
        raise SettingsError(
            f"account setting available_days must be a number, got {days!r}"
        ) from None


def _required(settings: Mapping[str, Any], name: str) -> Any:
    value = settings.get(name)
    if value in (None, "", []):
        raise SettingsError(f"account setting {name!r} is missing (needed in every BUYMA body)")
    if name == "shipping_method_ids" and (
        not isinstance(value, list | tuple) or not all(isinstance(v, int) for v in value)
    ):
        raise SettingsError("account setting 'shipping_method_ids' must be a list of ids")
    return value
