"""``yooini market_export ACCOUNT --out FILE.xlsx``: the account's listings as its market's own
bulk-upload file (every product ready for that account, as the next run would publish it)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from markets.selectors import AccountNotFound, market_account_get
from markets.services import market_connector
from pipelines.exports import account_contents


class Command(BaseCommand):
    help = "Write an account's listings as its market's bulk-upload Excel file."

    def add_arguments(self, parser):
        parser.add_argument("account", help="market account name")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")

    def handle(self, *args, **opts):
        try:
            account = market_account_get(opts["account"])
        except AccountNotFound as exc:
            raise CommandError(str(exc)) from exc
        out = Path(opts["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(f"--out must name an .xlsx file, not {out.name!r}")
        contents, waiting = account_contents(account)
        with market_connector(account) as connector:
            written = connector.export(contents, out)
        self.stdout.write(
            f"{written} listings of {account.name} ({account.market}) written to {out}"
            + (f"; {waiting} products not ready yet" if waiting else "")
        )
