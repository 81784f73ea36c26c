"""Fixtures of the distributed-mode tests that run real worker processes."""

from __future__ import annotations

import pytest

from .brokers import BROKERS, celery_app, queue_delete, queue_new
from .chaos import WorkerProcess, celery_env


@pytest.fixture(params=list(BROKERS))
def cluster(request, tmp_path, transactional_db):
    """``cluster(n, concurrency)`` starts n ready workers on a private queue of the broker."""
    broker = request.param
    app = celery_app(broker)  # fails here, clearly, if the broker is not running
    queue = queue_new()
    env = celery_env(BROKERS[broker], queue)
    workers: list[WorkerProcess] = []

    def start(count: int, concurrency: int = 1) -> list[WorkerProcess]:
        for _ in range(count):
            workers.append(WorkerProcess(f"w{len(workers) + 1}", env, tmp_path, concurrency))
        for worker in workers:
            worker.wait_ready()
        return workers

    start.env = env
    yield start
    for worker in workers:
        worker.stop()
    queue_delete(app, queue)
