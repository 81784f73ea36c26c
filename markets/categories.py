"""Category mappings every market shares: shipped defaults loaded without ever touching a
person's row, and the lookup that falls back to the nearest mapped parent key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from django.db import IntegrityError, transaction

from .models import CategoryOrigin, MarketCategoryMapping

V = TypeVar("V")


def category_mappings_ensure(
    market: str, defaults: Mapping[str, tuple[str, str]]
) -> dict[str, int]:
    """Make a market's shipped defaults (``{our key: (code, label)}``) present: missing rows are
    added (origin ``default``), default rows whose code or label changed are brought up to
    date, a person's row is never touched. Idempotent and safe beside another process doing
    the same. Counts rows ``created``, ``updated`` and ``kept`` (a person's)."""
    counts = {"created": 0, "updated": 0, "kept": 0}
    held = {row.category: row for row in MarketCategoryMapping.objects.filter(market=market)}
    for category, (code, label) in defaults.items():
        row = held.get(category)
        if row is None:
            try:
                with transaction.atomic():
                    MarketCategoryMapping.objects.create(
                        market=market,
                        category=category,
                        code=code,
                        label=label,
                        origin=CategoryOrigin.DEFAULT,
                    )
                counts["created"] += 1
            except IntegrityError:  # another process added it meanwhile: theirs stands
                pass
        elif row.origin != CategoryOrigin.DEFAULT:
            counts["kept"] += 1
        elif (row.code, row.label) != (code, label):
            # Conditional: a person's edit made since the read above is not overwritten.
            counts["updated"] += MarketCategoryMapping.objects.filter(
                pk=row.pk, origin=CategoryOrigin.DEFAULT
            ).update(code=code, label=label)
    return counts


def nearest_category(mappings: Mapping[str, V], category: str) -> tuple[str, V] | None:
    """``(key, value)`` for ``category`` (``shoes/sneakers``) or its nearest mapped parent
    (``shoes``); None when neither is mapped."""
    key = (category or "").strip("/")
    while key:
        if key in mappings:
            return key, mappings[key]
        key = key.rpartition("/")[0]
    return None
