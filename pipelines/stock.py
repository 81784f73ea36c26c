"""Supplier stock as the markets see it: the safety stock, what counts as sold out, reading a
supplier's stock product by product, and the snapshot ``inventory_sync`` compares.

The safety stock is a count at or below which a product is sold out on every market, so a
last few pieces the supplier may sell elsewhere in the meantime are never promised to a
buyer. It is the supplier's ``safety_stock`` setting when set (admin > Suppliers > settings),
else ``YOOINI_SAFETY_STOCK`` (0: only stock 0 is sold out). It applies to the whole product,
the level at which suppliers report stock (``StockInfo.quantity``), and it applies wherever
facts are made, so ``product_sync`` and ``inventory_sync`` agree on what is sold out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from suppliers.connectors import (
    AuthError,
    ConfigError,
    ConnectorError,
    StockInfo,
    TransientError,
)
from suppliers.models import Supplier

from .models import PipelineProduct, ProductState

SETTING = "safety_stock"
# A supplier setting: false takes stock from the last collect instead of read_stock (a mall
# read one product page at a time, at its polite pace, is slower than its listing cards).
READ_SETTING = "read_stock"
# Keys per read_stock call once a call for every key failed; then key by key.
READ_CHUNK = 50


class SafetyStockError(ConfigError):
    """A supplier's ``safety_stock`` setting is not a whole number of 0 or more."""


def safety_stock(supplier: Supplier | None) -> int:
    """The supplier's safety stock (its own setting, else ``YOOINI_SAFETY_STOCK``)."""
    value = (supplier.settings or {}).get(SETTING) if supplier is not None else None
    if value is None or value == "":
        return max(int(getattr(settings, "YOOINI_SAFETY_STOCK", 0)), 0)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        name = supplier.name if supplier is not None else "?"
        raise SafetyStockError(
            f"supplier {name}: setting {SETTING} must be a whole number of 0 or more, not {value!r}"
        )
    return int(value)


def reads_stock(supplier: Supplier, connector) -> bool:
    """Stock from ``read_stock``: the connector has it and the supplier does not say no."""
    wanted = (supplier.settings or {}).get(READ_SETTING, True)
    return bool(connector.capabilities.supports_stock) and wanted not in (False, "false", "no")


def sold_out(available: bool, quantity: int | None, threshold: int) -> bool:
    """Not sellable on the markets: the supplier says so, or its count is at or below the
    safety stock (an unknown count follows ``available``)."""
    return not available or (quantity is not None and quantity <= threshold)


def facts_quantity(facts: Mapping[str, Any]) -> int | None:
    """The product's count from its variants when every variant has one, else None."""
    counts = [v.get("stock") for v in facts.get("variants") or ()]
    if not counts or any(c is None for c in counts):
        return None
    return sum(max(int(c), 0) for c in counts)


def facts_with_safety_stock(facts: dict[str, Any], threshold: int) -> dict[str, Any]:
    """``facts`` with ``sold_out`` set when the variants' total is at or below the threshold."""
    if not facts.get("sold_out") and threshold > 0:
        quantity = facts_quantity(facts)
        if quantity is not None and quantity <= threshold:
            facts["sold_out"] = True
    return facts


def inventory_of(row: PipelineProduct) -> dict[str, Any]:
    """What a listing of ``row`` must show, as ``MarketProduct.inventory`` keeps it: sold
    out or not, and the cost its price is decided from."""
    facts = row.facts or {}
    gone = row.state != ProductState.ACTIVE or bool(facts.get("sold_out"))
    return {"sold_out": gone, "cost_krw": facts.get("cost_krw")}


@dataclass(frozen=True)
class StockRead:
    """A read of many products: the readings found, and per product the reason it has none."""

    found: dict[str, StockInfo]
    errors: dict[str, str]


def stock_read(connector, keys: Sequence[str]) -> StockRead:
    """``read_stock`` of every key at once (connectors page their own calls). When that
    fails, again in chunks, and a chunk that fails key by key: a product the supplier cannot
    answer for is that product's error and the others are read; a product left out of the
    answer is an error too (unknown is never taken as sold out). Credentials or settings the
    supplier refuses raise, and so does a supplier whose every call failed (it is down: the
    stage's retry reads again later)."""
    found: dict[str, StockInfo] = {}
    errors: dict[str, str] = {}
    _read(connector, list(keys), found, errors, [len(keys), READ_CHUNK, 1])
    if len(keys) > 1 and len(errors) == len(keys):
        raise TransientError(
            f"{connector.kind}: no product's stock could be read ({errors[keys[0]]})"
        )
    for key in keys:
        if key not in found and key not in errors:
            errors[key] = "the supplier did not report this product's stock (gone or unreadable)"
    return StockRead(found, errors)


def _read(connector, keys: list[str], found, errors, sizes: list[int]) -> None:
    size, smaller = sizes[0], sizes[1:]
    for start in range(0, len(keys), max(size, 1)):
        chunk = keys[start : start + max(size, 1)]
        try:
            found.update(connector.read_stock(chunk))
        except (AuthError, ConfigError):
            raise
        except ConnectorError as exc:
            if len(chunk) == 1 or not smaller:
                errors.update({key: f"stock read failed: {exc}" for key in chunk})
            else:
                _read(connector, chunk, found, errors, smaller)
