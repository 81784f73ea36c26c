"""``yooini report``: the daily market report (workflow market_management), latest or by batch."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from reports.selectors import ReportNotFound, report_document, report_get


class Command(BaseCommand):
    help = "Show the daily market report: per account its prices, stock and sales findings."

    def add_arguments(self, parser):
        parser.add_argument("--batch", help="the market_management batch (default: the latest)")
        parser.add_argument("--json", action="store_true", help="the whole report as JSON")

    def handle(self, *args, **opts):
        try:
            report = report_get(opts["batch"])
        except ReportNotFound as exc:
            raise CommandError(str(exc)) from None
        document = report_document(report)
        if opts["json"]:
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
            return
        console = Console(file=self.stdout, highlight=False, width=160)
        state = (
            "ready"
            if document["ready"]
            else (
                f"in progress: {len(document['accounts_finished'])} of "
                f"{document['accounts_expected']} accounts"
            )
        )
        table = Table(
            title=f"daily market report {document['day']} (batch {report.batch_id}, {state})"
        )
        for column in ("account", "market", "listings", "uncompetitive", "restock", "sold out",
                       "delist", "orders yesterday", "revenue", "margin"):  # fmt: skip
            table.add_column(column)
        for s in document["sections"]:
            prices, stock, sales = s["prices"], s["stock"], s["sales"]
            yesterday = sales.get("yesterday") or {}
            currency = sales.get("currency", "")
            table.add_row(
                s["account"] + ("" if s["finished"] else " (unfinished)"),
                s["market"],
                str(prices.get("listings", "-")),
                str(prices.get("uncompetitive", "-")),
                str(stock.get("restock", "-")),
                str(stock.get("sold_out", "-")),
                str(stock.get("delist", "-")),
                str(yesterday.get("orders", "-")),
                f"{yesterday.get('revenue', 0):,} {currency}",
                f"{yesterday.get('margin', 0):,} {currency}",
            )
        console.print(table)
        for s in document["sections"]:
            findings = [
                ("uncompetitive", s["prices"].get("uncompetitive_items") or []),
                ("restock", s["stock"].get("restock_items") or []),
                ("sold out", s["stock"].get("sold_out_items") or []),
                ("delist", s["stock"].get("delist_items") or []),
            ]
            for name, items in findings:
                for item in items[:10]:
                    reason = item.get("reason") or (
                        f"floor {item['floor_price']} above the competitor's undercut "
                        f"{item['undercut_price']}"
                    )
                    console.print(
                        f"  {s['account']:<20} {name:<14} {item['reference']:<24} {reason}"
                    )
