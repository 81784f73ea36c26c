"""The real brokers of the distributed-mode tests (both run on 127.0.0.1 here and in CI), and
a private queue per test run so leftovers of another run are never consumed."""

from __future__ import annotations

import uuid

from celery import Celery

BROKERS = {
    "redis": "redis://127.0.0.1:6379/0",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//",
}


def celery_app(broker: str) -> Celery:
    """A Celery app with the project's settings on ``broker`` (fails if it is unreachable)."""
    app = Celery(f"yooini-test-{broker}", broker=BROKERS[broker])
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.include = ["orchestrator.tasks"]
    app.loader.import_default_modules()
    with app.connection_for_write() as conn:
        try:
            conn.ensure_connection(max_retries=2, interval_start=0.2)
        except Exception as exc:
            raise RuntimeError(f"broker {broker} at {BROKERS[broker]} is not reachable") from exc
    return app


def queue_new() -> str:
    return f"yooini-test-{uuid.uuid4().hex[:10]}"


def queue_delete(app: Celery, queue: str) -> None:
    with app.connection_for_write() as conn:
        conn.default_channel.queue_delete(queue)
