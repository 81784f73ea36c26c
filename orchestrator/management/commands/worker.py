"""``yooini worker``: a Celery worker with the project's settings, for ``YOOINI_EXECUTOR=celery``.

Run as many as needed, on any machine that reaches the database and the broker.
"""

from __future__ import annotations

from django.conf import settings

from ..base import EngineCommand


class Command(EngineCommand):
    help = "Start a Celery worker that runs the stage runs queued by the celery executor."

    def add_arguments(self, parser):
        parser.add_argument(
            "--concurrency", type=int, help="worker processes (default: one per core)"
        )
        parser.add_argument(
            "--pool",
            choices=["prefork", "threads", "solo"],
            default="prefork",
            help="prefork (default): one process per stage run at a time",
        )
        parser.add_argument("--queue", help="queue to consume (default: YOOINI_CELERY_QUEUE)")
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument("--hostname", help="node name (default: celery@<host>)")

    def handle(self, *args, **opts):
        from yooini.celery import app

        argv = [
            "worker",
            f"--loglevel={opts['loglevel']}",
            f"--queues={opts['queue'] or settings.YOOINI_CELERY_QUEUE}",
            f"--pool={opts['pool']}",
            # Workers need not know each other: the database coordinates them.
            "--without-gossip",
            "--without-mingle",
        ]
        if opts["concurrency"]:
            argv.append(f"--concurrency={opts['concurrency']}")
        if opts["hostname"]:
            argv.append(f"--hostname={opts['hostname']}")
        app.worker_main(argv)
