"""Workflow ``inventory_sync``: every hour, each supplier's stock and price reach every market
where its products are listed, and only what changed is sent.

Partitions are the enabled suppliers (``--param suppliers=a,b`` for some; ``--param
markets=coupang,smartstore`` or ``--param account=a,b`` to push to fewer accounts). Per
supplier (decision 11):

    read  (the supplier's stock and price: read_stock, or its last collected source data)
      -> push (what moved, to every account where the product is listed)

READ holds the supplier's resource (one reader per supplier, shared with its collects); PUSH
holds the markets' (the connectors pace their calls to each market's rate). A product sold
out at the supplier (at or below the safety stock) goes out of stock on every market, or is
suspended where a market refuses stock 0; back in stock, it is on sale again; a new supplier
price is priced again by each market's rules, in its currency. Every market call goes
through the one publish state machine. The default schedule ``inventory-sync-hourly`` runs it
at half past every hour (Asia/Seoul), between the ``buyma`` partial runs on the hour.
"""

from __future__ import annotations

from orchestrator import Retry, ScheduleSpec, Workflow
from suppliers.stages import NOT_RETRIED, supplier_resource

from .resources import MARKETS_API
from .steps.inventory import push, read
from .supplier_collect import supplier_partitions

inventory_sync = Workflow(
    "inventory_sync",
    partitions=supplier_partitions,
    version="1",
    description="Supplier stock and price to every market where a product is listed, hourly.",
    params={
        "suppliers": "only these suppliers (name[,name])",
        "account": "only these market accounts (name[,name])",
        "markets": "only these markets (buyma,smartstore,coupang,gmarket)",
    },
    schedules=[ScheduleSpec(name="inventory-sync-hourly", cron="30 * * * *")],
)
inventory_sync.stage(
    read,
    resource=supplier_resource,
    retry=Retry(attempts=3, base_delay=30, max_delay=600, no_retry_on=NOT_RETRIED),
)
inventory_sync.stage(push, after=read, resource=MARKETS_API, retry=Retry(attempts=3, base_delay=60))
