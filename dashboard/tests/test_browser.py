"""The dashboard in a real browser: trigger a run, watch the grid fill, open the failed cell,
retry only it, and check that a viewer sees no controls and is refused.

Headless Chromium (Debian's /usr/bin/chromium) drives the live test server while a
dispatcher thread runs the batches the page starts, as ``yooini serve`` would.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import pytest
from django.db import connections
from django.urls import Resolver404, resolve

from .chromium import CHROMIUM, CHROMIUM_ARGS

WAIT_MS = 20_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def chromium(monkeypatch):
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django's ORM would take the
    # test's own database calls for async code without this.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def dispatcher(live_server):
    """The engine's dispatch loop in a thread, running every batch started meanwhile."""
    from orchestrator.executors import executor_create
    from orchestrator.runner import Runner

    stop = threading.Event()
    engine = executor_create("threads", concurrency=2)

    def serve():
        try:
            Runner(engine, sweep_every=0.2).serve(stop)
        finally:
            connections.close_all()

    thread = threading.Thread(target=serve, name="dispatcher", daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=20)
    engine.close()
    assert not thread.is_alive(), "the dispatcher did not stop"


def sign_in(browser, base_url: str, username: str):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-for-tests")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return context, page


def test_operator_runs_watches_and_retries_a_viewer_cannot(
    chromium, live_server, dispatcher, pipeline, user_as
):
    failing = threading.Event()
    failing.set()
    partitions = [f"mall-{i}" for i in range(6)]
    wf = pipeline(
        partitions, fail=lambda p, s: failing.is_set() and (p, s) == ("mall-3", "convert")
    )
    operator = user_as("operator")
    viewer = user_as("viewer")
    base = live_server.url

    context, page = sign_in(chromium, base, operator.username)
    # The content security policy allows no inline script: the pages must not need any.
    refused: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    try:
        page.goto(f"{base}/trigger/")
        page.select_option("#id_workflow", wf.name)
        page.click("#btn-trigger")
        page.wait_for_url(f"{base}/batches/*/")
        batch_id = page.url.rstrip("/").rsplit("/", 1)[1]
        assert "started" in page.inner_text(".messages")

        # the grid polls itself while the batch runs, until the batch ends
        page.wait_for_selector('#live[data-status="COMPLETED_WITH_ERRORS"]')
        assert page.locator("td.cell.status-DONE").count() == 6 * 3 - 2
        assert page.locator("td.cell.status-ERROR").count() == 1
        assert page.locator("td.cell.status-BLOCKED").count() == 1

        page.click("td.cell.status-ERROR")
        error = page.wait_for_selector("#cell-panel .cell-error")
        assert "boom in mall-3/convert" in error.inner_text()
        assert "stage.failed" in page.inner_text("#cell-panel")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "batch-grid.png"), full_page=True)

        failing.clear()
        page.click("#btn-retry")
        page.wait_for_url(f"{base}/batches/{batch_id}/")
        assert "will run again" in page.inner_text(".messages")
        page.wait_for_selector('#live[data-status="COMPLETED"]')
        assert page.locator("td.cell.status-DONE").count() == 6 * 3
        assert page.locator("td.cell.status-ERROR").count() == 0

        # Behaviours that were inline handlers, now in dashboard.js: the language switch.
        page.select_option("select[name=language]", "ko")
        page.wait_for_selector('html[lang="ko"]')
        assert refused == []
    finally:
        context.close()

    context, page = sign_in(chromium, base, viewer.username)
    try:
        assert page.locator("#nav-trigger").count() == 0
        page.goto(f"{base}/batches/{batch_id}/")
        assert page.locator("#live").get_attribute("data-status") == "COMPLETED"
        assert page.locator("#btn-retry, #btn-cancel, #btn-resume").count() == 0
        page.click("td.cell.status-DONE >> nth=0")
        page.wait_for_selector("#cell-panel .cell-detail")
        assert page.locator("#btn-retry-cell").count() == 0
        assert page.goto(f"{base}/trigger/").status == 403
    finally:
        context.close()

    assert_api_refuses_viewer(base, viewer, wf.name)


def assert_api_refuses_viewer(base: str, viewer, workflow: str) -> None:
    from access.services import token_for

    try:
        resolve("/api/batches/")
    except Resolver404:
        warnings.warn("POST /api/batches/ does not exist yet: not checked", stacklevel=2)
        return
    request = urllib.request.Request(
        f"{base}/api/batches/",
        data=json.dumps({"workflow": workflow, "mode": "full"}).encode(),
        headers={"Authorization": f"Token {token_for(viewer)}", "Content-Type": "application/json"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
