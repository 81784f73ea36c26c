"""Dashboard benchmark: how fast the batch page and its grid render for a large batch.

    .venv/bin/python bench/dashboard.py [--partitions 1000 --stages 10 --repeat 5]
    .venv/bin/python bench/dashboard.py --databases sqlite,postgres,mariadb

Per database: a batch of ``--partitions`` x ``--stages`` cells (10,000 by default) made by
the engine's ``batch_start``, then given a realistic mix with bulk updates: most stages done
with varied durations and item counts, a few partitions failed (their later stages blocked),
a front of running cells, the rest pending; the batch stays RUNNING, as when someone watches
it live. Then each page is fetched through Django's test client (the full middleware stack,
signed in as an operator): the batch page, the grid fragment (first page and "errors only").
Timed fetches count nothing; one more fetch counts the queries. Then the batch page is served
by waitress (as ``yooini serve`` serves it) and loaded in headless Chromium (Debian's
``/usr/bin/chromium``; ``--no-browser`` skips it), timed from navigation start to the load
event. The goal: the batch page of a 10,000-cell batch in under a second.

The parent process creates each database (a temporary SQLite file; a fresh PostgreSQL or
MariaDB database it drops afterwards) and re-invokes itself with ``--child`` and
``DATABASE_URL`` set, because Django reads the database from the environment when its
settings load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from databases import (
    QueryCounter,
    add_database_options,
    admin_url,
    child_main,
    databases_chosen,
    run_in_child,
)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL_MS = 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partitions", type=int, default=1000)
    parser.add_argument("--stages", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5, help="timed fetches per page")
    parser.add_argument(
        "--no-browser",
        dest="browser",
        action="store_false",
        help="skip loading the batch page in headless Chromium",
    )
    add_database_options(parser, default="sqlite")
    args = parser.parse_args()
    if args.child:
        return child_main(args, child_run)

    databases = databases_chosen(parser, args)
    report: dict = {
        "benchmark": "yooini dashboard batch grid",
        "parameters": {
            "partitions": args.partitions,
            "stages": args.stages,
            "cells": args.partitions * args.stages,
            "repeat": args.repeat,
        },
        "goal_ms": GOAL_MS,
        "databases": {},
    }
    for name in databases:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        child_args = [
            "--partitions",
            str(args.partitions),
            "--stages",
            str(args.stages),
            "--repeat",
            str(args.repeat),
            *([] if args.browser else ["--no-browser"]),
        ]
        report["databases"][name] = run_in_child(
            __file__, name, admin_url(args, name), child_args, prefix="yooini_bench_dash"
        )
    report["summary"] = {
        db: {
            page: f"median {fig['median_ms']} ms, max {fig['max_ms']} ms"
            + (f", {fig['queries']} queries, {fig['kbytes']} kB" if "queries" in fig else "")
            + ("" if fig["median_ms"] < GOAL_MS else " (over the goal)")
            for page, fig in result.get("pages", {}).items()
        }
        or {"error": result.get("error")}
        for db, result in report["databases"].items()
    }
    print(json.dumps(report, indent=2))
    return 1 if any("error" in r for r in report["databases"].values()) else 0


# ------------------------------------------------------------------------------------------
# child: one database, already named by DATABASE_URL
# ------------------------------------------------------------------------------------------
def child_run(args: argparse.Namespace) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from access.roles import Role
    from access.services import user_set

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    batch_id = make_batch(args.partitions, args.stages)
    setup_s = time.perf_counter() - started

    client = Client()
    client.force_login(user_set(username="bench-operator", role=Role.OPERATOR, password="x"))
    pages = {
        "batch page": f"/batches/{batch_id}/",
        "grid fragment": f"/batches/{batch_id}/grid/",
        "grid fragment, errors only": f"/batches/{batch_id}/grid/?status=ERROR",
        "grid fragment, page 5": f"/batches/{batch_id}/grid/?page=5",
    }
    figures = {}
    for label, url in pages.items():
        client.get(url)  # warm-up: templates compiled, connection open
        times, size = [], 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")
            size = len(response.content)
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            client.get(url)
        figures[label] = {
            "url": url,
            "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
            "queries": counter.n,
            "kbytes": round(size / 1024, 1),
            "cells_on_page": response.content.count(b'class="cell status-'),
        }
    if args.browser:
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        connection.close()  # the browser's requests are served by other threads
        browser = browser_figures(pages["batch page"], cookie, args.repeat)
        figures["batch page, in Chromium"] = browser
    return {
        "versions": {
            "python": platform.python_version(),
            "django": django.get_version(),
            "db_vendor": connection.vendor,
            "cpus": os.cpu_count(),
        },
        "setup_s": round(setup_s, 2),
        "pages": figures,
    }


def make_batch(partitions: int, stages: int) -> str:
    """A RUNNING batch with a realistic mix of statuses, durations, items and errors."""
    from django.db.models import F

    from orchestrator import NO_RETRY, Workflow
    from orchestrator.core.clock import get_clock
    from orchestrator.models import CellStatus, StageRun
    from orchestrator.services.batches import batch_start

    names = [f"site-{i % 7}/category-{i:05d}" for i in range(partitions)]
    wf = Workflow("bench_dashboard", partitions=names)
    previous = None
    for i in range(stages):
        wf.stage(lambda ctx, p: None, name=f"stage_{i}", after=previous, retry=NO_RETRY)
        previous = f"stage_{i}"
    batch = batch_start(wf.name).batch
    cells = StageRun.objects.filter(batch=batch)
    base = get_clock().now() - timedelta(hours=2)
    done_until = max(stages * 7 // 10, 1)
    # durations and items differ by stage and by partition group, as they do for real sites
    for position in range(done_until):
        for group in range(10):
            start = base + timedelta(minutes=position * 6, seconds=group * 11)
            cells.filter(position=position, partition__endswith=str(group)).update(
                status=CellStatus.DONE,
                attempt=1,
                started_at=start,
                finished_at=start + timedelta(seconds=3 + position * 2 + group),
                item_count=50 + group * 13 + position,
            )
    failed = names[::37]
    fail_at = max(done_until - 2, 0)
    cells.filter(partition__in=failed, position=fail_at).update(
        status=CellStatus.ERROR,
        attempt=3,
        failures=3,
        item_count=0,
        error_type="HTTPStatusError",
        error="HTTPStatusError: Server error '503 Service Unavailable'\nretry later",
        traceback="Traceback (most recent call last):\n  ...\nHTTPStatusError: 503\n",
    )
    cells.filter(partition__in=failed, position__gt=fail_at).update(
        status=CellStatus.BLOCKED, error="blocked: upstream failed", finished_at=F("started_at")
    )
    if done_until < stages:
        cells.filter(position=done_until, status=CellStatus.PENDING).exclude(
            partition__in=failed
        ).filter(partition__endswith="3").update(
            status=CellStatus.RUNNING, attempt=1, started_at=get_clock().now()
        )
    return batch.id


def browser_figures(path: str, session_cookie: str, repeat: int) -> dict:
    """What a person waits for: the batch page served by waitress (as ``yooini serve`` does)
    and loaded in headless Chromium, from navigation start to the load event (server time,
    transfer, parsing, styles and layout of the whole grid)."""
    import threading

    from playwright.sync_api import sync_playwright
    from waitress import create_server

    from dashboard.tests.chromium import CHROMIUM, CHROMIUM_ARGS
    from yooini.wsgi import application

    server = create_server(application, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                context = chromium.new_context(viewport={"width": 1400, "height": 1000})
                context.add_cookies([{"name": "sessionid", "value": session_cookie, "url": base}])
                page = context.new_page()
                page.goto(base + path, wait_until="load")  # warm-up
                times = []
                for _ in range(repeat):
                    page.goto(base + path, wait_until="load")
                    times.append(
                        page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
                    )
                cells = page.locator("td.cell").count()
            finally:
                chromium.close()
    finally:
        server.close()
    return {
        "url": path,
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
        "cells_on_page": cells,
    }


if __name__ == "__main__":
    sys.exit(main())
