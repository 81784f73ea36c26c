"""Demand forecast by simple exponential smoothing, and what it suggests for a listing.

The level starts at the first day's sales and follows each next day by
``level = alpha * sold + (1 - alpha) * level``; the forecast of every coming day is the last
level (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., section 8.1,
https://otexts.com/fpp3/ses.html). Pure functions: tested against series computed by hand.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_ALPHA = 0.3
# Days of demand a listing's stock should cover before a restock is suggested.
DEFAULT_REORDER_DAYS = 7
# A listing with no sale for this many days (and listed at least as long) is dead.
DEFAULT_DEAD_DAYS = 30


def smoothed_level(series: Sequence[float], alpha: float = DEFAULT_ALPHA) -> float:
    """The last level of ``series`` (oldest first) smoothed with ``alpha``; 0 for no data."""
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    if not series:
        return 0.0
    level = float(series[0])
    for value in series[1:]:
        level = alpha * float(value) + (1 - alpha) * level
    return level


class Suggestion(enum.StrEnum):
    NONE = ""
    RESTOCK = "restock"  # stock covers fewer days than the reorder horizon
    DELIST = "delist"  # nothing sold for the dead-days window
    SOLD_OUT = "sold_out"  # demand but nothing on hand


@dataclass(frozen=True)
class StockOutlook:
    daily_demand: float
    on_hand: int | None
    days_of_cover: float | None  # None: stock not counted, or no demand
    suggestion: Suggestion
    reason: str


def stock_outlook(
    daily_sales: Sequence[float],
    on_hand: int | None,
    *,
    listed_days: int,
    alpha: float = DEFAULT_ALPHA,
    reorder_days: int = DEFAULT_REORDER_DAYS,
    dead_days: int = DEFAULT_DEAD_DAYS,
) -> StockOutlook:
    """What one listing's sales (units per day, oldest first) and stock on hand suggest."""
    demand = smoothed_level(daily_sales, alpha)
    recent = daily_sales[-dead_days:] if dead_days else daily_sales
    if listed_days >= dead_days and not any(recent):
        return StockOutlook(
            demand, on_hand, None, Suggestion.DELIST, f"no sale in {dead_days} days"
        )
    if demand <= 0 or on_hand is None:
        return StockOutlook(demand, on_hand, None, Suggestion.NONE, "")
    if on_hand <= 0:
        return StockOutlook(
            demand, on_hand, 0.0, Suggestion.SOLD_OUT, f"{demand:.2f} a day expected, none on hand"
        )
    cover = on_hand / demand
    if cover < reorder_days:
        return StockOutlook(
            demand,
            on_hand,
            cover,
            Suggestion.RESTOCK,
            f"{on_hand} on hand cover {cover:.1f} days at {demand:.2f} a day (< {reorder_days})",
        )
    return StockOutlook(demand, on_hand, cover, Suggestion.NONE, "")
