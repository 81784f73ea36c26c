"""``yooini notify``: send notifications from a process of their own, or test a channel.

``yooini serve`` and ``yooini scheduler`` already pump notifications; this command is for
setups that want it apart, for a one-off ``--once`` (cron), and for ``--test CHANNEL``.
"""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from ...failures import SendFailed
from ...models import Channel
from ...services import (
    channel_send_test,
    notifications_collect,
    notifications_pump,
    notifications_send_due,
)


class Command(BaseCommand):
    help = "Send notifications (Slack, email) for the engine's events until SIGTERM or Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="collect new events, send what is due, exit"
        )
        parser.add_argument("--test", metavar="CHANNEL", help="send a test message to CHANNEL")
        parser.add_argument(
            "--interval", type=float, default=2.0, help="seconds between rounds (default 2)"
        )

    def handle(self, *args, **opts):
        if opts["test"]:
            return self._test(opts["test"])
        if opts["once"]:
            collected = notifications_collect()
            report = notifications_send_due()
            self.stdout.write(
                f"collected {collected}, sent {report.sent}, retrying {report.retrying},"
                f" failed {report.failed}"
            )
            return
        stop = threading.Event()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"sending notifications every {opts['interval']:g}s; Ctrl-C stops")
        try:
            notifications_pump(stop, interval=opts["interval"])
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _test(self, name: str) -> None:
        try:
            channel = channel_send_test(name=name)
        except Channel.DoesNotExist:
            known = ", ".join(Channel.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"no channel {name!r} (channels: {known})") from None
        except SendFailed as exc:
            raise CommandError(f"the test message to {name!r} failed: {exc}") from None
        self.stdout.write(f"sent a test message to {channel.name} ({channel.kind})")
