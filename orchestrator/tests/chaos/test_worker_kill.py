"""SIGKILL one of two Celery workers (its whole process group, as when a machine dies) while it
is inside a stage: the batch completes on the other worker, and no cell is DONE twice."""

from __future__ import annotations

import subprocess
import time
from collections import Counter

import pytest

from orchestrator.models import Batch, CellStatus, Event, StageRun
from orchestrator.tests.chaos import ROOT, run_command, trace_read


def _inside(lines, pids: set[int]) -> list[tuple[str, str, int]]:
    """Cells started by one of ``pids`` and not ended (yet)."""
    open_cells: dict[tuple[str, str, int], int] = {}
    for partition, stage, attempt, kind, pid in lines:
        if kind == "start":
            open_cells[(partition, stage, attempt)] = pid
        else:
            open_cells.pop((partition, stage, attempt), None)
    return [cell for cell, pid in open_cells.items() if pid in pids]


@pytest.mark.chaos
def test_a_worker_killed_mid_stage_its_run_finishes_on_the_other(cluster, tmp_path):
    doomed, survivor = cluster(2, concurrency=1)
    trace = tmp_path / "trace.log"
    params = {"partitions": 12, "sleep": 0.3, "log": trace, "pids": 1}
    runner = subprocess.Popen(
        run_command("chaos", params, executor="celery", concurrency=4),
        cwd=ROOT,
        env=cluster.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    killed: list[tuple[str, str, int]] = []
    until = time.monotonic() + 60
    while not killed and time.monotonic() < until and runner.poll() is None:
        lines = trace_read(trace) if trace.exists() else []
        ended = sum(1 for line in lines if line[3] == "end")
        pids = doomed.pids()
        if ended >= 6 and _inside(lines, pids):
            doomed.kill()
            killed = _inside(trace_read(trace), pids)
        time.sleep(0.02)
    assert killed, "the doomed worker was never caught inside a stage"
    output = runner.communicate(timeout=180)[0]
    assert runner.returncode == 0, output

    batch = Batch.objects.get(workflow="chaos")
    assert batch.status == "COMPLETED"
    cells = StageRun.objects.filter(batch=batch)
    assert cells.count() == 36 and all(c.status == CellStatus.DONE for c in cells)
    completed = Counter(
        (e.payload["partition"], e.payload["stage"])
        for e in Event.objects.filter(correlation_id=batch.id, type="stage.completed")
    )
    assert set(completed.values()) == {1}, "no cell DONE twice"
    lines = trace_read(trace)
    ends = Counter((p, s) for p, s, _, kind, _ in lines if kind == "end")
    assert set(ends.values()) == {1} and len(ends) == 36, "every body ran to its end once"
    survivor_pids = survivor.pids()
    for partition, stage, attempt in killed:
        cell = cells.get(partition=partition, stage=stage)
        assert cell.attempt > attempt
        (finisher,) = [
            pid for p, s, _, kind, pid in lines if (p, s, kind) == (partition, stage, "end")
        ]
        assert finisher in survivor_pids
