"""Gmarket / Auction as the market registry knows it (``_BUILTINS["gmarket"]``).

The connector side imports no Django; the preparer (which reads the category mappings) is
imported only when the preparer factory is called, inside a stage.
"""

from __future__ import annotations

from markets.contract import MarketKind, Preparer

from .connector import CAPABILITIES, KIND, connector_create
from .orders import orders_build


def preparer_load() -> Preparer:
    """The preparer, with the shipped category mapping ensured and every mapping read once."""
    from .categories import categories_ensure
    from .preparer import GmarketPreparer

    categories_ensure()
    return GmarketPreparer.load()


MARKET = MarketKind(
    kind=KIND,
    label="Gmarket / Auction (ESM+)",
    capabilities=CAPABILITIES,
    connector=connector_create,
    preparer=preparer_load,
    orders=orders_build,
)
