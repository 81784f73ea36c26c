"""What the CLI tells a newcomer: its own commands in ``--help``, one line for a database
that is not migrated, the valid choices for a value it does not know, the example's retry
that succeeds, times in one zone and format, and commands printed whole for copying."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template import Context, Template

from orchestrator.loading import workflows_load
from orchestrator.models import Batch
from orchestrator.services.batches import batch_start
from yooini.cli import main, own_commands
from yooini.timefmt import when

pytestmark = pytest.mark.usefixtures("transactional_db")

YOOINI = [sys.executable, "-m", "yooini.cli"]


def cli(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def test_help_lists_yooinis_own_commands_a_line_each_and_all_on_demand(capsys):
    for argv in (["--help"], ["help"], []):
        main(argv)
        text = capsys.readouterr().out
        assert "  run " in text and "  sample " in text and "  migrate " in text
        assert (
            "dumpdata" not in text and "axes_reset" not in text and "squashmigrations" not in text
        )
        assert "yooini help --all" in text
    commands = own_commands()
    assert {"run", "status", "retry", "serve", "worker", "sample", "listings", "orders"} <= set(
        commands
    )
    assert all(line and "\n" not in line for line in commands.values())
    main(["help", "--all"])
    assert "dumpdata" in capsys.readouterr().out  # Django's are still reachable


def test_every_command_on_an_unmigrated_database_says_run_migrate(tmp_path):
    env = {**os.environ, "YOOINI_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    for command in (
        ["status"],
        ["run", "example", "--quiet"],
        ["events"],
        ["listings"],
        ["orders"],
        ["schedules"],
        ["serve", "--port", "0"],
        ["scheduler", "--once"],
    ):
        done = subprocess.run(
            [*YOOINI, *command], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr, (command, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "run `yooini migrate`" in lines[0], (
            command,
            done.stderr,
        )


def test_unknown_values_are_errors_that_list_the_valid_ones():
    workflows_load()
    batch = batch_start("example", params={"delay": "0"}).batch
    with pytest.raises(CommandError, match=r"--param colour: .*its parameters: delay, fail"):
        call_command("run", "example", "--param", "colour=red")
    with pytest.raises(CommandError, match=r"reads no such parameter"):
        call_command(
            "schedules", "add", "x", "--workflow", "example", "--every", "60", "--param", "a=b"
        )
    with pytest.raises(CommandError, match=rf"no batch '19990101_01'; the newest: {batch.id}"):
        call_command("events", "--batch", "19990101_01")
    with pytest.raises(CommandError, match=rf"no batch '19990101_01'; the newest: {batch.id}"):
        call_command("status", "19990101_01")
    with pytest.raises(CommandError, match=r"--workflow 'exampel' is unknown; one of: .*example"):
        call_command("status", "--workflow", "exampel")
    with pytest.raises(CommandError, match=r"--status 'live' is unknown; one of: .*published"):
        call_command("listings", "--status", "live")
    with pytest.raises(CommandError, match=r"--market 'amazon' is unknown; one of: buyma"):
        call_command("listings", "--market", "amazon")
    with pytest.raises(CommandError, match=r"--status 'sent' is unknown; one of: .*shipped"):
        call_command("orders", "--status", "sent")
    with pytest.raises(CommandError, match=r"--account 'nobody' is unknown; one of: none yet"):
        call_command("orders", "--account", "nobody")


def test_the_examples_failed_cell_succeeds_on_retry_as_the_readme_shows():
    code, _ = cli(
        "run", "example", "--param", "delay=0", "--param", "fail=okmall/NIKE:price", "--quiet"
    )
    assert code == 1
    doc = json.loads(cli("status", "--json")[1])
    assert doc["counts"] == {"DONE": 58, "ERROR": 1, "BLOCKED": 1}
    code, _ = cli("retry", doc["batch_id"], "--quiet")  # nothing changed but the retry
    assert code == 0
    doc = json.loads(cli("status", doc["batch_id"], "--json")[1])
    assert doc["status"] == "COMPLETED" and doc["counts"] == {"DONE": 60}
    cell = next(c for c in doc["cells"] if (c["partition"], c["stage"]) == ("okmall/NIKE", "price"))
    assert cell["attempt"] == 3

    # fail_times=1: the stage's own automatic retry recovers; 99: every retry fails too
    assert cli("run", "example", "--new", "--quiet", "--param", "delay=0",
               "--param", "fail=okmall/NIKE:price", "--param", "fail_times=1")[0] == 0  # fmt: skip
    assert cli("run", "example", "--new", "--quiet", "--param", "delay=0",
               "--param", "fail=okmall/NIKE:price", "--param", "fail_times=99")[0] == 1  # fmt: skip
    stubborn = Batch.objects.order_by("-created_at", "-id").first()
    assert cli("retry", stubborn.id, "--quiet")[0] == 1


def test_one_time_zone_and_format_in_the_cli_and_the_dashboard(settings):
    settings.TIME_ZONE = "Asia/Seoul"
    moment = datetime(2026, 1, 27, 18, 0, 5, tzinfo=UTC)
    assert when(moment) == "2026-01-28 03:00:05" and when(None) == "-"
    rendered = Template("{{ moment|when }} {{ nothing|when }}").render(
        Context({"moment": moment, "nothing": None})
    )
    assert rendered == "2026-01-28 03:00:05 —"


def test_a_command_printed_for_copying_is_never_wrapped(make_workflow, capsys):
    flow = make_workflow("a_workflow_with_a_rather_long_name_for_this_test", partitions=["p"])

    @flow.stage
    def only(ctx, partition):
        return 1

    batch = batch_start(flow.name).batch
    capsys.readouterr()
    call_command("status", batch.id)
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "knows workflow" in x)
    assert len(line) > 80 and line.endswith("in YOOINI_WORKFLOW_MODULES")
