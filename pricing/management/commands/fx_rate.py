"""``yooini fx_rate set 9.35 --from 2026-11-01 [--currency JPY] [--source S]`` and
``yooini fx_rate list [--currency JPY]``.

The rate is the won paid for one unit of the currency (about 9 for the yen), the figure the
pricing rules divide by. Markets that sell in won need no rate.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pricing.selectors import FxRateMissing, fx_rate_on, fx_rates
from pricing.services import fx_rate_set

DEFAULT_CURRENCY = "JPY"  # BUYMA's, the first market priced outside won


class Command(BaseCommand):
    help = "Set or list the KRW rate of a currency (won per unit) that prices use from a day on."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{set,list}")
        put = actions.add_parser("set", help="set the rate in effect from a day on")
        put.add_argument("rate", help="won per unit, e.g. 9.35 for the yen (not yen per won)")
        put.add_argument(
            "--from", dest="valid_from", help="first day it applies, YYYY-MM-DD (default: today)"
        )
        put.add_argument("--source", default="", help="where the figure comes from")
        show = actions.add_parser("list", help="list the rates, newest first")
        show.add_argument("--limit", type=int, default=30, help="how many (default 30)")
        for action in (put, show):
            action.add_argument(
                "--currency",
                default=DEFAULT_CURRENCY,
                help=f"ISO 4217 code of the currency (default {DEFAULT_CURRENCY})",
            )

    def handle(self, *args: object, **opts: object) -> None:
        currency = _currency(opts["currency"])
        if opts["action"] == "set":
            self._set(str(opts["rate"]), opts["valid_from"], str(opts["source"] or ""), currency)
        else:
            self._list(int(opts["limit"]), currency)  # type: ignore[arg-type]

    def _set(self, rate: str, valid_from: object, source: str, currency: str) -> None:
        day = _day(valid_from) if valid_from else timezone.localdate()
        try:
            row = fx_rate_set(rate, day, source, currency=currency)
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            )
            raise CommandError(
                f"fx_rate set {rate} --currency {currency} --from {day}: {problems}"
            ) from exc
        self.stdout.write(
            f"KRW/{row.quote} {_rate(row.krw_per_unit)} from {row.valid_from}"
            f" ({row.source or 'no source'})"
        )

    def _list(self, limit: int, currency: str) -> None:
        if limit < 1:
            raise CommandError(f"--limit must be >= 1, got {limit}")
        rows = list(fx_rates(currency=currency, limit=limit))
        if not rows:
            self.stdout.write(
                f"no KRW/{currency} rate set:"
                f" `yooini fx_rate set <krw_per_unit> --currency {currency} --from <day>`"
            )
            return
        today = timezone.localdate()
        try:
            current = fx_rate_on(today, currency=currency).pk
        except FxRateMissing:
            current = None
        self.stdout.write(f"KRW/{currency}")
        self.stdout.write(f"{'valid_from':<12} {'krw_per_unit':>12}  source")
        for row in rows:
            mark = "  <- today" if row.pk == current else ""
            self.stdout.write(
                f"{row.valid_from.isoformat():<12} {_rate(row.krw_per_unit):>12}  {row.source}{mark}"
            )


def _currency(value: object) -> str:
    code = str(value or "").strip().upper()
    if code == "KRW":
        raise CommandError("--currency KRW: won are priced at 1 won per won, no rate to set")
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise CommandError(f"--currency must be an ISO 4217 code such as JPY, got {value!r}")
    return code


def _day(value: object) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CommandError(f"--from must be a day as YYYY-MM-DD, got {value!r}") from None


def _rate(value: object) -> str:
    return f"{value.normalize():f}"  # type: ignore[union-attr]
