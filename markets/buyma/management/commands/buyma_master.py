"""``yooini buyma_master load [--dir D]`` and ``yooini buyma_master status``: BUYMA master data."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from markets.buyma.master import MasterDataError, buyma_master_load, buyma_master_status


class Command(BaseCommand):
    help = "Load BUYMA's master data CSVs (brands, categories, colours, sizes, ...) or count them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="upsert the tables from the CSVs (idempotent)")
        load.add_argument(
            "--dir",
            dest="directory",
            default=None,
            help="directory of <table>.csv or <table>.csv.gz files (default: the shipped copy)",
        )
        sub.add_parser("status", help="rows per master table")

    def handle(self, *args, action: str, directory: str | None = None, **options):
        if action == "load":
            try:
                counts = buyma_master_load(directory)
            except MasterDataError as exc:
                raise CommandError(str(exc)) from None
            for name, c in counts.items():
                self.stdout.write(
                    f"{name:<18} {c.rows:>6} rows  +{c.created} ~{c.updated} -{c.deleted}"
                )
        else:
            for name, count in buyma_master_status().items():
                self.stdout.write(f"{name:<18} {count:>6}")
