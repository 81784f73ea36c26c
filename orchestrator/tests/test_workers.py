"""The distributed mode with real worker processes: ``yooini worker`` x 2 (prefork) on Redis and
RabbitMQ, the runner or the scheduler in another process, all on the test database."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.models import Batch, CellStatus, Event, Schedule, StageRun
from orchestrator.services.schedules import schedule_create

from .chaos import ROOT, run_command, trace_read
from .chaos import workflows as _declared  # noqa: F401 - "chaos" known to this process too

pytestmark = pytest.mark.usefixtures("transactional_db")


def test_a_resource_limit_holds_across_two_workers(cluster, tmp_path):
    """``chaos-solo`` allows one stage run at a time; two workers with two processes each
    could run four. The stage bodies' own trace says how many ever ran at once."""
    workers = cluster(2, concurrency=2)
    trace = tmp_path / "trace.log"
    params = {"partitions": 12, "sleep": 0.05, "log": trace, "pids": 1}
    command = run_command("chaos_solo", params, executor="celery", concurrency=8)
    done = subprocess.run(command, cwd=ROOT, env=cluster.env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr

    inside, most = set(), 0
    for partition, stage, attempt, kind, _ in trace_read(trace):
        (inside.add if kind == "start" else inside.discard)((partition, stage, attempt))
        most = max(most, len(inside))
    assert most == 1
    ran_on = {pid for *_, pid in trace_read(trace)}
    assert all(ran_on & worker.pids() for worker in workers), "both workers took stage runs"
    assert StageRun.objects.filter(status=CellStatus.DONE).count() == 36


def test_the_scheduler_dispatches_scheduled_batches_to_the_workers(cluster, tmp_path):
    """The distributed deployment: a scheduler process (``--run --executor celery``) and a
    worker; a due schedule's batch is run by the worker and closed by the scheduler."""
    cluster(1, concurrency=2)
    schedule = schedule_create(
        "every-hour",
        workflow="chaos",
        every_seconds=3600,
        params={"partitions": 4, "sleep": 0.01, "log": str(tmp_path / "trace.log"), "pids": 1},
    )
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    Schedule.objects.filter(id=schedule.id).update(next_run_at=past)
    command = [sys.executable, "-m", "yooini.cli", "scheduler", "--run", "--executor", "celery"]
    scheduler = subprocess.Popen(
        command, cwd=ROOT, env=cluster.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        until = time.monotonic() + 60
        while (
            time.monotonic() < until
            and not Batch.objects.filter(workflow="chaos", status="COMPLETED").exists()
        ):
            time.sleep(0.2)
    finally:
        scheduler.terminate()
        output = scheduler.communicate(timeout=30)[0].decode()
    assert scheduler.returncode == 0, output
    batch = Batch.objects.get(workflow="chaos")
    assert batch.status == "COMPLETED", output
    assert f"batch {batch.id} of chaos ended COMPLETED" in output
    assert Event.objects.filter(correlation_id=batch.id, type="stage.completed").count() == 12
    ran_on = {pid for *_, pid in trace_read(tmp_path / "trace.log")}
    assert scheduler.pid not in ran_on


def test_an_unreachable_broker_is_a_clear_error_before_anything_is_claimed():
    from .chaos import celery_env

    env = celery_env("redis://:secret-password@127.0.0.1:1/0", "unused")
    command = [sys.executable, "-m", "yooini.cli", "run", "example", "--executor", "celery"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "cannot reach the Celery broker (YOOINI_BROKER_URL)" in done.stderr
    assert "secret-password" not in done.stdout + done.stderr
    batch = Batch.objects.get(workflow="example")
    assert f"yooini resume {batch.id}" in done.stderr
    assert not StageRun.objects.filter(batch=batch, status=CellStatus.RUNNING).exists()
