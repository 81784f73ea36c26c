"""Reads of the pricing tables: the FX rate of a day, rules, competitor prices by model."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.db.models import QuerySet

from yooini.db import chunked

from .models import CompetitorPrice, FxRate, PricingRule

# Model numbers per "IN (...)" query: under SQLite's oldest limit of 999 bound parameters.
IN_CHUNK = 900


class FxRateMissing(LookupError):
    """No KRW/JPY rate is in effect on the day asked for."""

    def __init__(self, day: date) -> None:
        super().__init__(
            f"no KRW/JPY rate valid on {day.isoformat()}: set one with"
            f" `yooini fx_rate set <krw_per_jpy> --from {day.isoformat()}` or earlier"
        )
        self.day = day


def fx_rate_on(day: date) -> FxRate:
    """The KRW/JPY rate in effect on ``day``: the row with the latest ``valid_from <= day``.

    Raises FxRateMissing naming the day when there is none, and TypeError for a ``day``
    that is not a date (a datetime would be compared in the wrong time zone).
    """
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"fx_rate_on: day must be a date, got {type(day).__name__} {day!r}")
    rate = (
        FxRate.objects.filter(base="KRW", quote="JPY", valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )
    if rate is None:
        raise FxRateMissing(day)
    return rate


def fx_rates(*, limit: int | None = None) -> QuerySet[FxRate]:
    """KRW/JPY rates, newest ``valid_from`` first."""
    rates = FxRate.objects.filter(base="KRW", quote="JPY").order_by("-valid_from")
    return rates[:limit] if limit is not None else rates


def pricing_rules_enabled() -> list[PricingRule]:
    """Every enabled rule, in one query."""
    return list(PricingRule.objects.filter(enabled=True).order_by("supplier", "brand"))


def competitor_prices(
    model_numbers: Sequence[str],
    *,
    market: str = "buyma",
    fetched_since: datetime | None = None,
    without_error: bool = False,
) -> dict[str, CompetitorPrice]:
    """Stored competitor prices of ``model_numbers`` by model number (missing ones left out).

    One query per ``IN_CHUNK`` model numbers, never one per model number.
    """
    found: dict[str, CompetitorPrice] = {}
    for chunk in chunked(model_numbers, IN_CHUNK):
        rows = CompetitorPrice.objects.filter(market=market, model_number__in=chunk)
        if fetched_since is not None:
            rows = rows.filter(fetched_at__gte=fetched_since)
        if without_error:
            rows = rows.filter(error="")
        found.update((row.model_number, row) for row in rows)
    return found
