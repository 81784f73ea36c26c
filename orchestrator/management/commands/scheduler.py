"""``yooini scheduler``: fire due schedules until stopped; any number may run at once.

It only starts batches (records them); runners execute them. ``--run`` also dispatches every
running batch from this process, with the threads executor (one machine needs one command) or
to Celery workers (``--executor celery``): the scheduler of the distributed mode.
"""

from __future__ import annotations

import threading

from django.core.management.base import CommandError

from ...console import console, print_summary, run_with_progress
from ...extensions import background_loops
from ...models import Batch
from ...scheduling import (
    background_start,
    dispatch_loop,
    schedules_loop,
    signals_on,
    signals_restore,
)
from ...services.schedules import Fired
from ..base import EngineCommand, add_run_options


class Command(EngineCommand):
    help = "Fire due schedules (start their batches) until SIGTERM or Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="fire what is due now, then exit")
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="longest sleep between checks in seconds, so edits are seen (default 1.0)",
        )
        parser.add_argument(
            "--run",
            action="store_true",
            help="also dispatch every running batch from here (with --once: run the started ones"
            " to their end)",
        )
        add_run_options(parser)

    def handle(self, *args, **opts):
        stop = threading.Event()
        previous = signals_on(lambda *_: stop.set())
        failures: list[BaseException] = []
        threads = []
        if not opts["once"]:
            # Every long-running scheduler runs what other apps registered (the notification
            # pump: a delivery is claimed before it is sent, so several never send one twice).
            for loop in background_loops():
                threads.append(
                    background_start(
                        loop.name,
                        lambda run=loop.run: run(stop),
                        stop=stop,
                        failures=failures,
                    )
                )
        if opts["run"] and not opts["once"]:
            threads.append(
                background_start(
                    "yooini-dispatch",
                    lambda: dispatch_loop(
                        stop,
                        executor=opts["executor"],
                        concurrency=opts["concurrency"],
                        on_closed=self._closed,
                        kind="scheduler",
                    ),
                    stop=stop,
                    failures=failures,
                )
            )

        def fired(item: Fired) -> None:
            self._report(item)
            if opts["once"] and opts["run"] and item.batch_id and item.action in _STARTED:
                self._run(item, opts)

        try:
            schedules_loop(
                stop,
                interval=opts["interval"],
                once=opts["once"],
                on_created=self._created,
                on_fired=fired,
            )
        finally:
            stop.set()
            for thread in threads:
                thread.join()
            signals_restore(previous)
        if failures:
            raise CommandError(f"a background loop stopped: {failures[0]!r}") from failures[0]

    def _created(self, name: str, workflow: str) -> None:
        self.stdout.write(f"created schedule {name} ({workflow})")

    def _closed(self, batch: Batch) -> None:
        self.stdout.write(f"batch {batch.id} of {batch.workflow} ended {batch.status}")

    def _report(self, fired: Fired) -> None:
        self.stdout.write(
            f"{fired.schedule} ({fired.workflow}, due {fired.due_at}): {fired.outcome}"
        )

    def _run(self, fired: Fired, opts: dict) -> None:
        batch = run_with_progress(
            fired.batch_id,
            executor=opts["executor"],
            concurrency=opts["concurrency"],
            quiet=opts["quiet"],
        )
        if not opts["quiet"]:
            print_summary(batch)
        else:
            console.print(f"batch {batch.id} {batch.status}")


_STARTED = ("started", "resumed")
