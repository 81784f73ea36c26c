"""Chaos and scale tests run the real CLI in a subprocess against the test database.

The helpers here build that subprocess: the database URL of the test database this pytest
process uses, and the environment that makes the child import the test workflows. Django is
imported lazily, because the child imports this package (for ``workflows``) too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[3]
WORKFLOW_MODULE = "orchestrator.tests.chaos.workflows"


def database_url() -> str:
    """The URL of the database this test uses (the test database, not the configured one)."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return "sqlite:///" + str(Path(settings["NAME"]).resolve())
    scheme = {"postgresql": "postgres", "mysql": "mysql"}[connection.vendor]
    user = quote(settings["USER"] or "", safe="")
    if settings["PASSWORD"]:
        user += ":" + quote(settings["PASSWORD"], safe="")
    host = settings["HOST"] or "127.0.0.1"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"{scheme}://{user}@{host}{port}/{settings['NAME']}"


def cli_env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "yooini.settings",
        "YOOINI_WORKFLOW_MODULES": WORKFLOW_MODULE,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }


def run_command(
    workflow: str, params: dict[str, object], *, executor: str = "threads", concurrency: int = 4
) -> list[str]:
    """``python -m yooini.cli run WORKFLOW --param k=v ... --quiet``: resume or start."""
    command = [sys.executable, "-m", "yooini.cli", "run", workflow]
    for key, value in params.items():
        command += ["--param", f"{key}={value}"]
    return command + ["--executor", executor, "--concurrency", str(concurrency), "--quiet"]


def celery_env(broker_url: str, queue: str) -> dict[str, str]:
    """``cli_env`` for the distributed mode: this broker, this private queue."""
    return {
        **cli_env(),
        "YOOINI_BROKER_URL": broker_url,
        "YOOINI_CELERY_QUEUE": queue,
        "YOOINI_EXECUTOR": "celery",
    }


class WorkerProcess:
    """A real ``yooini worker`` (prefork) in its own process group, so a SIGKILL takes the
    parent and its pool processes down at once, as when a machine dies."""

    def __init__(self, name: str, env: dict[str, str], workdir: Path, concurrency: int) -> None:
        self.name = name
        self.log = workdir / f"{name}.log"
        # Unique per test process: two test runs on one broker must not share a worker's
        # control queue (RabbitMQ locks it to one connection).
        hostname = f"{name}-{os.getpid()}@%h"
        command = [sys.executable, "-m", "yooini.cli", "worker", "--hostname", hostname]
        command += ["--concurrency", str(concurrency), "--loglevel", "INFO"]
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60) -> None:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            if " ready." in self.log.read_text():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"worker {self.name} did not start:\n{self.log.read_text()[-3000:]}")

    def pids(self) -> set[int]:
        """The worker's own pid and its pool processes'."""
        pids = {self.process.pid}
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids |= {int(pid) for pid in children.read_text().split()}
        return pids

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM): finish the current stage runs, then exit."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


def trace_read(path) -> list[tuple[str, str, int, str, int]]:
    """A trace written with param ``pids``: (partition, stage, attempt, start|end, pid) per
    line, in the order they happened."""
    lines = []
    for text in path.read_text().splitlines():
        partition, stage, attempt, kind, pid = text.split("|")
        lines.append((partition, stage, int(attempt), kind, int(pid)))
    return lines
