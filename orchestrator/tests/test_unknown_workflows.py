"""A process leaves alone the cells of workflows it does not know: it neither claims nor fails
them, says so once, and the cell's batch tells who could run it."""

from __future__ import annotations

import io
import json
import logging
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from orchestrator import registry
from orchestrator.executors import executor_create
from orchestrator.models import CellStatus, EngineProcess, StageRun
from orchestrator.runner import Runner
from orchestrator.services.batches import batch_start
from orchestrator.services.claims import claims_take
from orchestrator.services.processes import process_beat, processes_knowing

pytestmark = pytest.mark.usefixtures("transactional_db")


def _failed_once(make_workflow):
    """A batch of a workflow whose only cell failed once and waits for its retry, its real
    error kept; then the workflow is forgotten, as by a process that never loaded it."""
    flow = make_workflow("elsewhere", partitions=["p1"])

    @flow.stage
    def only(ctx, partition):
        return 1

    batch = batch_start(flow.name).batch
    StageRun.objects.filter(batch=batch).update(
        attempt=1,
        failures=1,
        error="RuntimeError: the supplier said 503",
        error_type="RuntimeError",
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )
    registry.remove(flow.name)
    return flow, batch


def test_claims_skip_cells_of_unknown_workflows(make_workflow):
    flow, batch = _failed_once(make_workflow)
    round_ = claims_take(
        batch_ids=None, owner="h:1:t", limit=8, now=timezone.now(), lease_seconds=30
    )
    assert round_.claims == []
    cell = StageRun.objects.get(batch=batch)
    assert cell.status == CellStatus.PENDING and cell.attempt == 1
    assert cell.error == "RuntimeError: the supplier said 503"

    registry.add(flow)  # a process that knows it takes it
    round_ = claims_take(
        batch_ids=None, owner="h:1:t", limit=8, now=timezone.now(), lease_seconds=30
    )
    assert [c.workflow for c in round_.claims] == [flow.name]


def test_serving_process_leaves_the_cell_warns_once_and_says_who_could_run_it(
    make_workflow, caplog, capsys
):
    flow, batch = _failed_once(make_workflow)
    engine = executor_create("inline", concurrency=2)
    stop = threading.Event()
    runner = Runner(engine, kind="serve", sweep_every=0.01, idle_wait=0.01, max_sleep=0.01)
    beats = []

    def stop_after_a_few_sweeps(*_):
        beats.append(1)
        if len(beats) > 20:
            stop.set()

    runner.progress, runner.progress_every = stop_after_a_few_sweeps, 0
    caplog.set_level(logging.WARNING, logger="yooini.engine")
    try:
        runner.serve(stop)
    finally:
        engine.close()

    cell = StageRun.objects.get(batch=batch)
    assert cell.status == CellStatus.PENDING and cell.attempt == 1
    assert cell.error == "RuntimeError: the supplier said 503"
    warnings = [r.getMessage() for r in caplog.records if flow.name in r.getMessage()]
    assert len(warnings) == 1 and "does not know workflow" in warnings[0]
    assert not EngineProcess.objects.filter(owner=runner.owner).exists()  # removed on exit

    capsys.readouterr()
    call_command("status", batch.id)
    assert f"no running process knows workflow {flow.name!r}" in capsys.readouterr().out

    registry.add(flow)  # another process, which loaded the workflow, beats
    process_beat("otherhost:42:abc", "worker", now=timezone.now())
    registry.remove(flow.name)
    call_command("status", batch.id)
    assert "runnable by worker otherhost:42:abc" in capsys.readouterr().out
    out = io.StringIO()
    call_command("status", batch.id, "--json", stdout=out)
    assert json.loads(out.getvalue())["runnable_by"] == [
        {"process": "otherhost:42:abc", "kind": "worker"}
    ]


def test_the_cell_on_the_dashboard_says_who_could_run_it(make_workflow, client_as):
    flow, batch = _failed_once(make_workflow)
    cell = StageRun.objects.get(batch=batch)
    viewer = client_as("viewer")
    page = viewer.get(f"/batches/{batch.id}/cells/{cell.id}/").content.decode()
    assert 'id="runnable-by"' in page and "no running process knows workflow" in page
    registry.add(flow)  # another process, which loaded the workflow, beats
    process_beat("otherhost:7:x", "serve", now=timezone.now())
    registry.remove(flow.name)
    page = viewer.get(f"/batches/{batch.id}/cells/{cell.id}/").content.decode()
    assert "runnable by serve otherhost:7:x" in page


def test_a_silent_process_no_longer_counts(make_workflow, settings):
    flow = make_workflow("known", partitions=["p1"])
    now = timezone.now()
    process_beat("h:1:a", "serve", now=now - timedelta(seconds=10 * settings.YOOINI_LEASE_SECONDS))
    process_beat("h:2:b", "serve", now=now)
    assert [p.owner for p in processes_knowing(flow.name, now=now)] == ["h:2:b"]
    assert processes_knowing("not-loaded-anywhere", now=now) == []


def test_resume_and_retry_of_a_batch_this_process_cannot_run_say_so(make_workflow):
    flow, batch = _failed_once(make_workflow)
    for command in ("resume", "retry"):
        with pytest.raises(CommandError, match=rf"workflow '{flow.name}', which this process"):
            call_command(command, batch.id, "--quiet")
    with pytest.raises(CommandError, match="no batch '19990101_01'"):
        call_command("retry", "19990101_01")
    assert StageRun.objects.get(batch=batch).error == "RuntimeError: the supplier said 503"
