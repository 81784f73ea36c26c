"""``yooini serve`` as a real process on the test database: the web app answers, and in the
embedded mode the same process fires schedules and runs batches; SIGTERM ends it cleanly."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from orchestrator.models import Batch, BatchStatus, CellStatus, Schedule, StageRun
from orchestrator.services.batches import batch_start
from orchestrator.services.schedules import schedule_create

from .chaos import ROOT, cli_env
from .chaos import workflows as _declared  # noqa: F401 - "chaos" known to this process too

pytestmark = pytest.mark.usefixtures("transactional_db")

SERVING = re.compile(r"yooini serving (http://\S+/) \((.*)\)")


class ServeProcess:
    """``yooini serve --port 0`` in a subprocess; its output goes to a file read while it runs."""

    def __init__(self, workdir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.log = workdir / "serve.log"
        command = [sys.executable, "-m", "yooini.cli", "serve", "--port", "0", *args]
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env or cli_env(), stdout=out, stderr=subprocess.STDOUT
            )
        self.url, self.mode = self._wait_serving()
        self.http = httpx.Client(base_url=self.url, timeout=10, follow_redirects=False)

    def output(self) -> str:
        return self.log.read_text()

    def _wait_serving(self, timeout: float = 60) -> tuple[str, str]:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            found = SERVING.search(self.output())
            if found:
                return found.group(1), found.group(2)
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"yooini serve did not start:\n{self.output()[-3000:]}")

    def wait_healthy(self, timeout: float = 30) -> None:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            try:
                if self.http.get("healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"/healthz never answered 200:\n{self.output()[-3000:]}")

    def terminate(self, timeout: float = 15) -> int:
        """SIGTERM, then the exit code (a process still alive after ``timeout`` is killed)."""
        self.http.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            message = f"no exit {timeout}s after SIGTERM:\n{self.output()[-3000:]}"
            raise AssertionError(message) from None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


@pytest.fixture
def serve(tmp_path):
    started: list[ServeProcess] = []

    def start(*args: str, env: dict[str, str] | None = None) -> ServeProcess:
        started.append(ServeProcess(tmp_path, *args, env=env))
        return started[-1]

    yield start
    for process in started:
        process.kill()


def _wait_status(batch_id: str, status: str, timeout: float = 60) -> Batch:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        batch = Batch.objects.get(id=batch_id)
        if batch.status == status:
            return batch
        time.sleep(0.1)
    raise AssertionError(f"batch {batch_id} is {batch.status}, not {status}, after {timeout}s")


def _metric_value(text: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return None


def test_the_embedded_server_serves_fires_schedules_runs_batches_and_stops_on_sigterm(
    serve, tmp_path
):
    server = serve("--executor", "threads", "--concurrency", "4", "--interval", "0.2")
    assert server.mode == "embedded: web + scheduler + 4 threads; database: " + _vendor()
    server.wait_healthy()
    home = server.http.get("")
    assert home.status_code == 302
    assert home.headers["location"].startswith("/login/")

    started = batch_start("chaos", params={"partitions": 3, "sleep": 0.01}).batch
    assert _wait_status(started.id, BatchStatus.COMPLETED).cells_total == 9
    assert StageRun.objects.filter(batch=started, status=CellStatus.DONE).count() == 9

    schedule = schedule_create(
        "serve-hourly",
        workflow="chaos",
        every_seconds=3600,
        params={"partitions": 2, "sleep": 0.01},
    )
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    Schedule.objects.filter(id=schedule.id).update(next_run_at=past)
    until = time.monotonic() + 30
    while time.monotonic() < until and not Schedule.objects.get(id=schedule.id).last_batch_id:
        time.sleep(0.1)
    fired = Schedule.objects.get(id=schedule.id)
    assert fired.last_batch_id, server.output()
    assert fired.next_run_at > past
    _wait_status(fired.last_batch_id, BatchStatus.COMPLETED)

    scraped = server.http.get("metrics")
    assert scraped.status_code == 200
    assert _metric_value(scraped.text, "yooini_batches", workflow="chaos", status="COMPLETED") == 2

    began = time.monotonic()
    assert server.terminate() == 0, server.output()
    assert time.monotonic() - began < 10
    output = server.output()
    assert f"batch {started.id} of chaos ended COMPLETED" in output
    assert "schedule serve-hourly (chaos" in output
    assert output.rstrip().endswith("yooini stopped")


def test_the_distributed_mode_serves_the_web_app_only(serve):
    env = {
        **cli_env(),
        "YOOINI_EXECUTOR": "celery",
        "YOOINI_BROKER_URL": "redis://:broker-secret@127.0.0.1:1/0",
    }
    server = serve(env=env)
    assert server.mode == "distributed: web only; database: " + _vendor()
    server.wait_healthy()
    started = batch_start("chaos", params={"partitions": 2, "sleep": 0.01}).batch
    schedule = schedule_create("serve-web-only", workflow="chaos", every_seconds=3600)
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    Schedule.objects.filter(id=schedule.id).update(next_run_at=past)

    ready = server.http.get("readyz")
    assert ready.status_code == 503
    assert "broker unreachable" in ready.text
    assert "broker-secret" not in ready.text and "127.0.0.1:1" not in ready.text
    time.sleep(1.5)  # time enough for an embedded server to claim and fire
    assert not StageRun.objects.filter(batch=started).exclude(status=CellStatus.PENDING).exists()
    assert StageRun.objects.filter(batch=started, attempt__gt=0).count() == 0
    assert Schedule.objects.get(id=schedule.id).last_batch_id == ""
    assert server.terminate() == 0, server.output()


def test_an_unmigrated_database_is_refused(tmp_path):
    env = {**cli_env(), "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    command = [sys.executable, "-m", "yooini.cli", "serve", "--port", "0"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "run `yooini migrate`" in done.stderr
    assert "yooini serving" not in done.stdout


def _vendor() -> str:
    from django.db import connection

    return connection.vendor
