"""``yooini listings``: our listings on the markets, with their request log."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.table import Table

from markets.contract import kinds
from markets.models import ListingRequest, ListingStatus, MarketAccount
from markets.selectors import listing_document, listings_for
from yooini.choices import one_of
from yooini.timefmt import when


class Command(BaseCommand):
    help = (
        "List listings (reference number, market, external id, status, price, stock); "
        "--requests adds each one's request log (always included with --json)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--market", help="e.g. buyma")
        parser.add_argument("--account", help="account name")
        parser.add_argument("--status", help=", ".join(ListingStatus.values))
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--requests", action="store_true", help="show each request log")

    def handle(self, *args, **opts):
        one_of("--status", opts["status"], ListingStatus.values)
        one_of("--market", opts["market"], kinds())
        one_of("--account", opts["account"], MarketAccount.objects.values_list("name", flat=True))
        listings = list(
            listings_for(account=opts["account"], market=opts["market"], status=opts["status"])
        )
        with_requests = opts["json"] or opts["requests"]
        logs: dict[int, list[ListingRequest]] = {}
        if with_requests and listings:
            for request in ListingRequest.objects.filter(
                listing_id__in=[x.pk for x in listings]
            ).order_by("at", "id"):
                logs.setdefault(request.listing_id, []).append(request)
        if opts["json"]:
            documents = [
                listing_document(x, logs.get(x.pk, []) if with_requests else None) for x in listings
            ]
            self.stdout.write(json.dumps(documents, ensure_ascii=False, indent=2))
            return
        console = Console(file=self.stdout, highlight=False, width=160)
        table = Table(title=f"{len(listings)} listing(s)")
        for column in ("reference", "market", "account", "external id", "status", "price"):
            table.add_column(column)
        table.add_column("stock")
        table.add_column("last error", overflow="fold", max_width=50)
        for listing in listings:
            stock = listing.stock or {}
            table.add_row(
                listing.reference_number,
                listing.account.market,
                listing.account.name,
                listing.external_id or "-",
                listing.status,
                "-" if listing.price is None else f"¥{listing.price:,}",
                f"{stock.get('available', '-')}/{stock.get('variants', '-')}" if stock else "-",
                listing.last_error[:200],
            )
        console.print(table)
        if not opts["requests"]:
            return
        for listing in listings:
            console.print(f"[bold]{listing.reference_number}[/] ({listing.account.name})")
            for r in logs.get(listing.pk, []):
                console.print(
                    f"  {when(r.at)} {r.kind:<8} {'dry ' if r.dry_run else ''}"
                    f"{r.method} {r.path} -> {r.status_code if r.status_code is not None else '-'}"
                    f" {json.dumps(r.result, ensure_ascii=False)[:100]}"
                    f"{' ' + r.error[:100] if r.error else ''}"
                )
