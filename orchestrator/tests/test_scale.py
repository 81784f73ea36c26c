"""Scale: many concurrent writers without "database is locked", a 10,000-partition batch in
bounded memory, and no database connection left behind by the thread executor. All run on
whatever database DATABASE_URL selects.

The figures (time, throughput, peak RSS) are printed: run with ``-s`` to see them.
"""

from __future__ import annotations

import gc
import logging
import os
import resource
import signal
import subprocess
import time

import pytest
from django.db import connection
from django.utils import timezone

from orchestrator import NO_RETRY
from orchestrator.models import Batch, CellStatus, Event, StageRun
from orchestrator.tests.chaos import ROOT, cli_env, run_command


@pytest.mark.slow
def test_threads_at_concurrency_8_never_hit_a_locked_database(make_workflow, run_batch, caplog):
    """2,000 stage runs (500 partitions x 4 stages) on 8 threads, each stage writing its own
    checkpoint while the runner claims and records: every cell DONE at its first attempt,
    and "locked" nowhere (cells, events, logs). No retries, so a lock error cannot hide."""
    caplog.set_level(logging.INFO)
    partitions = [f"p{i:04d}" for i in range(500)]
    stages = ("collect", "convert", "price", "register")
    wf = make_workflow("scale", partitions=partitions)

    def body(ctx, partition):
        ctx.save_checkpoint({"partition": partition, "stage": ctx.stage})
        return 1

    previous = None
    for name in stages:
        wf.stage(body, name=name, after=previous, retry=NO_RETRY)
        previous = name

    started = time.perf_counter()
    batch = run_batch(wf, executor="threads", concurrency=8)
    elapsed = time.perf_counter() - started
    runs = len(partitions) * len(stages)
    print(f"\n{runs} stage runs on 8 threads: {elapsed:.1f}s, {runs / elapsed:.0f} runs/s")

    assert batch.status == "COMPLETED"
    cells = list(
        StageRun.objects.filter(batch=batch).values(
            "partition", "stage", "status", "attempt", "checkpoint", "error", "traceback"
        )
    )
    assert len(cells) == runs
    assert {c["status"] for c in cells} == {CellStatus.DONE}
    assert {c["attempt"] for c in cells} == {1}
    assert all(c["checkpoint"] == {"partition": c["partition"], "stage": c["stage"]} for c in cells)

    locked_cells = [c for c in cells if "locked" in (c["error"] + c["traceback"]).lower()]
    assert locked_cells == []
    locked_events = [
        e for e in Event.objects.values_list("type", "payload") if "locked" in str(e).lower()
    ]
    assert locked_events == []
    assert [r.getMessage() for r in caplog.records if "locked" in r.getMessage().lower()] == []
    assert Event.objects.filter(correlation_id=batch.id, type="stage.completed").count() == runs


@pytest.mark.slow
def test_ten_thousand_partitions_in_bounded_memory(transactional_db, tmp_path):
    """10,000 partitions x 3 stages through the CLI (threads): the batch COMPLETES and the
    process's peak resident memory stays under 300 MB.

    The peak is the child's own high-water mark (``VmHWM``), read while it runs: the
    ``ru_maxrss`` that ``wait4`` reports also counts the pytest process it was forked from
    (Linux keeps the larger of the pre-exec and post-exec marks), which says nothing about
    the CLI.
    """
    partitions, limit_mb, timeout = 10_000, 300, 600
    command = run_command(
        "chaos", {"partitions": partitions, "sleep": 0}, executor="threads", concurrency=32
    )
    out_path = tmp_path / "cli.out"
    started = time.perf_counter()
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=cli_env(), stdout=out, stderr=subprocess.STDOUT
        )
    peak_kb = 0
    while True:
        peak_kb = max(peak_kb, _high_water_kb(proc.pid))
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - started > timeout:
            os.kill(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
            pytest.fail(f"10k x 3 did not finish within {timeout}s")
        time.sleep(0.2)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    elapsed = time.perf_counter() - started
    peak_mb = peak_kb / 1024
    output = out_path.read_text(errors="replace")
    print(
        f"\n{partitions} partitions x 3 stages: {elapsed:.1f}s "
        f"({3 * partitions / elapsed:.0f} runs/s), peak RSS {peak_mb:.1f} MB "
        f"(all children so far: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.1f} MB)"
    )

    assert proc.returncode == 0, output[-4000:]
    batch = Batch.objects.get(workflow="chaos")
    assert batch.status == "COMPLETED"
    assert batch.cells_total == 3 * partitions
    assert batch.totals[CellStatus.DONE] == 3 * partitions
    assert "locked" not in output.lower()
    assert peak_mb < limit_mb


def database_connections(since=None) -> int:
    """Connections to the test database besides this thread's own: the server's list on
    PostgreSQL and MariaDB; on SQLite, this process's open descriptors of the database file."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Client sessions opened since ``since``: autovacuum workers and the sessions of
            # subprocesses killed by other tests are not ours to count.
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'"
                " AND (%s::timestamptz IS NULL OR backend_start >= %s::timestamptz)",
                [since, since],
            )
            return cursor.fetchone()[0]
        if connection.vendor == "mysql":
            cursor.execute(
                "SELECT count(*) FROM information_schema.processlist"
                " WHERE db = DATABASE() AND id <> CONNECTION_ID()"
            )
            return cursor.fetchone()[0]
    path = os.path.realpath(connection.settings_dict["NAME"])
    fds = [os.path.join("/proc/self/fd", fd) for fd in os.listdir("/proc/self/fd")]
    return sum(1 for fd in fds if _readlink(fd) == path) - 1


def _readlink(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def test_thread_executor_leaves_no_database_connection_open(make_workflow, run_batch):
    """Each worker thread whose stage touched the database (here ``save_checkpoint``) has
    its own connection; closing the executor must close them all, not leave them to a garbage
    collection (a long-lived process would pile sessions up; PostgreSQL could not drop the
    database).

    The collector is paused so the result does not depend on when it runs."""
    wf = make_workflow("conns", partitions=[f"p{i}" for i in range(40)])

    def body(ctx, partition):
        ctx.save_checkpoint({"partition": partition})
        return 1

    wf.stage(body, name="only", retry=NO_RETRY)
    since = timezone.now()
    before = database_connections(since)
    gc.disable()
    try:
        assert run_batch(wf, executor="threads", concurrency=4).status == "COMPLETED"
        # A closed session leaves the server's list a moment after the client hangs up.
        deadline = time.monotonic() + 3
        left_open = database_connections(since) - before
        while left_open > 0 and time.monotonic() < deadline:
            time.sleep(0.05)
            left_open = database_connections(since) - before
    finally:
        gc.enable()
        gc.collect()
    assert left_open == 0, f"{left_open} connections of finished worker threads still open"


def _high_water_kb(pid: int) -> int:
    """The process's peak resident memory so far (``VmHWM``, kB), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
