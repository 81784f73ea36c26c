"""BUYMA's listings as a workbook, one row per listing with the product API's fields.

BUYMA publishes no bulk-upload template for the Personal Shopper API (listings go through
``POST /api/v1/products.json``), so the file holds exactly what a create would send, for a
person to review or to keep: the same values ``payload.product_create`` builds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from markets.listing import ListingContent

from . import payload

COLUMNS = (
    ("reference_number", "reference_number"),
    ("name", "name"),
    ("brand_id", "brand_id"),
    ("brand_name", "brand_name"),
    ("category_id", "category_id"),
    ("price", "price"),
    ("available_until", "available_until"),
    ("buying_area_id", "buying_area_id"),
    ("shipping_area_id", "shipping_area_id"),
    ("images", "images"),
    ("options", "options"),
    ("variants", "variants"),
    ("comments", "comments"),
)


def export_workbook(
    contents: Sequence[ListingContent], settings: Mapping[str, Any], path: Path, *, today: date
) -> int:
    """Write the workbook; returns the rows written (one per content)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("products")
    sheet.append([title for title, _ in COLUMNS])
    for content in contents:
        body = payload.product_create(content, settings, today=today)
        body.setdefault("brand_name", content.brand_name)
        sheet.append([_cell(body.get(key)) for _, key in COLUMNS])
    book.save(path)
    return len(contents)


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value
