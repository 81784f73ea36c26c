"""Reads of the pricing tables: the FX rate of a day and currency, rules, competitor prices."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from django.db.models import QuerySet

from yooini.db import chunked

from .models import CompetitorPrice, FxRate, PricingRule

# Model numbers per "IN (...)" query: under SQLite's oldest limit of 999 bound parameters.
IN_CHUNK = 900

KRW = "KRW"  # every cost is in won; rates say how many won one unit of a currency costs


class FxRateMissing(LookupError):
    """No KRW rate of ``currency`` is in effect on the day asked for."""

    def __init__(self, day: date, currency: str = "JPY") -> None:
        super().__init__(
            f"no KRW/{currency} rate valid on {day.isoformat()}: set one with"
            f" `yooini fx_rate set <krw_per_unit> --currency {currency} --from {day.isoformat()}`"
            " or earlier"
        )
        self.day = day
        self.currency = currency


def fx_rate_on(day: date, currency: str = "JPY") -> FxRate:
    """The KRW rate of ``currency`` in effect on ``day``: the row with the latest
    ``valid_from <= day``.

    For ``currency="KRW"`` an unsaved ``FxRate`` of exactly 1 valid from ``day`` is returned,
    so a caller pricing a market in won reads ``krw_per_unit`` like any other. Raises
    FxRateMissing naming the day and the currency when there is no rate, TypeError for a
    ``day`` that is not a date (a datetime would be compared in the wrong time zone) and
    ValueError for a currency that is not an ISO 4217 code.
    """
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"fx_rate_on: day must be a date, got {type(day).__name__} {day!r}")
    _check_currency(currency)
    if currency == KRW:
        return FxRate(base=KRW, quote=KRW, krw_per_unit=Decimal(1), valid_from=day)
    rate = (
        FxRate.objects.filter(base=KRW, quote=currency, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )
    if rate is None:
        raise FxRateMissing(day, currency)
    return rate


def fx_rates(*, currency: str = "JPY", limit: int | None = None) -> QuerySet[FxRate]:
    """KRW rates of ``currency``, newest ``valid_from`` first."""
    _check_currency(currency)
    rates = FxRate.objects.filter(base=KRW, quote=currency).order_by("-valid_from")
    return rates[:limit] if limit is not None else rates


def pricing_rules_enabled() -> list[PricingRule]:
    """Every enabled rule of every market, in one query."""
    return list(PricingRule.objects.filter(enabled=True).order_by("market", "supplier", "brand"))


def _check_currency(currency: str) -> None:
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError(f"currency must be an ISO 4217 code such as 'JPY', got {currency!r}")


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
