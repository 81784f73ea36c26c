"""The operator never guesses, in a real browser: the overview refreshes itself, a cell waiting
on an open breaker says so, a failed cell's log is readable on its full page, and the batch's
timeline draws its cells; cancelling records who pressed the button.

Same setup as ``test_browser``: headless Debian Chromium on the live test server, with the
engine's dispatch loop in a thread.
"""

from __future__ import annotations

import threading
import warnings

from orchestrator import NO_RETRY, Retry
from orchestrator.core.breaker import BreakerPolicy

from .test_browser import ARTIFACTS, chromium, dispatcher, sign_in  # noqa: F401 (fixtures)


def test_waiting_cells_logs_timeline_and_a_refreshing_overview(
    chromium,  # noqa: F811
    live_server,
    dispatcher,  # noqa: F811
    make_workflow,
    user_as,
):
    from orchestrator import resource
    from orchestrator.core.clock import get_clock
    from orchestrator.models import Event, ResourceState
    from orchestrator.services.batches import batch_start

    resource("browser-shop", breaker=BreakerPolicy(threshold=1, reset_after=3600))
    # The shop's breaker was opened by failures elsewhere: its cells wait, they do not fail.
    ResourceState.objects.update_or_create(
        name="browser-shop",
        defaults={
            "breaker_threshold": 1,
            "breaker_reset_after": 3600,
            "breaker_status": "OPEN",
            "breaker_failures": 1,
            "breaker_opened_at": get_clock().now(),
        },
    )
    wf = make_workflow("shop", partitions=["mall-0", "mall-1"])
    started = threading.Event()

    def collect(ctx, partition):
        ctx.log.info("reading the feed of %s", partition)
        # Python shows each distinct warning once per process (its default filter).
        warnings.warn(f"{partition}: column 'size' is deprecated", UserWarning, stacklevel=1)
        if partition == "mall-1":
            raise ValueError(f"row 7 of {partition}: price 'abc' is not a number")
        return 3

    def fetch(ctx, partition):
        started.set()
        return 3

    wf.stage(collect, retry=NO_RETRY)
    wf.stage(fetch, after=collect, resource="browser-shop", retry=Retry(attempts=2))
    operator = user_as("operator")
    base = live_server.url

    context, page = sign_in(chromium, base, operator.username)
    try:
        # The overview refreshes itself: a batch started after the page loaded appears on it
        # without a reload (the marker set on the window survives).
        page.evaluate("window.__notReloaded = true")
        batch_id = batch_start(wf.name).batch.id
        page.wait_for_selector(f'#overview-live a:has-text("{batch_id}")', timeout=15_000)
        assert page.evaluate("window.__notReloaded") is True

        page.goto(f"{base}/batches/{batch_id}/")
        page.wait_for_selector("td.cell.status-ERROR")
        waiting = page.wait_for_selector('td.cell[data-wait="breaker"]')
        tip = waiting.get_attribute("title")
        assert "breaker of browser-shop open until" in tip, tip
        blocked = page.locator('td.cell[data-wait="blocked"]')
        assert "blocked by collect (ERROR)" in blocked.get_attribute("title")
        waiting.click()
        reason = page.wait_for_selector("#cell-panel .wait-reason")
        assert "breaker of browser-shop open until" in reason.inner_text()
        assert not started.is_set(), "a cell behind an open breaker must not run"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "batch-waiting.png"), full_page=True)

        # The failed cell: its log on a page as wide as the window.
        failed = page.locator("td.cell.status-ERROR")
        failed_id = failed.get_attribute("data-cell")
        failed.click()
        link = page.wait_for_selector(f'.cell-detail[data-cell="{failed_id}"] #cell-full-page')
        page.goto(base + link.get_attribute("href"))
        log = page.wait_for_selector("pre.log")
        text = log.inner_text()
        assert "reading the feed of mall-1" in text
        assert "UserWarning: mall-1: column 'size' is deprecated" in text
        assert "ValueError: row 7 of mall-1: price 'abc' is not a number" in text
        assert log.bounding_box()["width"] > 1000  # a traceback's lines are not folded
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "cell-log.png"), full_page=True)

        # The timeline: one bar per started cell, the failed one red, linked to its cell.
        page.goto(f"{base}/batches/{batch_id}/timeline/")
        bars = page.locator("#timeline .bar")
        assert bars.count() == 2  # both collects started; the fetches never did
        assert page.locator("#timeline .bar.status-ERROR").count() == 1
        assert all(bars.nth(i).bounding_box()["width"] >= 1 for i in range(bars.count()))
        assert "mall-1 / collect" in page.inner_text("#timeline")
        page.screenshot(path=str(ARTIFACTS / "batch-timeline.png"), full_page=True)

        # Cancel from the batch page: the event names the operator.
        page.goto(f"{base}/batches/{batch_id}/")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#btn-cancel")
        page.wait_for_url(f"{base}/batches/{batch_id}/")
    finally:
        context.close()
    event = Event.objects.get(correlation_id=batch_id, type="batch.cancel_requested")
    assert event.actor == operator.username
