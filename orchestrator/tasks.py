"""The Celery task of the distributed mode: it carries ids only (see ``orchestrator.remote``).

A shared task, so every Celery app of the project (``yooini.celery.app``, a test's) has it.
"""

import threading

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown

from .executors import STAGE_RUN_TASK
from .loading import workflows_load
from .remote import stage_run_work


@shared_task(name=STAGE_RUN_TASK, acks_late=True, ignore_result=True)
def stage_run(stage_run_id: int, attempt: int, queued_by: str) -> str:
    workflows_load()
    return stage_run_work(stage_run_id, attempt, queued_by)


_beating: dict[str, object] = {}


@worker_ready.connect
def _worker_beat_start(**_) -> None:
    """While the worker lives, its row says which workflows it knows (``services.processes``)."""
    from .remote import worker_beat

    workflows_load()
    stop = threading.Event()
    thread = threading.Thread(target=worker_beat, args=(stop,), name="yooini-beat", daemon=True)
    _beating.update(stop=stop, thread=thread)
    thread.start()


@worker_shutdown.connect
def _worker_beat_stop(**_) -> None:
    stop = _beating.get("stop")
    if isinstance(stop, threading.Event):
        stop.set()
