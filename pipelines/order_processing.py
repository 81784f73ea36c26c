"""Workflow ``order_processing``: every live market account's orders collected, acknowledged,
bought once at the supplier and shipped with the supplier's tracking number (``orders``).

Partitions are the enabled, live (not dry-run) market accounts whose market has an order API
here (``--param account=a,b`` for fewer). Every 10 minutes by default:

    collect -> acknowledge -> purchase -> tracking

Each stage is safe to run again after a crash at any point: lines are keyed by the market's
line id, the paging token is saved after each page, and a purchase is written durably before
its supplier call and never sent twice (docs/decisions/0012-one-purchase-per-order-line.md).
"""

from __future__ import annotations

from markets.contract import market_kind
from markets.models import MarketAccount
from markets.selectors import market_account_get
from orchestrator import Retry, ScheduleSpec, Workflow
from orchestrator.core.clock import get_clock
from orders import processing

from .resources import MARKETS_API


def order_partitions(params) -> list[str]:
    wanted = {n.strip() for n in str(params.get("account") or "").split(",") if n.strip()}
    accounts = MarketAccount.objects.filter(enabled=True, dry_run=False).order_by("name")
    return [
        a.name
        for a in accounts
        if market_kind(a.market).orders is not None and (not wanted or a.name in wanted)
    ]


order_processing = Workflow(
    "order_processing",
    partitions=order_partitions,
    modes={"full": ["collect", "acknowledge", "purchase", "tracking"]},
    version="1",
    description="Orders from every live market account: collected, acknowledged, bought, shipped.",
    params={"account": "only these market accounts (name[,name])"},
    schedules=[ScheduleSpec(name="order-processing-10min", every_seconds=600, mode="full")],
)


def _account(partition: str):
    return market_account_get(partition, enabled=True)


@order_processing.stage(resource=MARKETS_API, retry=Retry(attempts=3, base_delay=30))
def collect(ctx, partition: str) -> dict:

    account = _account(partition)
    with processing.order_connector(account) as connector:
        counts = processing.collect(account, connector)
    ctx.add_items(counts.get("created", 0) + counts.get("changed", 0))
    return counts


@order_processing.stage(
    after="collect", resource=MARKETS_API, retry=Retry(attempts=3, base_delay=30)
)
def acknowledge(ctx, partition: str) -> dict:

    account = _account(partition)
    with processing.order_connector(account) as connector:
        counts = processing.acknowledge(account, connector)
    ctx.add_items(counts.get("acknowledged", 0))
    return counts


@order_processing.stage(after="acknowledge", retry=Retry(attempts=3, base_delay=60))
def purchase(ctx, partition: str) -> dict:

    suppliers = processing.SupplierConnectors()
    try:
        run = ctx.batch_id or get_clock().now().strftime("%Y%m%d%H%M%S")
        counts = processing.purchase(_account(partition), suppliers, run=run)
    finally:
        suppliers.close()
    ctx.add_items(counts.get("placed", 0) + counts.get("sheet", 0))
    return counts


@order_processing.stage(
    after="purchase", resource=MARKETS_API, retry=Retry(attempts=3, base_delay=60)
)
def tracking(ctx, partition: str) -> dict:

    account = _account(partition)
    suppliers = processing.SupplierConnectors()
    try:
        with processing.order_connector(account) as connector:
            counts = processing.tracking(account, connector, suppliers)
    finally:
        suppliers.close()
    ctx.add_items(counts.get("shipped", 0))
    return counts
