"""Workflow ``product_sync``: every enabled supplier's products processed and listed on every
enabled market account (BUYMA, SmartStore, Coupang, Gmarket/Auction, and any market a plugin
registers), each in its own category, language, currency, stock and status.

Partitions are the enabled collect units, as for ``buyma``: a supplier's brand units, or the
supplier read whole (``--param units=a,b`` for a subset; ``--param markets=coupang,smartstore``
or ``--param account=name`` to list on fewer accounts):

    collect -> convert (facts, then each market's draft) -> translate (markets not in Korean)
            -> image -> price (each market's currency) -> register (every account)

Modes as in ``buyma``: ``full`` and ``partial`` (price and stock of known products only).
"""

from __future__ import annotations

from orchestrator import Retry, Workflow
from suppliers.stages import NOT_RETRIED

from .buyma import unit_partitions, unit_resource
from .resources import BUYMA_SEARCH, IMAGES, MARKETS_API
from .steps.collect import collect
from .steps.convert import convert
from .steps.image import image
from .steps.price import price
from .steps.register import register
from .steps.translate import translate

product_sync = Workflow(
    "product_sync",
    partitions=unit_partitions,
    modes={
        "full": ["collect", "convert", "translate", "image", "price", "register"],
        "partial": ["collect", "price", "register"],
    },
    version="2",
    description="Every enabled supplier listed on every enabled market account.",
    params={
        "units": "only these brand units (name[,name])",
        "account": "only these market accounts (name[,name])",
        "markets": "only these markets (buyma,smartstore,coupang,gmarket)",
    },
)
product_sync.stage(
    collect,
    resource=unit_resource,
    retry=Retry(attempts=3, base_delay=30, max_delay=600, no_retry_on=NOT_RETRIED),
)
product_sync.stage(convert, after=collect, retry=Retry(attempts=2, base_delay=5))
product_sync.stage(translate, after=convert, retry=Retry(attempts=3, base_delay=30, max_delay=600))
product_sync.stage(image, after=translate, resource=IMAGES, retry=Retry(attempts=3, base_delay=10))
product_sync.stage(
    price, after=image, resource=BUYMA_SEARCH, retry=Retry(attempts=3, base_delay=30)
)
product_sync.stage(
    register, after=price, resource=MARKETS_API, retry=Retry(attempts=3, base_delay=60)
)
