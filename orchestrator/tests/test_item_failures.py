"""Item failures count: a stage's rule for when its items' errors fail the cell, and what the
batch, its totals, ``yooini status`` and the notifications then say."""

from __future__ import annotations

import pytest

from notifications.messages import message_for
from orchestrator import NEVER_FAIL, NO_RETRY, ItemFailures, Retry
from orchestrator.core.items import reasons_text
from orchestrator.models import Event, StageRun
from orchestrator.selectors import batch_document

pytestmark = pytest.mark.usefixtures("transactional_db", "manual_clock")


def test_the_rule_fails_a_share_over_the_limit_or_all_items():
    rule = ItemFailures()
    assert rule.verdict(10, {}) is None
    assert rule.verdict(10, {"timeout": 5}) is None  # half is not more than half
    assert rule.verdict(10, {"timeout": 6}).startswith("6 of 10 items failed")
    assert rule.verdict(3, {"404": 2, "timeout": 1}).startswith("all 3 items failed: 404 (2)")
    # A stage that counts only the items that went well still adds up.
    assert rule.verdict(0, {"404": 4}).startswith("all 4 items failed")
    assert ItemFailures(max_share=0.1).verdict(100, {"x": 11}) is not None
    assert ItemFailures(max_share=None).verdict(10, {"x": 9}) is None
    assert ItemFailures(min_items=5).verdict(2, {"x": 2}) is None
    assert NEVER_FAIL.verdict(4, {"x": 4}) is None
    with pytest.raises(ValueError, match="max_share"):
        ItemFailures(max_share=1.5)


def test_reasons_are_shown_most_frequent_first_each_once():
    text = reasons_text({"b": 1, "a": 5, "c": 2, "d": 1})
    assert text == "a (5); c (2); b (1); 1 more reasons"


def _images(make_workflow, failing: dict[str, int], *, rule: ItemFailures | None = None):
    """collect -> image -> register over p1..p3; ``failing`` says per partition how many of
    its 4 images fail, each for the same reason."""
    wf = make_workflow("items", partitions=["p1", "p2", "p3"])
    calls: list[tuple[str, str]] = []

    def collect(ctx, partition):
        calls.append((partition, "collect"))
        return 4

    def image(ctx, partition):
        calls.append((partition, "image"))
        for _ in range(failing.get(partition, 0)):
            ctx.item_failed("HTTP 404 from the image host")
        return {"items": 4, "stored": 4 - failing.get(partition, 0)}

    def register(ctx, partition):
        calls.append((partition, "register"))
        return 4 - failing.get(partition, 0)

    wf.stage(collect, retry=NO_RETRY)
    wf.stage(image, after=collect, retry=Retry(attempts=3), item_failures=rule)
    wf.stage(register, after=image, retry=NO_RETRY)
    return wf, calls


def test_a_partition_whose_every_image_fails_is_not_green(make_workflow, run_batch):
    wf, calls = _images(make_workflow, {"p2": 4, "p3": 1})
    batch = run_batch(wf)
    assert batch.status == "COMPLETED_WITH_ERRORS"
    cell = StageRun.objects.get(batch=batch, partition="p2", stage="image")
    assert cell.status == "ERROR" and cell.error_type == "ItemFailuresExceeded"
    assert cell.error == (
        "ItemFailuresExceeded: all 4 items failed: HTTP 404 from the image host (4)"
    )
    # Not retried (the stage did its work), its counts kept, the rest of p2 blocked.
    assert calls.count(("p2", "image")) == 1
    assert cell.item_count == 4 and cell.result["item_errors"] == {
        "HTTP 404 from the image host": 4
    }
    assert StageRun.objects.get(batch=batch, partition="p2", stage="register").status == ("BLOCKED")
    # One failure in four is under the default share: p3 goes on, its failure still counted.
    assert StageRun.objects.get(batch=batch, partition="p3", stage="register").status == "DONE"

    assert batch.totals["failed_items"] == 5
    assert batch.totals["item_errors"] == [
        {"stage": "image", "reason": "HTTP 404 from the image host", "count": 5, "partitions": 2}
    ]
    doc = batch_document(batch.id)
    # The live document says the kind of each group; the totals keep only failed items.
    assert [{**g, "kind": "failed"} for g in batch.totals["item_errors"]] == doc["item_errors"]

    event = Event.objects.get(correlation_id=batch.id, type="batch.completed_with_errors")
    message = message_for(event.type, event.payload, batch_id=batch.id, workflow=wf.name)
    assert "Items failed: 5" in message.body
    assert message.body.count("HTTP 404 from the image host") == 1
    assert "- image: 5: HTTP 404 from the image host" in message.body


