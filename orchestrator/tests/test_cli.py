"""The CLI as a user runs it: exit codes, JSON documents, retry, cancel, prune."""

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orchestrator.models import Batch, Event
from orchestrator.services.batches import batch_start

pytestmark = pytest.mark.usefixtures("transactional_db")


def cli(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def test_run_exits_1_on_partial_failure_and_retry_runs_only_failed_cells(capsys):
    code, _ = cli(
        "run", "example", "--param", "delay=0", "--param", "fail=okmall/NIKE:price", "--quiet"
    )
    assert code == 1
    code, text = cli("status", "--json")
    doc = json.loads(text)
    assert (
        doc["status"] == "COMPLETED_WITH_ERRORS"
        and doc["workflow"] == "example"
        and doc["mode"] == "full"
    )
    assert doc["counts"] == {"DONE": 58, "ERROR": 1, "BLOCKED": 1}
    failed = [c for c in doc["cells"] if c["status"] == "ERROR"]
    assert failed == [
        {
            "partition": "okmall/NIKE",
            "stage": "price",
            "status": "ERROR",
            "attempt": 2,
            "item_count": 0,
            "error": failed[0]["error"],
        }
    ]
    assert "asked by --param fail" in failed[0]["error"]

    batch = Batch.objects.get(id=doc["batch_id"])
    batch.params = {"delay": "0"}  # the cause is fixed
    batch.save()
    code, _ = cli("retry", batch.id, "--quiet")
    assert code == 0
    doc = json.loads(cli("status", batch.id, "--json")[1])
    assert doc["status"] == "COMPLETED" and doc["counts"] == {"DONE": 60}
    attempts = {(c["partition"], c["stage"]): c["attempt"] for c in doc["cells"]}
    assert attempts[("okmall/NIKE", "price")] == 3 and attempts[("okmall/NIKE", "register")] == 1
    assert attempts[("wconcept/NIKE", "price")] == 1  # DONE cells were not run again


def test_partial_mode_and_events_json():
    assert cli("run", "example", "--mode", "partial", "--param", "delay=0", "--quiet")[0] == 0
    doc = json.loads(cli("status", "--json")[1])
    assert doc["counts"] == {"DONE": 36, "SKIPPED": 24}
    events = json.loads(cli("events", "--batch", doc["batch_id"], "--type", "batch.*", "--json")[1])
    assert [e["type"] for e in events] == ["batch.started", "batch.completed"]
    assert all(e["correlation_id"] == doc["batch_id"] for e in events)


def test_cancel_and_resume():
    batch = batch_start("example", params={"delay": "0"}).batch
    cli("cancel", batch.id)
    assert Batch.objects.get(id=batch.id).status == "CANCELLED"
    assert cli("resume", batch.id, "--quiet")[0] == 0
    assert Batch.objects.get(id=batch.id).status == "COMPLETED"
    with pytest.raises(CommandError, match="use retry"):
        call_command("resume", batch.id)


def test_clear_errors_for_bad_input():
    with pytest.raises(CommandError, match="no workflow named 'nope'"):
        call_command("run", "nope")
    with pytest.raises(CommandError, match="no mode 'weekly'"):
        call_command("run", "example", "--mode", "weekly")
    with pytest.raises(CommandError, match="key=value"):
        call_command("run", "example", "--param", "oops")
    with pytest.raises(CommandError, match="no batch"):
        call_command("status", "19990101_01")
    with pytest.raises(CommandError, match="30d"):
        call_command("prune", "--older-than", "soon")


def test_prune_keeps_running_batches_and_recent_history(manual_clock):
    assert cli("run", "example", "--param", "delay=0", "--quiet")[0] == 0
    running = batch_start("example", params={"delay": "0"}).batch
    manual_clock.advance(timedelta(days=31).total_seconds())
    cli("prune", "--older-than", "30d")
    assert list(Batch.objects.values_list("id", flat=True)) == [running.id]
    assert not Event.objects.exclude(correlation_id=running.id).exists()


def test_workflows_lists_stages_and_modes():
    docs = json.loads(cli("workflows", "--json")[1])
    example = next(w for w in docs if w["name"] == "example")
    assert [s["name"] for s in example["stages"]] == [
        "collect",
        "convert",
        "image",
        "price",
        "register",
    ]
    assert example["modes"]["partial"] == ["collect", "price", "register"]


def test_console_script_runs_a_user_workflow_module(tmp_path):
    """``yooini`` as installed, on its own SQLite file, with a workflow kept outside the project."""
    module = tmp_path / "my_flows.py"
    module.write_text(
        "from orchestrator import Workflow\n"
        "hello = Workflow('hello', partitions=['a', 'b'])\n"
        "@hello.stage\n"
        "def greet(ctx, partition):\n"
        "    return 1\n"
    )
    env = {
        **os.environ,
        "YOOINI_VAR_DIR": str(tmp_path / "var"),
        "YOOINI_WORKFLOW_MODULES": "my_flows",
        "PYTHONPATH": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    yooini = [sys.executable, "-m", "yooini.cli"]
    subprocess.run([*yooini, "migrate", "-v0"], env=env, check=True, timeout=120)
    done = subprocess.run(
        [*yooini, "run", "hello", "--quiet"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "COMPLETED" in done.stdout
    assert Path(tmp_path / "var" / "yooini.sqlite3").exists()
    status = subprocess.run(
        [*yooini, "status", "--json"], env=env, capture_output=True, text=True, timeout=60
    )
    assert json.loads(status.stdout)["counts"] == {"DONE": 2}
    bad = subprocess.run(
        [*yooini, "workflows"],
        env={**env, "YOOINI_WORKFLOW_MODULES": "missing_mod"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode != 0 and "cannot import workflow module 'missing_mod'" in bad.stderr
