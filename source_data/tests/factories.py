"""Records for the tests: a supplier product with a few defaults."""

from __future__ import annotations

from typing import Any

from source_data.records import SourceRecord


def product(
    source_id: str, *, price: int = 10000, system: str = "ownerclan", **extra: Any
) -> SourceRecord:
    """A supplier product; ``extra`` goes to the record (normalized, market_data, ai_data)."""
    raw = {"name": f"상품 {source_id}", "price": price, "options": ["S", "M"]}
    return SourceRecord("supplier_product", system, source_id, raw, **extra)
