"""``yooini fx_rate set 9.35 --from 2026-11-01 [--source S]`` and ``yooini fx_rate list``.

The rate is the won paid for one yen (about 9), the figure the pricing rules divide by.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pricing.selectors import FxRateMissing, fx_rate_on, fx_rates
from pricing.services import fx_rate_set


class Command(BaseCommand):
    help = "Set or list the KRW/JPY rate (won per yen) that prices use from a day on."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{set,list}")
        put = actions.add_parser("set", help="set the rate in effect from a day on")
        put.add_argument("rate", help="won per yen, e.g. 9.35 (not yen per won)")
        put.add_argument(
            "--from", dest="valid_from", help="first day it applies, YYYY-MM-DD (default: today)"
        )
        put.add_argument("--source", default="", help="where the figure comes from")
        show = actions.add_parser("list", help="list the rates, newest first")
        show.add_argument("--limit", type=int, default=30, help="how many (default 30)")

    def handle(self, *args: object, **opts: object) -> None:
        if opts["action"] == "set":
            self._set(str(opts["rate"]), opts["valid_from"], str(opts["source"] or ""))
        else:
            self._list(int(opts["limit"]))  # type: ignore[arg-type]

    def _set(self, rate: str, valid_from: object, source: str) -> None:
        day = _day(valid_from) if valid_from else timezone.localdate()
        try:
            row = fx_rate_set(rate, day, source)
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            )
            raise CommandError(f"fx_rate set {rate} --from {day}: {problems}") from exc
        self.stdout.write(
            f"KRW/JPY {_rate(row.krw_per_jpy)} from {row.valid_from} ({row.source or 'no source'})"
        )

    def _list(self, limit: int) -> None:
        if limit < 1:
            raise CommandError(f"--limit must be >= 1, got {limit}")
        rows = list(fx_rates(limit=limit))
        if not rows:
            self.stdout.write(
                "no KRW/JPY rate set: `yooini fx_rate set <krw_per_jpy> --from <day>`"
            )
            return
        today = timezone.localdate()
        try:
            current = fx_rate_on(today).pk
        except FxRateMissing:
            current = None
        self.stdout.write(f"{'valid_from':<12} {'krw_per_jpy':>12}  source")
        for row in rows:
            mark = "  <- today" if row.pk == current else ""
            self.stdout.write(
                f"{row.valid_from.isoformat():<12} {_rate(row.krw_per_jpy):>12}  {row.source}{mark}"
            )


def _day(value: object) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CommandError(f"--from must be a day as YYYY-MM-DD, got {value!r}") from None


def _rate(value: object) -> str:
    return f"{value.normalize():f}"  # type: ignore[union-attr]
