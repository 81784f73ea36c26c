"""SIGKILL ``order_processing`` while it buys, run it again, and count at the supplier: every line
bought at most once (the supplier's server counts orders per note), and none lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from orchestrator.tests.chaos import ROOT, database_url
from orders.models import LineStatus, OrderLine, Purchase, PurchaseStatus
from orders.purchase import request_key

from .conftest import REFERENCE

pytestmark = [pytest.mark.chaos, pytest.mark.django_db(transaction=True)]

LINES = 12
TIMEOUT = 120


def run_command(tmp_path, settings) -> tuple[list[str], dict[str, str]]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "yooini.settings",
        "YOOINI_VAR_DIR": str(tmp_path),
        "YOOINI_CREDENTIALS_KEY": settings.YOOINI_CREDENTIALS_KEY,
        "YOOINI_EXECUTOR": "inline",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        *(sys.executable, "-m", "yooini.cli", "run", "order_processing"),
        *("--param", "account=live-coupang", "--quiet"),
    ]
    return command, env


@pytest.mark.parametrize("after_purchases", [1, 5])
def test_kill_during_purchase_then_rerun_buys_each_line_once(
    account, listing, market, ownerclan, settings, tmp_path, after_purchases
):
    for _ in range(LINES):
        market.place(REFERENCE)
    ownerclan.order_delay = 0.15  # each purchase answer takes a while: the kill lands in one
    command, env = run_command(tmp_path, settings)
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + TIMEOUT
    try:
        while sum(ownerclan.purchases.values()) < after_purchases:
            assert proc.poll() is None, f"the run ended (exit {proc.returncode}) too soon"
            assert time.monotonic() < deadline, "purchase never got under way"
            time.sleep(0.005)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    ownerclan.order_delay = 0.0

    done = subprocess.run(command, env=env, cwd=ROOT, timeout=TIMEOUT, capture_output=True)
    assert done.returncode == 0, done.stdout.decode()[-3000:] + done.stderr.decode()[-3000:]

    assert ownerclan.duplicates == 0
    lines = list(OrderLine.objects.all())
    assert len(lines) == LINES, "every order placed is held once"
    for line in lines:
        held = Purchase.objects.get(line=line)
        bought = ownerclan.purchases[request_key(line)]
        if held.status == PurchaseStatus.PLACED:
            assert bought == 1 and line.status == LineStatus.PURCHASED
        else:  # the kill fell between the record and the call: a person decides, nothing bought
            assert held.status == PurchaseStatus.ATTENTION and bought == 0 and line.attention
    assert sum(ownerclan.purchases.values()) >= LINES - 1
