"""What a commerce run ends with: per stage its items, item errors and time; and where the
outputs are (database, image store, listings and their request log)."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.conf import settings
from django.db import connection
from rich.table import Table

from markets.models import Listing
from orchestrator.console import console
from orchestrator.core.items import item_errors_count
from orchestrator.models import Batch, StageRun

from .models import MarketProduct

# Result keys that count products or rows a stage could not handle (each is kept on its item);
# the "item errors" column is the engine's count (``orchestrator.item_errors``), as in
# ``yooini status`` and the dashboard, so these are left out of the details.
ITEM_ERRORS = ("rejected_count", "blocked", "needs_human", "failed_urls", "failed")


def stage_figures(batch: Batch) -> dict[str, dict[str, float]]:
    """Per stage: items, item errors, seconds spent in its cells (summed) and the change
    counts the stage reports (created, changed, new_files, ...)."""
    figures: dict[str, dict[str, float]] = defaultdict(Counter)
    cells = StageRun.objects.filter(batch_id=batch.id).order_by("position", "id")
    for cell in cells.values("stage", "item_count", "result", "started_at", "finished_at"):
        row = figures[cell["stage"]]
        row["items"] += cell["item_count"] or 0
        result = cell["result"] if isinstance(cell["result"], dict) else {}
        for key, value in result.items():
            if isinstance(value, int | float) and not isinstance(value, bool) and key != "items":
                row[key] += value
        row["errors"] += item_errors_count(result)
        if cell["started_at"] and cell["finished_at"]:
            row["seconds"] += (cell["finished_at"] - cell["started_at"]).total_seconds()
    return figures


def print_stage_table(batch: Batch) -> None:
    table = Table(title="per stage")
    for column in ("stage", "items", "item errors", "time (s)", "details"):
        table.add_column(column, justify="left" if column in ("stage", "details") else "right")
    for stage, row in stage_figures(batch).items():
        details = ", ".join(
            f"{k} {int(v)}"
            for k, v in row.items()
            if k not in ("items", "errors", "seconds") and v and k not in ITEM_ERRORS
        )
        table.add_row(
            stage, str(int(row["items"])), str(int(row["errors"])), f"{row['seconds']:.1f}", details
        )
    console.print(table)


def print_outputs(batch: Batch, *, accounts: list[str] | None = None) -> None:
    listings = Listing.objects.all()
    if accounts:
        listings = listings.filter(account__name__in=accounts)
    by_account: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for market, account, status in listings.values_list(
        "account__market", "account__name", "status"
    ):
        by_account[(market, account)][status] += 1
    waiting = MarketProduct.objects.filter(needs_human=True)
    if accounts:
        waiting = waiting.filter(account__name__in=accounts)
    database = connection.settings_dict
    where = database["NAME"] if database["ENGINE"].endswith("sqlite3") else database["ENGINE"]
    lines = [
        f"  {market:<11} {account:<20} {sum(counts.values()):>6} "
        f"({', '.join(f'{s} {n}' for s, n in sorted(counts.items()))})"
        for (market, account), counts in sorted(by_account.items())
    ]
    only = f" --account {accounts[0]}" if accounts and len(accounts) == 1 else ""
    console.print(
        f"[bold]outputs[/]\n"
        f"  database            {where}\n"
        f"  images              {getattr(settings, 'YOOINI_MEDIA_ROOT', None) or 'var/media'}\n"
        f"  listings per market and account: yooini listings{only} [--json] [--requests]\n"
        + ("\n".join(lines) or "  (none)")
        + f"\n  need a person       {waiting.count()} products need a human translation "
        f"(admin: AI > translations)\n"
        f"  the run             yooini status {batch.id}; yooini events --batch {batch.id}"
    )
