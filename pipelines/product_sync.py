"""Workflow ``product_sync``: every enabled supplier's products processed and listed on every
enabled market account.

One partition per enabled supplier, read whole (``--param units=a,b`` for a subset). The same
stages as ``buyma``, over a supplier instead of a brand unit:

    collect -> process (convert, translate) -> image -> price -> sync (every enabled account)

Modes as in ``buyma``: ``full`` and ``partial`` (price and stock of known products only).
"""

from __future__ import annotations

from typing import Any

from orchestrator import Retry, Workflow
from suppliers.stages import NOT_RETRIED, supplier_resource

from .resources import BUYMA_API, BUYMA_SEARCH, IMAGES
from .steps.collect import collect
from .steps.convert import convert
from .steps.image import image
from .steps.price import price
from .steps.register import register
from .steps.translate import translate
from .supplier_collect import enabled_supplier_partitions, names_param


def process(ctx, partition: str) -> dict[str, Any]:
    """CONVERT then TRANSLATE: the product as a listing draft, in the market's language."""
    converted = convert(ctx, partition)
    translated = translate(ctx, partition)
    return {"items": converted["items"], "convert": converted, "translate": translated}


product_sync = Workflow(
    "product_sync",
    partitions=lambda params: enabled_supplier_partitions(names_param(params, "units")),
    modes={
        "full": ["collect", "process", "image", "price", "sync"],
        "partial": ["collect", "price", "sync"],
    },
    version="1",
    description="Every enabled supplier processed and listed on every enabled market account.",
)
product_sync.stage(
    collect,
    resource=supplier_resource,
    retry=Retry(attempts=3, base_delay=30, max_delay=600, no_retry_on=NOT_RETRIED),
)
product_sync.stage(process, after=collect, retry=Retry(attempts=3, base_delay=30, max_delay=600))
product_sync.stage(image, after=process, resource=IMAGES, retry=Retry(attempts=3, base_delay=10))
product_sync.stage(
    price, after=image, resource=BUYMA_SEARCH, retry=Retry(attempts=3, base_delay=30)
)
product_sync.stage(
    register, name="sync", after=price, resource=BUYMA_API, retry=Retry(attempts=3, base_delay=60)
)
