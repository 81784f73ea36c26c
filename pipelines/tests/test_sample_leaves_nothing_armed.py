"""``yooini sample`` leaves nothing that runs by itself against its servers once they are
gone: its suppliers and market accounts are disabled as it ends, so the runs ``serve``
schedules (buyma hourly, inventory_sync, order_processing) call no dead port; the next
``yooini sample`` enables them again, and a rerun still changes nothing."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from markets.models import ListingRequest, MarketAccount
from orchestrator.loading import workflows_load
from orchestrator.models import Batch, Schedule
from orchestrator.services.schedules import schedules_fire_due, schedules_sync
from orchestrator.tests.chaos import ROOT, cli_env
from suppliers.models import Supplier

pytestmark = pytest.mark.django_db(transaction=True)

PRODUCTS = 12
TIMEOUT = 120


def sample(var_dir) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "yooini.cli", "sample", "--quiet"]
    env = {**cli_env(), "YOOINI_VAR_DIR": str(var_dir)}
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )


def armed_against(port: int) -> list[str]:
    """Enabled suppliers and accounts whose settings name the sample's port."""
    address = f"127.0.0.1:{port}"
    rows = [
        *Supplier.objects.filter(enabled=True).values_list("name", "settings"),
        *MarketAccount.objects.filter(enabled=True).values_list("name", "settings"),
    ]
    return [name for name, settings in rows if address in json.dumps(settings)]


def test_after_the_sample_scheduled_runs_call_nothing_and_a_rerun_works(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "sample").mkdir()
    state = {"products": PRODUCTS, "seed": 7, "port": port, "reprices": []}
    (tmp_path / "sample" / "state.json").write_text(json.dumps(state))

    first = sample(tmp_path)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    assert Supplier.objects.filter(name__startswith="sample-").count() == 2
    assert armed_against(port) == []
    assert "disabled until the next `yooini sample`" in first.stdout

    # What serve's schedules start when due: each finds nothing enabled to call.
    workflows_load()
    assert {s.workflow for s in schedules_sync()} >= {"buyma", "inventory_sync"}
    Schedule.objects.update(next_run_at=timezone.now() - timedelta(seconds=1))
    before = Batch.objects.count()
    fired = schedules_fire_due()
    assert fired and {f.action for f in fired} == {"nothing"}, [f.outcome for f in fired]
    assert Batch.objects.count() == before
    Schedule.objects.update(enabled=False)  # the rerun below is the sample's own

    sent = ListingRequest.objects.count()
    again = sample(tmp_path)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr
    newest = Batch.objects.filter(workflow="buyma").order_by("-created_at", "-id").first()
    assert newest.status == "COMPLETED" and newest.cells_total > 0
    assert ListingRequest.objects.count() == sent, "a rerun sends nothing"
    assert armed_against(port) == []
