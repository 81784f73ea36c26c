"""BUYMA as the market registry knows it (``markets.contract.market_kind("buyma")``)."""

from __future__ import annotations

from markets.contract import MarketKind

from .connector import CAPABILITIES, BuymaConnector


def _preparer():
    from .preparer import BuymaPreparer

    return BuymaPreparer.load()


MARKET = MarketKind(
    kind="buyma",
    label="BUYMA",
    capabilities=CAPABILITIES,
    connector=BuymaConnector,
    preparer=_preparer,
)
