"""SIGKILL ``pokervod_sync`` while it makes clips, run it again: it completes, and every hand
row has exactly one clip and one ``hand.clip.created``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from orchestrator.models import Batch, Event
from orchestrator.tests.chaos import ROOT, database_url
from pokervod.models import HandClip
from pokervod.sample import build
from pokervod.sheets.testing import SheetsContractServer

pytestmark = [pytest.mark.chaos, pytest.mark.django_db(transaction=True)]

TIMEOUT = 120
HANDS = 400


def test_kill_during_the_full_sync_then_rerun(tmp_path):
    sample = build(tmp_path, files=100, hands=HANDS)
    with SheetsContractServer() as server:
        key = server.service_account()
        key_file = tmp_path / "key.json"
        key_file.write_text(json.dumps(key))
        server.spreadsheet("S", {"Hands": sample.sheet_rows}, share_with=[key["client_email"]])
        params = {
            "roots": str(sample.nas_root),
            "catalog_file": str(sample.catalog_file),
            "spreadsheet_id": "S",
            "range": "Hands!A1:G",
            "service_account_file": str(key_file),
            "sheets_base_url": server.base_url,
        }
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "yooini.settings",
            "YOOINI_VAR_DIR": str(tmp_path),
            "PYTHONPATH": str(ROOT),
        }
        command = [sys.executable, "-m", "yooini.cli", "run", "pokervod_sync", "--mode", "full"]
        command += [a for k, v in params.items() for a in ("--param", f"{k}={v}")]
        command += ["--executor", "inline", "--quiet"]
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + TIMEOUT
        try:
            while HandClip.objects.count() < 20:
                assert proc.poll() is None, f"the run ended (exit {proc.returncode}) too soon"
                assert time.monotonic() < deadline, "the clips stage never got under way"
                time.sleep(0.005)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        killed_at = HandClip.objects.count()
        assert killed_at < HANDS

        done = subprocess.run(command, env=env, cwd=ROOT, timeout=TIMEOUT, capture_output=True)
        assert done.returncode == 0, done.stdout.decode()[-3000:] + done.stderr.decode()[-3000:]

    assert Batch.objects.filter(workflow="pokervod_sync").get().status == "COMPLETED"
    assert HandClip.objects.count() == HANDS
    assert Event.objects.filter(type="hand.clip.created").count() == HANDS
