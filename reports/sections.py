"""What each part of an account's daily section says: its prices against the competition and
the margin, its stock against forecast demand, and its sales.

Every figure is in the account's own currency. Sales count order lines by the day they were
collected (the market's own order time is a string in each market's format), cancelled and
returned lines apart. A line's margin is the listing's price decision's margin at the price
the line was sold for: ``price * kept_rate - fixed_cost`` (``pricing.rules.margin_at``), with
``kept_rate`` and ``fixed_cost`` read back from the decision.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from markets.contract import market_kind
from markets.models import Listing, ListingStatus, MarketAccount
from orders.models import LineStatus, OrderLine
from yooini.timefmt import day_start, local_day

from .forecast import DEFAULT_DEAD_DAYS, Suggestion, stock_outlook

# Listings that are on the market (or would be, for a dry-run account).
LIVE = (
    ListingStatus.PUBLISHED,
    ListingStatus.OUT_OF_STOCK,
    ListingStatus.SUSPENDED,
    ListingStatus.DRY_RUN,
)
NOT_SOLD = (LineStatus.CANCELLED, LineStatus.RETURNED)
LIST_CAP = 50  # items listed per finding; the counts are always whole
TOP = 5


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


def margin_at_price(unit_price: int, decision: dict | None) -> Decimal | None:
    """The margin of one unit sold at ``unit_price`` under ``decision``; None if unknown."""
    if not decision:
        return None
    price, margin, fixed = (
        _decimal(decision.get("price")),
        _decimal(decision.get("margin")),
        _decimal(decision.get("fixed_cost")),
    )
    if price is None or margin is None or fixed is None or price <= 0:
        return None
    kept_rate = (margin + fixed) / price
    return unit_price * kept_rate - fixed


def _live(account: MarketAccount):
    return Listing.objects.filter(account=account, status__in=LIVE)


def prices_section(account: MarketAccount) -> dict[str, Any]:
    """Price position: how many listings are priced, under the competition's undercut or held
    above it by the margin floor, and the margin they keep."""
    listings = list(_live(account).values("reference_number", "price", "status", "price_decision"))
    rates: list[Decimal] = []
    uncompetitive, below_target, with_competitor, suspend = [], 0, 0, 0
    for row in listings:
        decision = row["price_decision"] or {}
        rate = _decimal(decision.get("margin_rate"))
        if rate is None:
            continue
        rates.append(rate)
        if decision.get("undercut_price") is not None:
            with_competitor += 1
        if decision.get("target_price") and (row["price"] or 0) < decision["target_price"]:
            below_target += 1
        if decision.get("suspend"):
            suspend += 1
        if decision.get("competitive") is False:
            floor, undercut = decision.get("floor_price") or 0, decision.get("undercut_price") or 0
            uncompetitive.append(
                {
                    "reference": row["reference_number"],
                    "price": row["price"],
                    "floor_price": floor,
                    "undercut_price": undercut,
                    "gap": floor - undercut,
                    "margin_rate": str(rate),
                }
            )
    uncompetitive.sort(key=lambda item: -item["gap"])
    return {
        "listings": len(listings),
        "priced": len(rates),
        "with_competitor": with_competitor,
        "uncompetitive": len(uncompetitive),
        "below_target": below_target,
        "suspend_suggested": suspend,
        "margin_rate_average": str(round(sum(rates) / len(rates), 4)) if rates else None,
        "margin_rate_lowest": str(min(rates)) if rates else None,
        "uncompetitive_items": uncompetitive[:LIST_CAP],
    }


def _daily_units(account: MarketAccount, first_day: date, days: int) -> dict[int, list[int]]:
    """Units sold per listing per day, ``days`` days from ``first_day`` (oldest first)."""
    series: dict[int, list[int]] = defaultdict(lambda: [0] * days)
    lines = OrderLine.objects.filter(
        account=account,
        listing__isnull=False,
        created_at__gte=day_start(first_day),
        created_at__lt=day_start(first_day + timedelta(days=days)),
    ).exclude(status__in=NOT_SOLD)
    for listing_id, quantity, at in lines.values_list("listing_id", "quantity", "created_at"):
        index = (local_day(at) - first_day).days
        if 0 <= index < days:
            series[listing_id][index] += quantity
    return series


def stock_section(
    account: MarketAccount, day: date, *, window: int = DEFAULT_DEAD_DAYS
) -> dict[str, Any]:
    """Stock against forecast demand: listings to restock, sold out with demand, and dead."""
    first_day = day - timedelta(days=window)
    series = _daily_units(account, first_day, window)
    found: dict[str, list[dict]] = {s.value: [] for s in Suggestion if s}
    listings = _live(account).values("id", "reference_number", "stock", "created_at")
    count = 0
    for row in listings.iterator():
        count += 1
        stock = row["stock"] or {}
        on_hand = stock.get("on_hand")
        if on_hand is None and stock.get("available") == 0:
            on_hand = 0
        listed_days = (day - local_day(row["created_at"])).days
        outlook = stock_outlook(
            series.get(row["id"], [0] * window), on_hand, listed_days=listed_days
        )
        if outlook.suggestion:
            found[outlook.suggestion.value].append(
                {
                    "reference": row["reference_number"],
                    "daily_demand": round(outlook.daily_demand, 3),
                    "on_hand": on_hand,
                    "days_of_cover": None
                    if outlook.days_of_cover is None
                    else round(outlook.days_of_cover, 1),
                    "reason": outlook.reason,
                }
            )
    found[Suggestion.RESTOCK].sort(key=lambda item: item["days_of_cover"])
    return {
        "listings": count,
        **{name: len(items) for name, items in found.items()},
        **{f"{name}_items": items[:LIST_CAP] for name, items in found.items()},
    }


def _sales_over(lines: list[dict], decisions: dict[int, dict]) -> dict[str, Any]:
    orders, units, revenue, margin, unknown, cancelled = set(), 0, 0, Decimal(0), 0, 0
    for line in lines:
        if line["status"] in NOT_SOLD:
            cancelled += 1
            continue
        orders.add(line["order_id"])
        units += line["quantity"]
        revenue += line["quantity"] * line["unit_price"]
        unit_margin = margin_at_price(line["unit_price"], decisions.get(line["listing_id"]))
        if unit_margin is None:
            unknown += 1
        else:
            margin += unit_margin * line["quantity"]
    return {
        "orders": len(orders),
        "units": units,
        "revenue": revenue,
        "margin": int(margin.quantize(Decimal(1))),
        "lines_margin_unknown": unknown,
        "lines_cancelled": cancelled,
    }


def sales_section(account: MarketAccount, day: date, *, window: int = 30) -> dict[str, Any]:
    """Sales of the day before ``day``, of the last 7 and ``window`` days, the daily revenue of
    the window (oldest first), and the top products by revenue."""
    first_day = day - timedelta(days=window)
    lines = list(
        OrderLine.objects.filter(
            account=account,
            created_at__gte=day_start(first_day),
            created_at__lt=day_start(day),
        ).values(
            "order_id", "listing_id", "reference_number", "product_name", "quantity",
            "unit_price", "status", "created_at",
        )
    )  # fmt: skip
    listing_ids = {line["listing_id"] for line in lines if line["listing_id"]}
    decisions = dict(Listing.objects.filter(id__in=listing_ids).values_list("id", "price_decision"))
    for line in lines:
        line["day"] = local_day(line["created_at"])
    yesterday = day - timedelta(days=1)
    week = day - timedelta(days=7)
    daily = [0] * window
    products: dict[str, dict[str, Any]] = {}
    for line in lines:
        if line["status"] in NOT_SOLD:
            continue
        amount = line["quantity"] * line["unit_price"]
        daily[(line["day"] - first_day).days] += amount
        key = line["reference_number"] or line["product_name"]
        product = products.setdefault(
            key, {"reference": key, "name": line["product_name"], "units": 0, "revenue": 0}
        )
        product["units"] += line["quantity"]
        product["revenue"] += amount
    top = sorted(products.values(), key=lambda p: (-p["revenue"], p["reference"]))[:TOP]
    return {
        "currency": market_kind(account.market).capabilities.currency,
        "yesterday": _sales_over([x for x in lines if x["day"] == yesterday], decisions),
        "last_7_days": _sales_over([x for x in lines if x["day"] >= week], decisions),
        f"last_{window}_days": _sales_over(lines, decisions),
        "daily_revenue": daily,
        "first_day": first_day.isoformat(),
        "top_products": top,
    }
