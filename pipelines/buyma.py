"""Workflow ``buyma``: mall and supplier products listed on BUYMA, per brand unit.

Partitions are the enabled brand units (``SupplierBrand``: "okmall/NIKE", or "feed/all" for a
supplier read whole); ``--param units=a,b`` runs a subset (partitions or supplier names),
``--param account=name`` lists on one BUYMA account instead of every enabled one. The stages
are the same as ``product_sync``'s, bound to the BUYMA market.

    collect -> convert -> translate -> image -> price -> register

``full`` (daily at 03:00) runs every stage; ``partial`` (hourly) refreshes price and stock of known
products and updates their listings: collect, price, register. Every stage works only where
its input changed, so a rerun changes nothing and a crashed batch resumes where it stopped.

Resources: each supplier is one resource with concurrency 1 (a mall is crawled by one reader
at a time, whatever the number of brands or batches: the per-site lock); BUYMA's search pages
and its API are one resource each, shared by every partition, batch and process.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from orchestrator import Retry, ScheduleSpec, Workflow, resource
from suppliers.selectors import collect_units_enabled
from suppliers.stages import NOT_RETRIED, supplier_resource

from .resources import BUYMA_API, BUYMA_SEARCH, IMAGES
from .steps.collect import collect
from .steps.convert import convert
from .steps.image import image
from .steps.price import price
from .steps.register import register
from .steps.translate import translate
from .supplier_collect import names_param


def unit_partitions(params: Mapping[str, Any]) -> list[str]:
    """The enabled brand units (those named in ``params["units"]`` when given), each
    supplier's resource declared before the batch writes the resource rows."""
    units = collect_units_enabled(only=names_param(params, "units"))
    for supplier in {unit.supplier for unit in units}:
        resource(supplier_resource(supplier), concurrency=1)
    return [unit.partition for unit in units]


def unit_resource(partition: str) -> str:
    return supplier_resource(partition.partition("/")[0])


buyma = Workflow(
    "buyma",
    partitions=unit_partitions,
    modes={
        "full": ["collect", "convert", "translate", "image", "price", "register"],
        "partial": ["collect", "price", "register"],
    },
    version="1",
    description="Supplier products listed on BUYMA per brand unit: full daily, partial hourly.",
    params={
        "units": "only these brand units (name[,name])",
        "account": "only these market accounts (name[,name])",
        "markets": "only these markets (buyma,smartstore,coupang,gmarket)",
    },
    # Created in the database by `yooini scheduler` (or `yooini schedules sync`) when missing;
    # edit or disable them there. Asia/Seoul unless YOOINI_TIME_ZONE says otherwise.
    schedules=[
        ScheduleSpec(name="buyma-full-daily", cron="0 3 * * *", mode="full"),
        ScheduleSpec(name="buyma-partial-hourly", cron="0 * * * *", mode="partial"),
    ],
)
MARKETS = ("buyma",)
buyma.stage(
    collect,
    resource=unit_resource,
    retry=Retry(attempts=3, base_delay=30, max_delay=600, no_retry_on=NOT_RETRIED),
)
buyma.stage(
    partial(convert, markets=MARKETS),
    name="convert",
    after="collect",
    retry=Retry(attempts=2, base_delay=5),
)
buyma.stage(
    partial(translate, markets=MARKETS),
    name="translate",
    after="convert",
    retry=Retry(attempts=3, base_delay=30, max_delay=600),
)
buyma.stage(image, after="translate", resource=IMAGES, retry=Retry(attempts=3, base_delay=10))
buyma.stage(
    partial(price, markets=MARKETS),
    name="price",
    after=image,
    resource=BUYMA_SEARCH,
    retry=Retry(attempts=3, base_delay=30),
)
buyma.stage(
    partial(register, markets=MARKETS),
    name="register",
    after="price",
    resource=BUYMA_API,
    retry=Retry(attempts=3, base_delay=60),
)
