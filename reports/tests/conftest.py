"""Two market accounts with listings, price decisions, stock and a month of orders, placed on
the engine's frozen clock (2026-01-27 12:00 in Seoul): what the daily report reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from markets.models import Listing, ListingStatus
from markets.services import market_account_create
from orders.models import LineStatus, Order, OrderLine
from pricing.inputs import MarginRate, PricingInput
from pricing.rules import decide_price

DAY = timedelta(days=1)


def decision(cost: int, competitor: int | None = None) -> dict:
    return decide_price(
        PricingInput(
            cost_krw=Decimal(cost),
            shipping_krw=Decimal(3000),
            krw_per_unit=Decimal(1),
            fee_rate=Decimal("0.10"),
            target_margin=MarginRate(Decimal("0.20")),
            minimum_margin=MarginRate(Decimal("0.10")),
            currency="KRW",
            competitor_price=competitor,
        )
    ).explain()


@dataclass
class Shop:
    coupang: object
    smartstore: object
    listings: dict
    now: object


def _listing(account, reference, now, *, created, decision_, on_hand, available=1):
    price = decision_["price"] if decision_ else None
    return Listing.objects.create(
        account=account,
        reference_number=reference,
        external_id=reference,
        currency="KRW",
        status=ListingStatus.PUBLISHED,
        price=price,
        price_decision=decision_,
        stock={"variants": 1, "available": available, "on_hand": on_hand, "hash": "h"},
        created_at=created,
        updated_at=now,
    )


_orders = iter(range(1, 10_000))


def sell(listing, at, quantity=1, *, status=LineStatus.NEW, unit_price=None):
    number = next(_orders)
    order = Order.objects.create(
        account=listing.account,
        market_order_id=f"o{number}",
        currency="KRW",
        created_at=at,
        updated_at=at,
    )
    return OrderLine.objects.create(
        order=order,
        account=listing.account,
        market_line_id=f"l{number}",
        reference_number=listing.reference_number,
        listing=listing,
        product_name=f"product {listing.reference_number}",
        quantity=quantity,
        unit_price=unit_price if unit_price is not None else listing.price,
        currency="KRW",
        status=status,
        created_at=at,
        updated_at=at,
    )


@pytest.fixture
def shop(db, manual_clock):
    now = manual_clock.now()  # 2026-01-27 03:00 UTC, noon in Seoul
    coupang = market_account_create(name="cp-live", market="coupang", dry_run=False)
    smartstore = market_account_create(name="ss-live", market="smartstore", dry_run=False)
    # Selling 2 a day for three days, 4 left: restock. Its floor is above the competitor.
    busy = _listing(
        coupang, "busy", now, created=now - 60 * DAY, decision_=decision(20000, 21000), on_hand=4
    )
    # Nothing sold in 40 days listed: delist.
    dead = _listing(
        coupang, "dead", now, created=now - 40 * DAY, decision_=decision(9000), on_hand=9
    )
    # Sold one yesterday, none left: sold out.
    empty = _listing(
        coupang,
        "empty",
        now,
        created=now - 5 * DAY,
        decision_=decision(5000),
        on_hand=0,
        available=0,
    )
    for days_ago in (3, 2, 1):
        sell(busy, now - days_ago * DAY, 2)
    sell(empty, now - DAY, 1)
    sell(busy, now - DAY, 5, status=LineStatus.CANCELLED)
    sell(busy, now - 10 * DAY, 1)
    sell(busy, now, 1)  # today: not in yesterday's sales
    return Shop(coupang, smartstore, {"busy": busy, "dead": dead, "empty": empty}, now)