def test_errors_under_the_rule_complete_the_batch_and_are_still_counted(make_workflow, run_batch):
    wf, _ = _images(make_workflow, {"p1": 4, "p2": 4}, rule=NEVER_FAIL)
    batch = run_batch(wf)
    assert batch.status == "COMPLETED"
    assert batch.totals["failed_items"] == 8
    assert batch.totals["item_errors"][0]["partitions"] == 2


def test_a_result_may_report_its_item_errors_itself(make_workflow, run_batch):
    wf = make_workflow("reported", partitions=["a"])
    wf.stage(
        lambda ctx, p: {"items": 2, "item_errors": {"no rule": 2, "bad": "x"}},
        name="price",
        retry=NO_RETRY,
    )
    batch = run_batch(wf)
    assert batch.status == "FAILED"
    cell = StageRun.objects.get(batch=batch)
    assert cell.error.endswith("all 2 items failed: no rule (2)")
    assert cell.result["item_errors"] == {"no rule": 2}


def test_the_api_and_the_dashboard_show_failed_items_by_reason(
    make_workflow, run_batch, api_as, client_as
):
    wf, _ = _images(make_workflow, {"p1": 4, "p2": 4})
    batch = run_batch(wf)
    detail = api_as("viewer").get(f"/api/batches/{batch.id}/").json()
    assert detail["status"] == "COMPLETED_WITH_ERRORS"
    assert detail["item_errors"] == [
        {
            "stage": "image",
            "reason": "HTTP 404 from the image host",
            "count": 8,
            "partitions": 2,
            "kind": "failed",
        }
    ]
    assert detail["totals"]["failed_items"] == 8
    page = client_as("viewer").get(f"/batches/{batch.id}/").content.decode()
    assert "8 item errors" in page
    table = page.split('id="item-errors"', 1)[1].split("</table>", 1)[0]
    assert table.count("HTTP 404 from the image host") == 1 and ">8<" in table


def test_items_failing_on_their_own_never_open_the_resources_breaker(make_workflow, run_batch):
    """Every partition's items fail (say, no pricing rule): each cell fails, but the resource
    answered every call, so its breaker stays closed and no cell waits for it."""
    from orchestrator import resource
    from orchestrator.core.breaker import BreakerPolicy
    from orchestrator.models import ResourceState

    resource("item-failures-api", breaker=BreakerPolicy(threshold=2, reset_after=600))
    wf = make_workflow("unpriced", partitions=[f"p{i}" for i in range(5)])

    def price(ctx, partition):
        for _ in range(3):
            ctx.item_failed("no enabled pricing rule")
        return {"items": 3}

    wf.stage(price, resource="item-failures-api", retry=NO_RETRY)
    batch = run_batch(wf)
    assert batch.status == "FAILED"
    assert StageRun.objects.filter(batch=batch, error_type="ItemFailuresExceeded").count() == 5
    state = ResourceState.objects.get(name="item-failures-api")
    assert state.breaker_status == "CLOSED" and state.breaker_failures == 0
    assert not Event.objects.filter(type="breaker.open").exists()


def test_items_set_aside_are_counted_the_same_everywhere_and_never_fail(
    make_workflow, run_batch, client_as, capsys
):
    from orchestrator.console import print_summary
    from orchestrator.core.items import SET_ASIDE_KEY, set_aside
    from orchestrator.grid import batch_grid

    wf = make_workflow("aside", partitions=["feed"])
    # Every row rejected: set aside, never failing the cell (the failed-items rule ignores them).
    wf.stage(
        lambda ctx, p: {
            "items": 0,
            SET_ASIDE_KEY: set_aside(["row rejected: price is not a number"] * 2),
        },
        name="collect",
        retry=NO_RETRY,
    )
    batch = run_batch(wf)
    assert batch.status == "COMPLETED" and "failed_items" not in batch.totals

    doc = batch_document(batch.id)
    assert doc["item_errors"] == [
        {
            "stage": "collect",
            "reason": "row rejected: price is not a number",
            "count": 2,
            "partitions": 1,
            "kind": "set aside",
        }
    ]
    assert batch_grid(batch.id).rows[0].cells["collect"].item_errors == 2
    print_summary(batch)
    assert "item errors 2 (0 failed, 2 set aside)" in capsys.readouterr().out
    page = client_as("viewer").get(f"/batches/{batch.id}/").content.decode()
    assert "2 item errors" in page and "set aside" in page
