"""SIGKILL ``inventory_sync`` in the middle of PUSH on four live markets, run it again, and
check that the markets end where the supplier is: every changed listing holds its new price
or stock 0, nothing was created, and a third run sends nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from cryptography.fernet import Fernet

from markets.models import Listing, ListingRequest, ListingStatus
from orchestrator.executors import executor_create
from orchestrator.loading import workflows_load
from orchestrator.models import Batch
from orchestrator.runner import Runner
from orchestrator.services.batches import batch_start
from orchestrator.tests.chaos import ROOT, database_url
from pipelines.sample.catalog import SampleCatalog, changed_ids
from pipelines.sample.markets import MARKETS, markets_served
from pipelines.sample.server import SampleServer
from pipelines.sample_run import MALL, UNITS, live_accounts_configure, sample_configure

pytestmark = [pytest.mark.chaos, pytest.mark.django_db(transaction=True)]

TIMEOUT = 180


def test_kill_in_push_then_rerun_leaves_every_market_right(settings, tmp_path):
    workflows_load()
    key = Fernet.generate_key().decode()
    settings.YOOINI_CREDENTIALS_KEY = key
    settings.YOOINI_VAR_DIR = tmp_path
    catalog = SampleCatalog.generate(products=40, brands=4, seed=9)
    with (
        SampleServer(catalog, media_root=tmp_path / "media") as mall,
        markets_served(MARKETS, tmp_path / "markets") as markets,
    ):
        settings.YOOINI_MEDIA_ALLOWED_HOSTS = [f"127.0.0.1:{mall.server_address[1]}"]
        settings.YOOINI_MEDIA_PUBLIC_URL = f"{mall.base_url}/media/"
        sample_configure(mall.base_url, list(catalog.brands))
        accounts = live_accounts_configure(markets, mall.base_url)
        servers = {kind: market.server for kind, market in markets.items()}
        batch = batch_start(
            "product_sync",
            params={"units": UNITS, "account": ",".join(accounts)},
            new=True,
        ).batch
        engine = executor_create("inline", concurrency=1)
        try:
            assert Runner(engine).run(batch.id).status == "COMPLETED"
        finally:
            engine.close()
        creates = {kind: sum(s.creates.values()) for kind, s in servers.items()}
        mall.catalog = catalog.repriced(fraction=0.5, generation=1)
        changed = {f"{MALL}:{pid}" for pid in changed_ids(catalog, mall.catalog)}

        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "yooini.settings",
            "YOOINI_VAR_DIR": str(tmp_path),
            "YOOINI_MEDIA_ROOT": str(tmp_path / "media"),
            "YOOINI_MEDIA_PUBLIC_URL": f"{mall.base_url}/media/",
            "YOOINI_CREDENTIALS_KEY": key,
            "PYTHONPATH": str(ROOT),
        }
        command = [
            *(sys.executable, "-m", "yooini.cli", "run", "inventory_sync"),
            *("--param", f"account={','.join(accounts)}", "--quiet"),
        ]
        sent = ListingRequest.objects.count()
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + TIMEOUT
        try:
            while ListingRequest.objects.count() < sent + 12:
                assert proc.poll() is None, f"the run ended (exit {proc.returncode}) too soon"
                assert time.monotonic() < deadline, "PUSH never got under way"
                time.sleep(0.005)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)

        done = subprocess.run(command, env=env, cwd=ROOT, timeout=TIMEOUT, capture_output=True)

        assert done.returncode == 0, done.stdout.decode()[-3000:] + done.stderr.decode()[-3000:]
        assert Batch.objects.filter(workflow="inventory_sync").get().status == "COMPLETED"
        for kind, server in servers.items():
            assert sum(server.creates.values()) == creates[kind], kind
            assert server.duplicates == 0, kind
        held = Listing.objects.filter(source_key__in=changed).exclude(external_id=None)
        assert held.count() > 20
        for listing in held.select_related("account"):
            kind = listing.account.market
            if kind == "buyma":  # its state arrives by webhook; the request log says what went
                continue
            view = servers[kind].view(listing.reference_number)
            if listing.status == ListingStatus.OUT_OF_STOCK:
                assert view["stock"] == 0, (kind, listing.reference_number)
            else:
                assert view["price"] == listing.price, (kind, listing.reference_number)

        hits = {kind: len(s.hits) for kind, s in servers.items()}
        again = subprocess.run(command, env=env, cwd=ROOT, timeout=TIMEOUT, capture_output=True)
        assert again.returncode == 0
        assert {kind: len(s.hits) for kind, s in servers.items()} == hits
