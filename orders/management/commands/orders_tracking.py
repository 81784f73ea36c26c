"""``yooini orders_tracking FILE``: tracking numbers a supplier sent back (CSV or Excel)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from orders.sheets import tracking_import


class Command(BaseCommand):
    help = (
        "Import tracking numbers from a CSV or .xlsx file with the columns note (the order "
        "sheet's note), company and number; the next order_processing sends them to the market."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        result = tracking_import(path.name, path.read_bytes())
        self.stdout.write(f"{result['set']} tracking number(s) set")
        for problem in result["problems"]:
            self.stdout.write(f"row {problem['row']}: {problem['message']}")
