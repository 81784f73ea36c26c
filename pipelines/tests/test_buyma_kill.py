"""SIGKILL ``yooini sample`` in the middle of IMAGE and of REGISTER, run it again, and check
that nothing was done twice: no reference number created twice on BUYMA (a local contract
server counts creates per reference number), no image file stored twice.

The sample here lists for real (not in dry run) on the contract server, through an account
the test creates before the command's first run (the command keeps an existing account).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from markets.buyma.testing import BuymaContractServer
from markets.models import Listing, ListingRequest
from markets.services import market_account_create
from media.models import Image
from orchestrator.models import Batch, StageRun
from orchestrator.tests.chaos import ROOT, database_url
from pipelines.sample_run import ACCOUNT, SAMPLE_ACCOUNT_SETTINGS

pytestmark = [pytest.mark.chaos, pytest.mark.django_db(transaction=True)]

PRODUCTS = 300
TIMEOUT = 120  # seconds for any one run of the command, and for any one wait


@pytest.fixture
def contract_server():
    with BuymaContractServer() as server:
        yield server


def command_env(var_dir: Path, key: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "yooini.settings",
        "YOOINI_VAR_DIR": str(var_dir),
        "YOOINI_CREDENTIALS_KEY": key,
        "PYTHONPATH": str(ROOT),
    }


def sample_command() -> list[str]:
    return [sys.executable, "-m", "yooini.cli", "sample", "--products", str(PRODUCTS), "--quiet"]


def kill_when(env: dict[str, str], ready, what: str) -> None:
    """Start the command and SIGKILL it as soon as ``ready()`` is true."""
    proc = subprocess.Popen(sample_command(), env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + TIMEOUT
    try:
        while not ready():
            assert proc.poll() is None, f"the command ended (exit {proc.returncode}) before {what}"
            assert time.monotonic() < deadline, f"{what} never came"
            time.sleep(0.005)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)


def running(stage: str):
    return lambda: StageRun.objects.filter(stage=stage, status="RUNNING").exists()


def files_in(root: Path) -> list[Path]:
    return [p for p in (root / "images").rglob("*") if p.is_file()] if root.exists() else []


def test_kill_in_image_and_in_register_then_rerun_does_nothing_twice(
    contract_server, tmp_path, settings
):
    key = Fernet.generate_key().decode()
    settings.YOOINI_CREDENTIALS_KEY = key
    market_account_create(
        name=ACCOUNT,
        market="buyma",
        settings={**SAMPLE_ACCOUNT_SETTINGS, "base_url": contract_server.base_url},
        credentials=contract_server.issue_tokens(),
        dry_run=False,
    )
    env = command_env(tmp_path, key)
    media = tmp_path / "media"

    kill_when(env, lambda: running("image")() and len(files_in(media)) >= 20, "IMAGE mid-way")
    kill_when(env, lambda: sum(contract_server.creates.values()) >= 10, "REGISTER mid-way")
    done = subprocess.run(sample_command(), env=env, cwd=ROOT, timeout=TIMEOUT, capture_output=True)

    assert done.returncode == 0, done.stdout.decode()[-3000:] + done.stderr.decode()[-3000:]
    assert Batch.objects.get().status == "COMPLETED"  # one batch, resumed twice
    # BUYMA: every reference number created exactly once, and each listing knows it.
    assert contract_server.duplicates == 0
    assert set(contract_server.creates.values()) == {1}
    created = set(contract_server.creates)
    listed = set(
        Listing.objects.exclude(status="failed").values_list("reference_number", flat=True)
    )
    assert created == listed and len(created) > PRODUCTS // 2
    sent = Counter(
        ListingRequest.objects.filter(kind="create", status_code=201).values_list(
            "listing__reference_number", flat=True
        )
    )
    assert set(sent.values()) == {1}
    # Images: one file per stored image, none twice (a killed writer may leave a temporary
    # file, never a second image).
    images = [p for p in files_in(media) if p.suffix == ".jpg"]
    assert len(images) == Image.objects.count() > 0
    assert {p.stem for p in images} == set(Image.objects.values_list("content_hash", flat=True))
