"""Chaos and scale tests run the real CLI in a subprocess against the test database.

The helpers here build that subprocess: the database URL of the test database this pytest
process uses, and the environment that makes the child import the test workflows. Django is
imported lazily, because the child imports this package (for ``workflows``) too.
"""

from __future__ import annotations

import os
import sys
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
