"""Editing resources by hand: resources_usage, resource_update_limits and breaker_reset."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from orchestrator import BreakerPolicy, resource
from orchestrator.models import Event, ResourceState, StageRun
from orchestrator.selectors import resources_usage
from orchestrator.services.batches import batch_start
from orchestrator.services.claims import claims_take
from orchestrator.services.resources import (
    breaker_reset,
    resource_update_limits,
    resources_ensure,
)

LIMITS = {
    "concurrency": 2,
    "rate": 5.0,
    "rate_per": 2.0,
    "burst": 3.0,
    "breaker_threshold": 4,
    "breaker_reset_after": 30.0,
}


def _usage(name):
    return next(u for u in resources_usage() if u["name"] == name)


def test_usage_lists_limits_breaker_and_running_cells_in_two_queries(
    make_workflow, manual_clock, transactional_db, django_assert_num_queries
):
    resource("usage-a", concurrency=3)
    resource("usage-b", breaker=BreakerPolicy(threshold=2, reset_after=60))
    wf = make_workflow("usage", partitions=["p1", "p2", "p3"])
    wf.stage(lambda ctx, p: 1, name="fetch", resource="usage-a")
    wf.stage(lambda ctx, p: 1, name="other", resource="usage-b")
    batch = batch_start(wf.name).batch
    StageRun.objects.filter(batch=batch, stage="fetch", partition__in=["p1", "p2"]).update(
        status="RUNNING"
    )
    opened = manual_clock.now() - timedelta(seconds=10)
    ResourceState.objects.filter(name="usage-b").update(
        breaker_status="OPEN", breaker_failures=2, breaker_opened_at=opened
    )

    with django_assert_num_queries(2):
        usage = {u["name"]: u for u in resources_usage()}

    a, b = usage["usage-a"], usage["usage-b"]
    assert (a["concurrency"], a["running"], a["breaker_status"]) == (3, 2, "CLOSED")
    assert (b["running"], b["breaker_status"], b["breaker_failures"]) == (0, "OPEN", 2)
    assert b["breaker_threshold"] == 2 and b["breaker_reset_after"] == 60
    assert b["breaker_opened_at"] == opened
    manual_clock.advance(51)  # 61 s after it opened: the wait is over, a trial may run
    assert _usage("usage-b")["breaker_status"] == "HALF_OPEN"


def test_update_limits_writes_the_row_and_emits_an_event(db):
    ResourceState.objects.create(name="mall-x", concurrency=8, tokens=4.0)
    row = resource_update_limits("mall-x", **LIMITS, actor="kim")
    stored = ResourceState.objects.get(name="mall-x")
    for field, value in LIMITS.items():
        assert getattr(stored, field) == value == getattr(row, field)
    assert stored.tokens_at is None  # the bucket restarts full under the new rate
    event = Event.objects.get(type="resource.updated")
    assert event.payload["resource"] == "mall-x" and event.payload["by"] == "kim"
    assert event.payload["changed"]["concurrency"] == {"was": 8, "now": 2}


def test_empty_means_no_limit_and_an_unchanged_edit_writes_nothing(db):
    ResourceState.objects.create(name="mall-y", concurrency=2, rate=3.0, breaker_threshold=5)
    none = {**LIMITS, "concurrency": None, "rate": None, "burst": None, "breaker_threshold": None}
    resource_update_limits("mall-y", **none)
    stored = ResourceState.objects.get(name="mall-y")
    assert (stored.concurrency, stored.rate, stored.breaker_threshold) == (None, None, None)
    resource_update_limits("mall-y", **none)
    assert Event.objects.filter(type="resource.updated").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"concurrency": 0}, "concurrency"),
        ({"concurrency": 1.5}, "concurrency"),
        ({"rate": -1.0}, "rate"),
        ({"rate_per": 0}, "rate_per"),
        ({"rate_per": None}, "rate_per"),
        ({"rate": None, "burst": 2.0}, "burst"),
        ({"breaker_threshold": 0}, "breaker_threshold"),
        ({"breaker_reset_after": -5.0}, "breaker_reset_after"),
        ({"concurrency": "3"}, "concurrency"),
    ],
)
def test_invalid_limits_are_refused_by_field_and_change_nothing(db, changes, field):
    ResourceState.objects.create(name="mall-z", concurrency=4)
    with pytest.raises(ValidationError) as caught:
        resource_update_limits("mall-z", **{**LIMITS, **changes})
    assert field in caught.value.message_dict
    assert ResourceState.objects.get(name="mall-z").concurrency == 4
    assert not Event.objects.filter(type="resource.updated").exists()


def test_unknown_resource_is_named(db):
    with pytest.raises(ResourceState.DoesNotExist, match="nowhere"):
        resource_update_limits("nowhere", **LIMITS)
    with pytest.raises(ResourceState.DoesNotExist, match="nowhere"):
        breaker_reset("nowhere")


def test_an_edit_survives_the_next_run_seeding_resources(db):
    resource("seeded-then-edited", concurrency=6)
    resources_ensure(["seeded-then-edited"])
    resource_update_limits("seeded-then-edited", **{**LIMITS, "concurrency": 1})
    resources_ensure(["seeded-then-edited"])  # what every batch_start does
    assert ResourceState.objects.get(name="seeded-then-edited").concurrency == 1


def test_breaker_reset_closes_an_open_breaker_and_lets_cells_start(
    make_workflow, manual_clock, transactional_db
):
    resource("down-mall", breaker=BreakerPolicy(threshold=2, reset_after=600))
    wf = make_workflow("down", partitions=["a", "b", "c"])
    wf.stage(lambda ctx, p: 1, name="collect", resource="down-mall")
    batch = batch_start(wf.name).batch
    now = manual_clock.now()
    ResourceState.objects.filter(name="down-mall").update(
        breaker_status="OPEN", breaker_failures=3, breaker_opened_at=now
    )
    take = dict(batch_ids=[batch.id], owner="w", limit=3, now=now, lease_seconds=30)
    assert claims_take(**take).claims == []  # open: nothing starts

    breaker_reset("down-mall", actor="lee")

    row = ResourceState.objects.get(name="down-mall")
    assert (row.breaker_status, row.breaker_failures, row.breaker_opened_at) == ("CLOSED", 0, None)
    event = Event.objects.get(type="breaker.reset")
    assert event.payload == {"resource": "down-mall", "was": "OPEN", "failures": 3, "by": "lee"}
    assert len(claims_take(**take).claims) == 3
