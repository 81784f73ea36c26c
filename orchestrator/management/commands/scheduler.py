"""``yooini scheduler``: fire due schedules until stopped; any number may run at once.

It only starts batches (records them); runners execute them. ``--run`` also dispatches every
running batch from this process, with the threads executor (one machine needs one command) or
to Celery workers (``--executor celery``): the scheduler of the distributed mode.
"""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

from ...console import console, print_summary, run_with_progress
from ...core.clock import get_clock
from ...executors import executor_create
from ...models import Batch
from ...runner import Runner
from ...selectors import schedules_next_due_at
from ...services.schedules import Fired, schedules_fire_due, schedules_sync
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
        previous = _on_signals(stop)
        failures: list[BaseException] = []
        dispatcher = None
        if opts["run"] and not opts["once"]:
            dispatcher = threading.Thread(
                target=self._dispatch, args=(stop, opts, failures), name="yooini-dispatch"
            )
            dispatcher.start()
        try:
            for schedule in schedules_sync():
                self.stdout.write(f"created schedule {schedule.name} ({schedule.workflow})")
            while not stop.is_set():
                for fired in schedules_fire_due():
                    self._report(fired)
                    if (
                        opts["once"]
                        and opts["run"]
                        and fired.batch_id
                        and fired.action
                        in (
                            "started",
                            "resumed",
                        )
                    ):
                        self._run(fired, opts)
                if opts["once"]:
                    break
                stop.wait(_wait_seconds(opts["interval"]))
        finally:
            stop.set()
            if dispatcher is not None:
                dispatcher.join()
            _restore(previous)
        if failures:
            raise CommandError(f"dispatching stopped: {failures[0]!r}") from failures[0]

    def _dispatch(self, stop: threading.Event, opts: dict, failures: list) -> None:
        """Run every running batch until ``stop``; a failure stops the whole scheduler."""
        engine = executor_create(
            opts["executor"] or settings.YOOINI_EXECUTOR,
            concurrency=opts["concurrency"] or settings.YOOINI_CONCURRENCY,
        )
        try:
            Runner(engine).serve(stop, on_closed=self._closed)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)
            stop.set()
        finally:
            engine.close()
            connection.close()

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


def _wait_seconds(interval: float) -> float:
    """Until the earliest next run, at most ``interval`` (so edits are picked up)."""
    due = schedules_next_due_at()
    if due is None:
        return max(interval, 0.0)
    return min(max((due - get_clock().now()).total_seconds(), 0.0), max(interval, 0.0))


def _on_signals(stop: threading.Event) -> dict:
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, lambda *_: stop.set())
    return previous


def _restore(previous: dict) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)
