"""BUYMA as the market registry knows it (``markets.contract.market_kind("buyma")``)."""

from __future__ import annotations

from markets.contract import MarketKind

from .connector import CAPABILITIES, BuymaConnector


def _preparer():
    from .preparer import BuymaPreparer

    return BuymaPreparer.load()


def _competitors(settings):
    """BUYMA's price-ascending search pages, our own buyer id excluded (``CompetitorLookup``)."""
    from datetime import timedelta

    from .competitors import CompetitorLookup

    return CompetitorLookup(
        base_url=settings.get("search_base_url") or "https://www.buyma.com",
        own_buyer_id=settings.get("buyer_id"),
        delay_seconds=float(settings.get("search_delay_seconds", 1.0)),
        max_age=timedelta(minutes=float(settings.get("competitor_max_age_minutes", 60))),
    )


MARKET = MarketKind(
    kind="buyma",
    label="BUYMA",
    capabilities=CAPABILITIES,
    connector=BuymaConnector,
    preparer=_preparer,
    competitors=_competitors,
)
