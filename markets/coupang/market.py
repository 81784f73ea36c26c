"""Coupang (WING Open API) as the market registry knows it.

The connector side is Django-free; the preparer, which reads the category mapping, is imported
only when a stage loads it.
"""

from __future__ import annotations

from markets.contract import MarketConfig, MarketKind, Preparer

from .connector import CAPABILITIES, CoupangConnector
from .orders import orders_build


def connector_build(config: MarketConfig) -> CoupangConnector:
    return CoupangConnector(config)


def preparer_load() -> Preparer:
    """The preparer, with the shipped category defaults made sure of first."""
    from .categories import categories_ensure
    from .preparer import CoupangPreparer

    categories_ensure()
    return CoupangPreparer.load()


MARKET = MarketKind(
    kind="coupang",
    label="Coupang",
    capabilities=CAPABILITIES,
    connector=connector_build,
    preparer=preparer_load,
    orders=orders_build,
)
