"""The distributed mode through a real Celery worker on Redis and on RabbitMQ: the engine's
semantics suite again, then what only a broker can do (redelivery, a queued run of a batch
being cancelled). The worker runs in this process (its threads share the test database);
``test_workers`` runs them as separate processes."""

from __future__ import annotations

import inspect
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from orchestrator import NO_RETRY
from orchestrator.executors import CeleryExecutor
from orchestrator.models import Batch, CellStatus, Event, StageRun
from orchestrator.owners import owner_new
from orchestrator.remote import RECORDED, SKIPPED, stage_run_work
from orchestrator.runner import Runner
from orchestrator.services.batches import batch_cancel, batch_close_if_finished, batch_start
from orchestrator.services.claims import claim_adopt, claims_take

from . import test_engine, test_events, test_resources
from .brokers import BROKERS, celery_app, queue_delete, queue_new

pytestmark = pytest.mark.usefixtures("transactional_db", "manual_clock")

# The engine's semantics suite: each of its tests that runs batches, here through Celery.
for _module in (test_engine, test_resources, test_events):
    for _name, _test in vars(_module).items():
        if _name.startswith("test_") and "run_batch" in inspect.signature(_test).parameters:
            globals()[_name] = _test


class Deliveries:
    """What the worker made of each task it was given: (args, what stage_run_work returned)."""

    def __init__(self) -> None:
        self.seen: list[tuple[tuple, str]] = []
        self._changed = threading.Condition()

    def __call__(self, sender=None, args=None, retval=None, **_) -> None:
        with self._changed:
            self.seen.append((tuple(args or ()), retval))
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 20) -> list[tuple[tuple, str]]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.seen) >= count, timeout), self.seen
            return list(self.seen)


def _close_thread_connections(**_) -> None:
    """The worker's threads outlive no test database: close their connections after each task
    (worker processes keep theirs, see CELERY_DB_REUSE_MAX)."""
    connections.close_all()


@pytest.fixture(scope="module", params=list(BROKERS))
def worker(request, django_db_blocker):
    """One in-process Celery worker (four threads) on a private queue of each broker."""
    app = celery_app(request.param)
    queue = queue_new()
    deliveries = Deliveries()
    task_postrun.connect(deliveries, weak=False)
    task_postrun.connect(_close_thread_connections)
    with (
        django_db_blocker.unblock(),
        start_worker(
            app,
            pool="threads",
            concurrency=2,
            perform_ping_check=False,
            queues=[queue],
            shutdown_timeout=30,
        ),
    ):
        yield app, queue, deliveries
    task_postrun.disconnect(deliveries)
    task_postrun.disconnect(_close_thread_connections)
    queue_delete(app, queue)


@pytest.fixture
def run_batch(transactional_db, worker):
    """The suite's ``run_batch``, with the Celery executor whatever executor a test names."""
    app, queue, _ = worker

    def run(workflow, *, executor="celery", concurrency=4, runner_kwargs=None, **start):
        batch = batch_start(workflow.name, **start).batch
        engine = CeleryExecutor(concurrency, app=app, queue=queue)
        try:
            return Runner(engine, **(runner_kwargs or {})).run(batch.id)
        finally:
            engine.close()

    return run


def one_stage(make_workflow, calls, partitions=("a", "b")):
    wf = make_workflow("remote", partitions=list(partitions))

    @wf.stage(retry=NO_RETRY)
    def fetch(ctx, partition):
        calls.append((partition, ctx.attempt, threading.current_thread().name))
        return 1

    return wf


def test_stage_runs_execute_on_the_worker_not_the_runner(make_workflow, run_batch, worker):
    calls = []
    batch = run_batch(one_stage(make_workflow, calls))
    assert batch.status == "COMPLETED"
    assert sorted(p for p, _, _ in calls) == ["a", "b"]
    assert all(thread != threading.current_thread().name for _, _, thread in calls)
    _, _, deliveries = worker
    assert [result for _, result in deliveries.seen[-2:]] == [RECORDED, RECORDED]


