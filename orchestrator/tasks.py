"""The Celery task of the distributed mode: it carries ids only (see ``orchestrator.remote``).

A shared task, so every Celery app of the project (``yooini.celery.app``, a test's) has it.
"""

from celery import shared_task

from .executors import STAGE_RUN_TASK
from .loading import workflows_load
from .remote import stage_run_work


@shared_task(name=STAGE_RUN_TASK, acks_late=True, ignore_result=True)
def stage_run(stage_run_id: int, attempt: int, queued_by: str) -> str:
    workflows_load()
    return stage_run_work(stage_run_id, attempt, queued_by)
