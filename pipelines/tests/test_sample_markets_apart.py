"""``yooini sample --markets`` serves each market from a child process: it hands out the
account it serves, keeps what the market holds between runs, and saves it even when the
sample's process is killed."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import time

from markets.contract import MarketConfig, connector_for
from orchestrator.tests.chaos import ROOT
from pipelines.sample.markets import markets_served


def _find(market, reference: str):
    config = MarketConfig(
        "coupang", "sample", settings=market.settings, credentials=market.credentials
    )
    with connector_for(config) as connector:
        return connector.find(reference)


def _port_open(base_url: str) -> bool:
    host, port = base_url.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=0.5):
            return True
    except OSError:
        return False


def test_a_market_apart_serves_its_account_and_keeps_its_state(tmp_path):
    state = tmp_path / "markets"
    with markets_served(["coupang"], state, apart=True) as served:
        first = served["coupang"]
        assert first.server is None  # another process: nothing of it lives here
        assert _find(first, "ref-none") is None  # signed with the credentials handed out
    assert not _port_open(first.settings["base_url"])
    assert (state / "coupang.state").stat().st_size > 0
    with markets_served(["coupang"], state, apart=True) as served:
        again = served["coupang"]
        assert again.credentials == first.credentials  # the same market, another port
        assert again.settings["vendor_id"] == first.settings["vendor_id"]


def test_the_market_saves_and_stops_when_the_sample_is_killed(tmp_path):
    state = tmp_path / "markets"
    script = textwrap.dedent(
        f"""
        import json, os, signal, sys
        from pathlib import Path
        from pipelines.sample.markets import markets_served
        with markets_served(["gmarket"], Path({str(state)!r}), apart=True) as served:
            print(json.dumps(served["gmarket"].settings), flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == -9, done.stderr[-2000:]
    base_url = json.loads(done.stdout.splitlines()[0])["base_url"]
    deadline = time.monotonic() + 10
    while _port_open(base_url) or not (state / "gmarket.state").exists():
        assert time.monotonic() < deadline, "the orphaned market kept serving"
        time.sleep(0.1)
