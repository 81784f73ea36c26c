"""SIGKILL ``product_sync`` in the middle of REGISTER on four live markets, run it again, and
check that no market got a listing twice: each local contract server counts creates per
reference number, and every listing we hold is one the market holds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from cryptography.fernet import Fernet

from markets.models import Listing, ListingStatus
from orchestrator.loading import workflows_load
from orchestrator.models import Batch
from orchestrator.tests.chaos import ROOT, database_url
from pipelines.sample.catalog import SampleCatalog
from pipelines.sample.markets import MARKETS, markets_served
from pipelines.sample.server import SampleServer
from pipelines.sample_run import UNITS, live_accounts_configure, sample_configure

pytestmark = [pytest.mark.chaos, pytest.mark.django_db(transaction=True)]

TIMEOUT = 180


def test_kill_in_register_then_rerun_lists_nothing_twice(settings, tmp_path):
    workflows_load()
    key = Fernet.generate_key().decode()
    settings.YOOINI_CREDENTIALS_KEY = key
    settings.YOOINI_VAR_DIR = tmp_path
    catalog = SampleCatalog.generate(products=120, brands=4, seed=9)
    with (
        SampleServer(catalog, media_root=tmp_path / "media") as mall,
        markets_served(MARKETS, tmp_path / "markets") as markets,
    ):
        sample_configure(mall.base_url, list(catalog.brands))
        accounts = live_accounts_configure(markets, mall.base_url)
        servers = {kind: market.server for kind, market in markets.items()}
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "yooini.settings",
            "YOOINI_VAR_DIR": str(tmp_path),
            "YOOINI_MEDIA_ROOT": str(tmp_path / "media"),
            "YOOINI_MEDIA_ALLOWED_HOSTS": f"127.0.0.1:{mall.server_address[1]}",
            "YOOINI_MEDIA_PUBLIC_URL": f"{mall.base_url}/media/",
            "YOOINI_CREDENTIALS_KEY": key,
            "PYTHONPATH": str(ROOT),
        }
        command = [
            *(sys.executable, "-m", "yooini.cli", "run", "product_sync"),
            *("--param", f"units={UNITS}", "--param", f"account={','.join(accounts)}"),
            "--quiet",
        ]
        korean = [servers[k] for k in ("smartstore", "coupang", "gmarket")]
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + TIMEOUT
        try:
            while sum(sum(s.creates.values()) for s in korean) < 40:
                assert proc.poll() is None, f"the run ended (exit {proc.returncode}) too soon"
                assert time.monotonic() < deadline, "REGISTER never got under way"
                time.sleep(0.005)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)

        done = subprocess.run(command, env=env, cwd=ROOT, timeout=TIMEOUT, capture_output=True)

        assert done.returncode == 0, done.stdout.decode()[-3000:] + done.stderr.decode()[-3000:]
        assert Batch.objects.get().status == "COMPLETED"  # one batch, resumed
        for kind, server in servers.items():
            assert server.duplicates == 0, kind
            assert set(server.creates.values()) == {1}, kind
            held = set(
                Listing.objects.filter(account__market=kind)
                .exclude(status__in=[ListingStatus.FAILED, ListingStatus.ATTENTION])
                .values_list("reference_number", flat=True)
            )
            assert held == set(server.creates), kind