def test_a_redelivered_task_of_a_done_stage_run_does_nothing(make_workflow, run_batch, worker):
    app, queue, deliveries = worker
    calls = []
    batch = run_batch(one_stage(make_workflow, calls, partitions=("a",)))
    before = len(deliveries.seen)
    (args, result) = deliveries.seen[-1]
    assert result == RECORDED and args[0] == StageRun.objects.get(batch=batch).id
    cell = StageRun.objects.get(batch=batch)
    events = Event.objects.filter(correlation_id=batch.id).count()

    app.send_task("yooini.stage_run", args, queue=queue)  # the broker hands it out again

    assert deliveries.wait_for(before + 1)[-1] == (args, SKIPPED)
    assert len(calls) == 1
    again = StageRun.objects.get(batch=batch)
    assert (again.status, again.attempt, again.finished_at) == (
        CellStatus.DONE,
        cell.attempt,
        cell.finished_at,
    )
    assert Event.objects.filter(correlation_id=batch.id).count() == events


def test_a_task_for_a_run_held_by_a_live_worker_does_nothing(make_workflow, manual_clock):
    calls = []
    wf = one_stage(make_workflow, calls, partitions=("a",))
    batch = batch_start(wf.name).batch
    now = manual_clock.now()
    (claim,) = claims_take(
        batch_ids=[batch.id], owner="dispatcher", limit=1, now=now, lease_seconds=30
    ).claims
    first = claim_adopt(
        claim.stage_run_id, claim.attempt, "dispatcher", owner="w1", now=now, lease_seconds=30
    )
    assert first is not None and first.owner == "w1"
    # the same message, delivered again to another worker while w1 runs it
    assert stage_run_work(claim.stage_run_id, claim.attempt, "dispatcher") == SKIPPED
    assert calls == []
    assert StageRun.objects.get(id=claim.stage_run_id).lease_owner == "w1"


def test_a_queued_run_of_a_batch_being_cancelled_is_handed_back(make_workflow, manual_clock):
    calls = []
    wf = one_stage(make_workflow, calls, partitions=("a",))
    batch = batch_start(wf.name).batch
    owner = owner_new()
    (claim,) = claims_take(
        batch_ids=[batch.id], owner=owner, limit=1, now=manual_clock.now(), lease_seconds=30
    ).claims
    batch_cancel(batch.id)
    assert stage_run_work(claim.stage_run_id, claim.attempt, owner) == SKIPPED
    assert calls == []
    batch_close_if_finished(batch.id)
    assert Batch.objects.get(id=batch.id).status == "CANCELLED"


def test_a_lost_message_is_sent_again(make_workflow, worker, manual_clock):
    """A queued run nobody adopted in time (the broker lost its message) is queued again."""
    app, queue, deliveries = worker
    calls = []
    wf = one_stage(make_workflow, calls, partitions=("a",))
    batch = batch_start(wf.name).batch
    engine = CeleryExecutor(4, app=app, queue=queue, resend_seconds=0.3)
    owner = owner_new()
    (claim,) = claims_take(
        batch_ids=[batch.id], owner=owner, limit=1, now=manual_clock.now(), lease_seconds=30
    ).claims
    before = len(deliveries.seen)
    # claimed and counted as queued, but its message never reached the broker
    engine._queued[(claim.stage_run_id, claim.attempt)] = (claim, time.monotonic())
    settled = []
    deadline = time.monotonic() + 20
    while not settled and time.monotonic() < deadline:
        settled = engine.poll(0.5)
    assert [o.ok for o in settled] == [True]
    assert deliveries.wait_for(before + 1)[before:] == [
        ((claim.stage_run_id, claim.attempt, owner), RECORDED)
    ]
    assert [p for p, _, _ in calls] == ["a"]
    assert StageRun.objects.get(id=claim.stage_run_id).status == CellStatus.DONE
