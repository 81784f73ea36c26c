"""The background loops of a long-running process: firing due schedules and dispatching batches.

``yooini scheduler`` and ``yooini serve`` run the same loops; each stops when its ``stop`` event
is set. A loop that fails records the exception in the shared ``failures`` list and sets
``stop``, so the process ends as a whole instead of running on without it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connection

from .core.clock import get_clock
from .executors import executor_create
from .models import Batch
from .runner import Runner
from .selectors import schedules_next_due_at
from .services.schedules import Fired, schedules_fire_due, schedules_sync


def schedules_loop(
    stop: threading.Event,
    *,
    interval: float = 1.0,
    once: bool = False,
    on_created: Callable[[str, str], None] | None = None,
    on_fired: Callable[[Fired], None] | None = None,
) -> None:
    """Create the declared schedules' missing rows, then fire due schedules until ``stop``.

    It sleeps until the earliest next due time, at most ``interval`` seconds, so schedules
    edited elsewhere are seen. With ``once`` it fires what is due now and returns.
    """
    for schedule in schedules_sync():
        if on_created is not None:
            on_created(schedule.name, schedule.workflow)
    while not stop.is_set():
        for fired in schedules_fire_due():
            if on_fired is not None:
                on_fired(fired)
        if once:
            return
        stop.wait(wait_seconds(interval))


def dispatch_loop(
    stop: threading.Event,
    *,
    executor: str | None = None,
    concurrency: int | None = None,
    on_closed: Callable[[Batch], None] | None = None,
    kind: str = "dispatcher",
) -> None:
    """Run every running batch (and each one started later) until ``stop`` is set.

    Stage runs already handed to a local executor finish and are recorded before it returns;
    the executor and this thread's database connection are closed on the way out.
    """
    engine = executor_create(
        executor or settings.YOOINI_EXECUTOR,
        concurrency=concurrency or settings.YOOINI_CONCURRENCY,
    )
    try:
        Runner(engine, kind=kind).serve(stop, on_closed=on_closed)
    finally:
        engine.close()


def background_start(
    name: str,
    target: Callable[[], None],
    *,
    stop: threading.Event,
    failures: list[BaseException],
    on_failure: Callable[[], None] | None = None,
) -> threading.Thread:
    """Start ``target`` in a (non-daemon) thread; join it at shutdown.

    If it raises, the exception goes to ``failures``, ``stop`` is set and ``on_failure`` runs
    (e.g. to wake a main thread blocked elsewhere). The thread's database connection is closed
    when it ends, whatever happened.
    """

    def run() -> None:
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)
            stop.set()
            if on_failure is not None:
                on_failure()
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def wait_seconds(interval: float) -> float:
    """Until the earliest next run, at most ``interval`` (so edits are picked up)."""
    due = schedules_next_due_at()
    if due is None:
        return max(interval, 0.0)
    return min(max((due - get_clock().now()).total_seconds(), 0.0), max(interval, 0.0))


def signals_on(handler: Callable[[int, object], None]) -> dict:
    """Route SIGTERM and SIGINT to ``handler``; returns the previous handlers (none off the
    main thread, where Python cannot install any)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, handler)
    return previous


def signals_restore(previous: dict) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)
