"""Why a cell waits: the pure reason, then the same reason read from the database for the grid
and the cell view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orchestrator import NO_RETRY
from orchestrator.core.breaker import BreakerPolicy
from orchestrator.core.waiting import ResourceView, wait_reason

NOW = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)


def hhmm(at: datetime) -> str:
    return at.strftime("%H:%M")


def test_a_cell_that_failed_waits_for_its_retry_time():
    reason = wait_reason(status="PENDING", now=NOW, next_attempt_at=NOW + timedelta(minutes=5))
    assert reason.kind == "retry" and reason.text(hhmm) == "retry at 05:05"
    # A retry time that has passed is no longer a reason.
    assert wait_reason(status="PENDING", now=NOW, next_attempt_at=NOW).kind == "ready"


def test_an_open_breaker_says_until_when_and_a_half_open_one_says_one_trial():
    shop = ResourceView(
        "shop", breaker_status="OPEN", breaker_opened_at=NOW, breaker_reset_after=600
    )
    reason = wait_reason(status="PENDING", now=NOW, resource=shop)
    assert reason.text(hhmm) == "breaker of shop open until 05:10"
    trial = ResourceView("shop", breaker_status="HALF_OPEN", running=1)
    assert "half-open" in wait_reason(status="PENDING", now=NOW, resource=trial).text()
    # Half-open with nothing running: the next claim is the trial, the cell is ready.
    idle = ResourceView("shop", breaker_status="HALF_OPEN")
    assert wait_reason(status="PENDING", now=NOW, resource=idle).kind == "ready"


def test_a_full_resource_and_an_empty_bucket_are_named():
    full = ResourceView("okmall", running=2, concurrency=2)
    assert wait_reason(status="PENDING", now=NOW, resource=full).text() == "resource okmall full"
    empty = ResourceView("api", rate=2.0, tokens=0.4)
    assert wait_reason(status="PENDING", now=NOW, resource=empty).text() == "rate limit of api"
    roomy = ResourceView("okmall", running=1, concurrency=2, rate=2.0, tokens=1.5)
    assert wait_reason(status="PENDING", now=NOW, resource=roomy).kind == "ready"


def test_upstream_and_blocked_cells_name_the_cells_they_wait_on():
    waiting = wait_reason(
        status="PENDING",
        now=NOW,
        waiting_on=1,
        upstream={"collect": "DONE", "convert": "RUNNING", "image": "SKIPPED"},
    )
    assert waiting.text() == "waiting for convert (RUNNING)"
    blocked = wait_reason(
        status="BLOCKED", now=NOW, upstream={"collect": "DONE", "convert": "ERROR"}
    )
    assert blocked.text() == "blocked by convert (ERROR)"


def test_the_order_of_reasons_follows_the_claim_round():
    shop = ResourceView("shop", breaker_status="OPEN", breaker_opened_at=NOW)
    later = NOW + timedelta(minutes=1)
    # A retry time comes before the breaker; a cancelling batch before everything.
    assert wait_reason(status="PENDING", now=NOW, next_attempt_at=later, resource=shop).kind == (
        "retry"
    )
    assert wait_reason(status="PENDING", now=NOW, resource=shop, cancel_requested=True).kind == (
        "cancelling"
    )
    assert wait_reason(status="DONE", now=NOW, resource=shop) is None
    assert wait_reason(status="RUNNING", now=NOW) is None


@pytest.mark.usefixtures("transactional_db", "manual_clock")
def test_the_grid_and_the_cell_read_the_breaker_and_the_failed_upstream(make_workflow):
    from orchestrator import resource
    from orchestrator.core.clock import get_clock
    from orchestrator.grid import batch_grid, cell_detail
    from orchestrator.models import ResourceState, StageRun
    from orchestrator.services.batches import batch_start

    resource("wait-shop", breaker=BreakerPolicy(threshold=1, reset_after=3600))
    wf = make_workflow("waits", partitions=["a", "b"])
    wf.stage(lambda ctx, p: 1, name="collect", retry=NO_RETRY)
    wf.stage(lambda ctx, p: 1, name="fetch", after="collect", resource="wait-shop")
    batch = batch_start(wf.name).batch
    # The state a run leaves: a's collect done, b's failed (its fetch blocked), the shop's
    # breaker opened by failures of other batches.
    cells = StageRun.objects.filter(batch=batch)
    cells.filter(partition="a", stage="collect").update(status="DONE")
    cells.filter(partition="a", stage="fetch").update(waiting_on=0)
    cells.filter(partition="b", stage="collect").update(status="ERROR", error="RuntimeError: x")
    cells.filter(partition="b", stage="fetch").update(status="BLOCKED")
    opened = get_clock().now()
    ResourceState.objects.update_or_create(
        name="wait-shop",
        defaults={
            "breaker_threshold": 1,
            "breaker_reset_after": 3600,
            "breaker_status": "OPEN",
            "breaker_opened_at": opened,
        },
    )

    grid = batch_grid(batch.id)
    rows = {row.partition: row.cells for row in grid.rows}
    assert rows["a"]["fetch"].wait.kind == "breaker"
    assert rows["a"]["fetch"].wait.until == opened + timedelta(seconds=3600)
    assert rows["b"]["fetch"].wait.text() == "blocked by collect (ERROR)"
    assert rows["a"]["collect"].wait is None
    detail = cell_detail(rows["a"]["fetch"].id)
    assert detail.wait.text(hhmm) == f"breaker of wait-shop open until {hhmm(detail.wait.until)}"
