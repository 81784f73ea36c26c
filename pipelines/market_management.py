"""Workflow ``market_management``: every morning, one report on every market account.

Partitions are the enabled market accounts (``--param account=a,b`` for fewer); the engine
runs them side by side. Per account, three independent parts, then the account's section is
finished:

    prices (position against the competition, margin)  \
    stock  (demand forecast, restock and delist)          -> report
    sales  (orders, revenue, margin, top products)       /

The ``report`` stage of the account that finishes last makes the consolidated summary and
announces it (event ``report.ready``: the dashboard's report page and the notification
channels that ask for it). Reading only the database, each stage is safe to run again: it
overwrites its own part. The default schedule ``market-management-daily`` runs at 09:00
(Asia/Seoul, the settings' time zone).
"""

from __future__ import annotations

from markets.models import MarketAccount
from markets.selectors import market_account_get
from orchestrator import Retry, ScheduleSpec, Workflow
from reports import sections
from reports.services import REPORT_READY, part_save, section_finish
from yooini.timefmt import local_day


def account_partitions(params) -> list[str]:
    wanted = {n.strip() for n in str(params.get("account") or "").split(",") if n.strip()}
    accounts = MarketAccount.objects.filter(enabled=True).order_by("name")
    return [a.name for a in accounts if not wanted or a.name in wanted]


market_management = Workflow(
    "market_management",
    partitions=account_partitions,
    version="1",
    description="Every market account's prices, stock and sales, in one daily report.",
    params={"account": "only these market accounts (name[,name])"},
    schedules=[ScheduleSpec(name="market-management-daily", cron="0 9 * * *")],
)
RETRY = Retry(attempts=3, base_delay=30)


def _account(partition: str) -> MarketAccount:
    return market_account_get(partition, enabled=True)


@market_management.stage(retry=RETRY)
def prices(ctx, partition: str) -> dict:
    account = _account(partition)
    part = sections.prices_section(account)
    part_save(ctx.batch_id, account, "prices", part)
    ctx.add_items(part["listings"])
    return {"uncompetitive": part["uncompetitive"], "below_target": part["below_target"]}


@market_management.stage(retry=RETRY)
def stock(ctx, partition: str) -> dict:
    account = _account(partition)
    part = sections.stock_section(account, local_day(ctx.clock.now()))
    part_save(ctx.batch_id, account, "stock", part)
    ctx.add_items(part["listings"])
    return {"restock": part["restock"], "sold_out": part["sold_out"], "delist": part["delist"]}


@market_management.stage(retry=RETRY)
def sales(ctx, partition: str) -> dict:
    account = _account(partition)
    part = sections.sales_section(account, local_day(ctx.clock.now()))
    part_save(ctx.batch_id, account, "sales", part)
    yesterday = part["yesterday"]
    ctx.add_items(yesterday["orders"])
    return {"orders": yesterday["orders"], "revenue": yesterday["revenue"]}


@market_management.stage(after=[prices, stock, sales], retry=RETRY)
def report(ctx, partition: str) -> dict:
    summary = section_finish(ctx.batch_id, _account(partition), cell_id=ctx.stage_run_id)
    if summary is not None:
        ctx.emit(REPORT_READY, summary)
    return {"report_ready": summary is not None}
