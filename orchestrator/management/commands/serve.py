"""``yooini serve``: the web app on waitress, plus, in the embedded mode, the engine.

Embedded mode (executor ``threads`` or ``inline``): one process serves the web app, fires due
schedules and dispatches every running batch to its stage threads. Distributed mode
(``--executor celery``): the web app only; ``yooini scheduler --run --executor celery``
dispatches and ``yooini worker`` processes run the stages. ``--web-only`` serves the web app
alone in either mode (e.g. a second web process next to an embedded one).

SIGTERM or Ctrl-C stops accepting requests, lets the loops finish what they hold, and exits 0;
a loop that fails stops the whole process with a non-zero exit.
"""

from __future__ import annotations

import _thread
import ipaddress
import threading

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

from ...extensions import background_loops, startup_problems
from ...models import Batch
from ...scheduling import (
    background_start,
    dispatch_loop,
    schedules_loop,
    signals_on,
    signals_restore,
)
from ..base import EngineCommand, add_run_options


class Command(EngineCommand):
    help = "Serve the web app (and, in the embedded mode, run schedules and batches) until SIGTERM."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument(
            "--threads", type=int, default=8, help="threads answering web requests (default 8)"
        )
        parser.add_argument(
            "--web-only",
            action="store_true",
            help="serve the web app only: no scheduler and no dispatching, whatever the executor",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="longest sleep between schedule checks in seconds (default 1.0)",
        )
        add_run_options(parser)

    def handle(self, *args, **opts):
        from waitress import create_server

        from yooini.wsgi import application

        _refuse_public_with_known_key(opts["host"])
        _refuse_startup_problems()
        executor = opts["executor"] or settings.YOOINI_EXECUTOR
        concurrency = opts["concurrency"] or settings.YOOINI_CONCURRENCY
        embedded = executor != "celery" and not opts["web_only"]
        server = create_server(
            application, host=opts["host"], port=opts["port"], threads=opts["threads"]
        )
        # The side threads must not hold this thread's connection (SQLite locks, idle servers).
        connection.close()

        stop = threading.Event()
        failures: list[BaseException] = []
        shutdown = _Shutdown(stop)
        previous = signals_on(shutdown)
        threads: list[threading.Thread] = []

        def start(name: str, target) -> None:
            threads.append(
                background_start(
                    name, target, stop=stop, failures=failures, on_failure=_thread.interrupt_main
                )
            )

        if embedded:
            start(
                "yooini-schedules",
                lambda: schedules_loop(stop, interval=opts["interval"], on_fired=self._fired),
            )
            start(
                "yooini-dispatch",
                lambda: dispatch_loop(
                    stop,
                    executor=executor,
                    concurrency=concurrency,
                    on_closed=self._closed,
                    kind="serve",
                ),
            )
            # What other apps registered (the notification pump) runs in the process that
            # runs the engine, not in every web-only one; `yooini scheduler` does the same in
            # the distributed mode.
            for loop in background_loops():
                start(loop.name, lambda run=loop.run: run(stop))

        self.stdout.write(
            f"yooini serving {_url(opts['host'], getattr(server, 'effective_port', opts['port']))} "
            f"({_mode(executor, concurrency, embedded)}; database: {connection.vendor})"
        )
        try:
            shutdown.serving = True
            if not stop.is_set():  # a loop may have failed already, before the interrupt armed
                server.run()  # returns on KeyboardInterrupt, raised by ``_Shutdown``
        except KeyboardInterrupt:
            pass  # raised outside waitress's own loop (just before or after it)
        finally:
            shutdown.serving = False
            stop.set()
            server.close()
            for thread in threads:
                thread.join()
            signals_restore(previous)
        if failures:
            failure = failures[0]
            raise CommandError(f"stopped: a background loop failed: {failure!r}") from failure
        self.stdout.write("yooini stopped")

    def _fired(self, fired) -> None:
        self.stdout.write(
            f"schedule {fired.schedule} ({fired.workflow}, due {fired.due_at}): {fired.outcome}"
        )

    def _closed(self, batch: Batch) -> None:
        self.stdout.write(f"batch {batch.id} of {batch.workflow} ended {batch.status}")


class _Shutdown:
    """SIGTERM / SIGINT handler: set ``stop`` and, once, interrupt waitress's loop in the main
    thread (waitress returns from ``run`` on KeyboardInterrupt)."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.serving = False

    def __call__(self, signum, frame) -> None:
        self.stop.set()
        if self.serving:
            self.serving = False
            raise KeyboardInterrupt


def _refuse_public_with_known_key(host: str) -> None:
    """Sessions and CSRF tokens are signed with the secret key: on an address others reach,
    a key anyone can read (written in the project, or weak) is refused."""
    from yooini.secret_key import secret_key_problem

    if _loopback(host):
        return
    problem = secret_key_problem(settings.SECRET_KEY)
    if problem:
        raise CommandError(
            f"refusing to serve on {host} with this DJANGO_SECRET_KEY: {problem}. Set "
            "DJANGO_SECRET_KEY to a long random value (or unset it: a key is then generated "
            "under YOOINI_VAR_DIR), or serve on 127.0.0.1"
        )


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def _refuse_startup_problems() -> None:
    """The registered startup checks (monitoring's: the database is readable and migrated)."""
    problems = startup_problems()
    if problems:
        raise CommandError("; ".join(problems))


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _mode(executor: str, concurrency: int, embedded: bool) -> str:
    if not embedded:
        return "distributed: web only" if executor == "celery" else "web only"
    runs = "inline" if executor == "inline" else f"{concurrency} threads"
    return f"embedded: web + scheduler + {runs}"
