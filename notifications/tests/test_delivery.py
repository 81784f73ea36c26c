"""Real batches and events become one Slack message and one email per channel, filtered."""

from __future__ import annotations

import pytest

from notifications.models import Delivery, EventCursor
from notifications.services import (
    SETTLE_SECONDS,
    channel_create,
    notifications_collect,
    notifications_send_due,
)
from orchestrator import NO_RETRY
from orchestrator.services.batches import batch_start
from orchestrator.services.events import event_emit

pytestmark = pytest.mark.usefixtures("manual_clock")
RUNS = pytest.mark.usefixtures("transactional_db")  # run_batch's runner needs commits


def workflow(make_workflow, *, fail=(), partitions=("a", "b")):
    wf = make_workflow("notify", partitions=list(partitions))

    def fetch(ctx, partition):
        if partition in fail:
            raise RuntimeError(f"supplier down for {partition}")
        return 3

    wf.stage(fetch, name="fetch", retry=NO_RETRY)
    return wf


def pump_once():
    created = notifications_collect()
    return created, notifications_send_due()


@RUNS
def test_batch_with_errors_sends_one_slack_message_and_one_email(
    make_workflow, run_batch, channels, slack_server, smtp_server
):
    channels()
    wf = workflow(make_workflow, fail={"b"})
    batch = run_batch(wf)
    assert batch.status == "COMPLETED_WITH_ERRORS"

    created, report = pump_once()
    assert created == 2 and (report.sent, report.retrying, report.failed) == (2, 0, 0)
    [slack] = slack_server.messages
    text = slack["text"]
    assert f"Batch completed with errors: {wf.name}" in text
    assert batch.id in text and "COMPLETED_WITH_ERRORS" in text
    assert "DONE 1, ERROR 1; items: 3" in text
    assert f"https://ops.example.test/batches/{batch.id}/" in text
    [mail] = smtp_server.inbox.messages
    assert mail["to"] == ["ops@example.test"]
    assert mail["message"]["Subject"] == f"[yooini] Batch completed with errors: {wf.name}"
    body = mail["message"].get_content()
    assert "DONE 1, ERROR 1" in body and f"/batches/{batch.id}/" in body

    # Collecting and sending again, before and after the cursor settles, sends nothing more.
    assert pump_once()[0] == 0
    from orchestrator.core.clock import get_clock

    get_clock().advance(SETTLE_SECONDS + 1)
    assert pump_once()[0] == 0
    assert EventCursor.objects.get().last_event_id > 0
    assert len(slack_server.messages) == 1 and len(smtp_server.inbox.messages) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {"SENT"}


@RUNS
def test_batch_where_every_cell_fails_is_reported_failed(
    make_workflow, run_batch, channels, slack_server, smtp_server
):
    channels()
    batch = run_batch(workflow(make_workflow, fail={"a", "b"}))
    assert batch.status == "FAILED"
    pump_once()
    [slack] = slack_server.messages
    assert "Batch failed:" in slack["text"] and "ended FAILED" in slack["text"]
    assert "ERROR 2; items: 0" in slack["text"]
    [mail] = smtp_server.inbox.messages
    assert mail["message"]["Subject"].startswith("[yooini] Batch failed:")


@RUNS
def test_a_channel_for_one_workflow_gets_nothing_from_another(
    make_workflow, run_batch, slack_server, smtp_server
):
    wf_a = workflow(make_workflow, fail={"a"})
    wf_b = workflow(make_workflow, fail={"a"})
    channel_create(name="a-only", kind="slack", webhook_url=slack_server.url, workflow=wf_a.name)
    run_batch(wf_b)
    assert pump_once()[0] == 0
    assert slack_server.messages == []
    batch_a = run_batch(wf_a)
    pump_once()
    [slack] = slack_server.messages
    assert wf_a.name in slack["text"] and batch_a.id in slack["text"]


def batch_event(kind: str, workflow: str = "wf_x", batch_id: str = "b_1") -> None:
    event_emit(kind, {"workflow": workflow, "totals": {"DONE": 1}}, correlation_id=batch_id)


