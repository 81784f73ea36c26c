"""``yooini orders``: order lines with their status timeline and the requests made for them."""

from __future__ import annotations

import json
from datetime import datetime

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.table import Table

from markets.contract import kinds
from markets.models import MarketAccount
from orders.models import LineStatus
from orders.selectors import line_document, order_lines, with_history
from yooini.choices import one_of
from yooini.timefmt import when


class Command(BaseCommand):
    help = (
        "List order lines (market, account, order, product, quantity, status); --json gives "
        "each line with its timeline and its request log. The buyer is always masked here."
    )

    def add_arguments(self, parser):
        parser.add_argument("--market", help="e.g. coupang")
        parser.add_argument("--account", help="account name")
        parser.add_argument("--status", help=", ".join(LineStatus.values))
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        one_of("--status", opts["status"], LineStatus.values)
        one_of("--market", opts["market"], kinds())
        one_of("--account", opts["account"], MarketAccount.objects.values_list("name", flat=True))
        lines = with_history(
            order_lines(market=opts["market"], account=opts["account"], status=opts["status"])
        )
        documents = [line_document(line) for line in lines]
        if opts["json"]:
            self.stdout.write(json.dumps(documents, ensure_ascii=False, indent=2))
            return
        console = Console(file=self.stdout, highlight=False, width=160)
        table = Table(title=f"{len(documents)} order line(s)")
        for column in ("market", "account", "order", "line", "product", "qty", "status"):
            table.add_column(column)
        table.add_column("supplier order")
        table.add_column("tracking")
        table.add_column("attention", overflow="fold", max_width=40)
        for d in documents:
            purchase = d["purchase"] or {}
            table.add_row(
                d["market"],
                d["account"],
                d["order_id"],
                d["line_id"],
                d["product_name"][:30],
                str(d["quantity"]),
                d["status"] + (" (cancel asked)" if d["cancel_requested"] else ""),
                purchase.get("supplier_order_id") or purchase.get("status") or "-",
                d["tracking"]["number"] or "-",
                d["attention"][:200],
            )
        console.print(table)
        for d in documents:
            console.print(f"[bold]{d['line_id']}[/] ({d['account']})")
            for e in d["timeline"]:
                console.print(
                    f"  {when(datetime.fromisoformat(e['at']))} {e['from'] or '-':>12} -> {e['to']:<12} {e['cause']}"
                )
            for r in d["requests"]:
                code = "-" if r["status_code"] is None else r["status_code"]
                console.print(
                    f"  {when(datetime.fromisoformat(r['at']))} {r['kind']:<11} {r['target']} -> {code} "
                    f"{json.dumps(r['result'], ensure_ascii=False)[:80]}"
                    f"{' ' + r['error'][:80] if r['error'] else ''}"
                )
