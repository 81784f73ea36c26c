"""Events: the outbox, subscribers, waiting for an event, and workflows started by events."""

import pytest

from orchestrator import NO_RETRY
from orchestrator.core.bus import subscribe
from orchestrator.models import Batch, Event
from orchestrator.services.events import event_emit, events_dispatch_pending, wait_for

pytestmark = pytest.mark.usefixtures("transactional_db")


def test_events_reach_subscribers_after_commit(make_workflow):
    got = []
    unsubscribe = subscribe("sheets.*", got.append)
    try:
        event_emit("sheets.row.changed", {"row": 5}, source="D", correlation_id="c1")
        event_emit("nas.file.added", {"path": "/x"})
    finally:
        unsubscribe()
    assert [e.type for e in got] == ["sheets.row.changed"]
    event = got[0]
    assert (event.payload, event.source, event.correlation_id) == ({"row": 5}, "D", "c1")
    assert Event.objects.filter(dispatched_at__isnull=True).count() == 0
    assert events_dispatch_pending() == 0  # each event is delivered once


def test_a_failing_subscriber_does_not_stop_the_others():
    got = []

    def broken(event):
        raise RuntimeError("subscriber bug")

    undo = [subscribe("x.happened", broken), subscribe("x.happened", got.append)]
    try:
        event_emit("x.happened", {})
    finally:
        for u in undo:
            u()
    assert len(got) == 1


def test_stage_events_carry_the_batch_as_correlation_id(make_workflow, run_batch):
    wf = make_workflow("emitter")

    @wf.stage(retry=NO_RETRY)
    def collect(ctx, partition):
        ctx.emit("product.collected", {"sku": "A1"})
        return 1

    batch = run_batch(wf)
    event = Event.objects.get(type="product.collected")
    assert event.correlation_id == batch.id and event.source == f"{wf.name}.collect"
    assert event.causation_id.startswith("stage_run:")
    assert wait_for("product.collected", correlation_id=batch.id, timeout=1).id == event.id


def test_wait_for_times_out(manual_clock):
    with pytest.raises(TimeoutError, match="within 2"):
        wait_for(["never.happens"], timeout=2)


def test_a_workflow_starts_when_its_trigger_event_is_emitted(make_workflow, run_batch):
    synced = []
    target = make_workflow("sheets_sync", trigger="sheets.sync.requested")

    @target.stage(retry=NO_RETRY)
    def sync(ctx, partition):
        synced.append(ctx.params["sheet"])

    source = make_workflow("scanner")

    @source.stage(retry=NO_RETRY)
    def scan(ctx, partition):
        ctx.emit("sheets.sync.requested", {"sheet": "hands-2026"})

    parent = run_batch(source)  # runs the triggered batch too, in the same run
    child = Batch.objects.get(workflow=target.name)
    assert child.parent_batch == parent.id and child.params == {"sheet": "hands-2026"}
    assert child.status == "COMPLETED" and synced == ["hands-2026"]
    assert events_dispatch_pending() == 0
    assert Batch.objects.filter(workflow=target.name).count() == 1  # once per event
