"""The distributed mode changes where the work runs, never what it produces.

``yooini sample`` runs three times (a first run, a rerun, a partial run after a reprice) with
threads, then again on an empty database with two ``yooini worker`` processes started before
the run, on Redis and on RabbitMQ: the listings, the stored images and the requests sent are
the same. Everything is real: the command and the workers are processes of their own, on the
test database; nothing the sample sets up for its run exists in the workers but what the
batch carries. A broker that is not running fails the test (never a skip).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from markets.models import Listing, ListingRequest
from media.models import Image, ProductImage
from orchestrator.models import Batch
from orchestrator.tests.brokers import BROKERS, celery_app, queue_delete, queue_new
from orchestrator.tests.chaos import ROOT, WorkerProcess, celery_env, cli_env, database_url

pytestmark = pytest.mark.django_db(transaction=True)

PRODUCTS = 36  # 3 per brand, and the feed's 48 rows
TIMEOUT = 120  # seconds for one run of the command
STEPS = (
    ("first run", []),
    ("rerun", []),
    ("partial run after a reprice", ["--reprice", "0.1", "--mode", "partial"]),
)
# The threads runs' outputs and their port, once per test database.
_threads: dict[str, tuple[int, list[dict]]] = {}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def outputs(var_dir: Path) -> dict:
    """What a run leaves: listings, the requests sent for them, stored images and files;
    without ids and times, which differ between any two runs."""
    listings = sorted(
        (
            row["account__name"],
            row["reference_number"],
            row["status"],
            row["price"],
            row["currency"],
            json.dumps(row["stock"], sort_keys=True),
            row["content_hash"],
            row["last_error"],
        )
        for row in Listing.objects.values(
            "account__name",
            "reference_number",
            "status",
            "price",
            "currency",
            "stock",
            "content_hash",
            "last_error",
        )
    )
    requests = sorted(
        (
            row["listing__reference_number"],
            row["kind"],
            row["method"],
            row["path"],
            row["dry_run"],
            json.dumps(row["body"], sort_keys=True, ensure_ascii=False),
            row["error"],
        )
        for row in ListingRequest.objects.values(
            "listing__reference_number", "kind", "method", "path", "dry_run", "body", "error"
        )
    )
    images = sorted(
        ProductImage.objects.values_list(
            "owner", "position", "source_url", "image__content_hash", "error"
        )
    )
    stored = sorted(Image.objects.values_list("content_hash", "storage_key", "width", "height"))
    media = var_dir / "media"
    files = sorted(
        str(p.relative_to(media)) for p in media.rglob("*") if p.is_file() and ".tmp" not in p.name
    )
    return {
        "listings": listings,
        "requests": requests,
        "images": images,
        "stored": stored,
        "files": files,
    }


def sample_runs(var_dir: Path, port: int, env: dict[str, str], executor: str) -> list[dict]:
    """The three steps of ``yooini sample`` on a fresh var directory; the outputs after each."""
    (var_dir / "sample").mkdir(parents=True, exist_ok=True)
    # The same port for every executor: the URLs the pipeline stores (pages, images) name it.
    state = {"products": PRODUCTS, "seed": 7, "port": port, "reprices": []}
    (var_dir / "sample" / "state.json").write_text(json.dumps(state))
    env = {**env, "YOOINI_VAR_DIR": str(var_dir)}
    seen = []
    for step, extra in STEPS:
        command = [sys.executable, "-m", "yooini.cli", "sample", "--quiet"]
        command += ["--executor", executor, *extra]
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT
        )
        assert done.returncode == 0, f"{executor}, {step}:\n{done.stdout[-3000:]}{done.stderr}"
        batch = Batch.objects.order_by("-created_at").first()
        assert batch.status == "COMPLETED", (executor, step, batch.totals)
        seen.append(outputs(var_dir))
    return seen


def threads_outputs(tmp_path: Path) -> tuple[int, list[dict]]:
    """The port and the outputs of the threads runs (made by the first test that asks)."""
    key = database_url()
    if key not in _threads:
        port = free_port()
        _threads[key] = (port, sample_runs(tmp_path / "threads", port, cli_env(), "threads"))
        call_command("flush", interactive=False, verbosity=0)
    return _threads[key]


@pytest.mark.parametrize("broker", list(BROKERS))
def test_the_sample_gives_the_same_result_with_threads_and_with_celery(broker, tmp_path):
    app = celery_app(broker)  # fails here, clearly, if the broker is not running
    port, expected = threads_outputs(tmp_path)
    assert expected[0]["listings"] and expected[0]["images"] and expected[0]["requests"]
    assert expected[1] == expected[0], "a rerun changes nothing"
    assert expected[2]["requests"] != expected[1]["requests"], "a reprice sends updates"

    queue = queue_new()
    env = {**celery_env(BROKERS[broker], queue), "YOOINI_VAR_DIR": str(tmp_path / "celery")}
    (tmp_path / "logs").mkdir()
    workers = [WorkerProcess(f"w{n}", env, tmp_path / "logs", 2) for n in (1, 2)]
    try:
        for worker in workers:
            worker.wait_ready()  # started before the run: it knows nothing of the sample yet
        got = sample_runs(tmp_path / "celery", port, env, "celery")
    finally:
        for worker in workers:
            worker.stop()
        queue_delete(app, queue)

    for (step, _), mine, theirs in zip(STEPS, got, expected, strict=True):
        for part in theirs:
            assert mine[part] == theirs[part], f"{part} differ after the {step} ({broker})"
    for worker in workers:
        assert "succeeded" in worker.log.read_text(), f"{worker.name} ran no stage run"
