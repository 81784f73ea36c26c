"""The SmartStore market as the registry knows it (``markets.contract._BUILTINS``).

The connector side imports no Django; the preparer (which reads the category mappings) is
imported only when a stage asks for it.
"""

from __future__ import annotations

from markets.contract import MarketKind

from .capabilities import CAPABILITIES
from .connector import connector_create
from .orders import orders_build


def preparer_load():
    """The preparer, with the default category mappings ensured first (Django side)."""
    from .categories import categories_ensure
    from .preparer import SmartStorePreparer

    categories_ensure()
    return SmartStorePreparer.load()


MARKET = MarketKind(
    kind="smartstore",
    label="Naver SmartStore",
    capabilities=CAPABILITIES,
    connector=connector_create,
    preparer=preparer_load,
    orders=orders_build,
)