def test_event_kinds_choose_what_a_channel_gets(slack_server, smtp_server, db):
    channel_create(name="default", kind="email", recipients="a@example.test")
    channel_create(
        name="successes",
        kind="email",
        recipients="b@example.test",
        event_kinds=["batch.completed"],
    )
    channel_create(
        name="breakers", kind="slack", webhook_url=slack_server.url, event_kinds=["breaker.open"]
    )
    batch_event("batch.completed", batch_id="b_1")  # opt-in only
    batch_event("batch.completed_with_errors", batch_id="b_2")
    pump_once()
    got = sorted(
        (m["to"][0], m["message"]["Subject"].split(":")[0]) for m in smtp_server.inbox.messages
    )
    assert got == [
        ("a@example.test", "[yooini] Batch completed with errors"),
        ("b@example.test", "[yooini] Batch completed"),
    ]
    assert slack_server.messages == []


def test_breaker_open_and_listing_suspended_name_the_batch_workflow(
    make_workflow, channels, slack_server, smtp_server, db
):
    wf = workflow(make_workflow)
    batch = batch_start(wf.name).batch
    slack, _ = channels(event_kinds=["breaker.open", "listing.suspended"])
    event_emit(
        "breaker.open",
        {"resource": "supplier:musinsa", "failures": 5, "was": "CLOSED"},
        source="engine",
        correlation_id=batch.id,
    )
    event_emit(
        "listing.suspended",
        {
            "account": "buyma-main",
            "reference_number": "REF-20260127-7",
            "product": "musinsa:123",
            "reason": "margin below floor",
        },
        correlation_id=batch.id,
    )
    created, report = pump_once()
    assert created == 4 and report.sent == 4
    breaker, listing = (m["text"] for m in slack_server.messages)
    assert "Circuit breaker opened: supplier:musinsa" in breaker
    assert "after 5 failures in a row (it was CLOSED)" in breaker
    assert f"Workflow {wf.name}, batch {batch.id}" in breaker
    assert "Listing suspended: REF-20260127-7" in listing
    assert "Account buyma-main suspended listing REF-20260127-7 (product musinsa:123)" in listing
    assert "Reason: margin below floor." in listing
    assert f"/batches/{batch.id}/" in listing
    subjects = sorted(m["message"]["Subject"] for m in smtp_server.inbox.messages)
    assert subjects == [
        "[yooini] Circuit breaker opened: supplier:musinsa",
        "[yooini] Listing suspended: REF-20260127-7",
    ]


def test_channels_get_only_events_after_they_were_made_and_disabled_ones_nothing(
    slack_server, smtp_server, manual_clock, db
):
    batch_event("batch.failed", batch_id="b_1")
    manual_clock.advance(1)
    channel_create(name="late", kind="slack", webhook_url=slack_server.url)
    channel_create(name="off", kind="email", recipients="x@example.test", enabled=False)
    assert pump_once()[0] == 0
    batch_event("batch.failed", batch_id="b_2")
    assert pump_once()[0] == 1
    assert len(slack_server.messages) == 1 and smtp_server.inbox.messages == []


def test_the_cursor_only_passes_settled_events(slack_server, smtp_server, manual_clock, db):
    from orchestrator.models import Event

    channel_create(name="s", kind="slack", webhook_url=slack_server.url)
    event_emit("batch.failed", {"workflow": "w", "totals": {"ERROR": 1}}, correlation_id="b1")
    event = Event.objects.latest("id")
    assert notifications_collect() == 1
    # Younger than the settling time: read again next time (an older id may still commit).
    assert EventCursor.objects.get().last_event_id == event.id - 1
    assert notifications_collect() == 0
    manual_clock.advance(SETTLE_SECONDS + 1)
    assert notifications_collect() == 0
    assert EventCursor.objects.get().last_event_id == Event.objects.latest("id").id
    assert Delivery.objects.count() == 1
