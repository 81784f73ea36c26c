"""Resource limits and breakers, measured by the stage bodies themselves, with real threads."""

import time
from datetime import timedelta

import pytest

from orchestrator import NO_RETRY, BreakerPolicy, RateLimit, Retry, resource
from orchestrator.core.workflow import registry
from orchestrator.execution import execute_claim
from orchestrator.models import Event, ResourceState, StageRun
from orchestrator.services.batches import batch_start
from orchestrator.services.claims import claims_take
from orchestrator.services.outcomes import outcomes_record
from orchestrator.tests.concurrency import Gauge

pytestmark = pytest.mark.usefixtures("transactional_db")


def test_resource_concurrency_holds_across_threads(make_workflow, run_batch):
    resource("site-one-at-a-time", concurrency=1)
    gauge = Gauge()
    wf = make_workflow("naver", partitions=[f"store{i}" for i in range(12)])

    @wf.stage(resource="site-one-at-a-time", retry=NO_RETRY)
    def collect(ctx, partition):
        with gauge:
            time.sleep(0.01)

    batch = run_batch(wf, executor="threads", concurrency=6)
    assert batch.status == "COMPLETED"
    assert gauge.peak == 1


def test_per_stage_cap(make_workflow, run_batch):
    gauge = Gauge()
    wf = make_workflow("thumbs", partitions=[f"p{i}" for i in range(16)])

    @wf.stage(concurrency=2, retry=NO_RETRY)
    def thumbnail(ctx, partition):
        with gauge:
            time.sleep(0.01)

    assert run_batch(wf, executor="threads", concurrency=8).status == "COMPLETED"
    assert gauge.peak == 2


def test_the_database_row_is_the_configuration(make_workflow, run_batch):
    resource("tunable", concurrency=1)
    gauge = Gauge()
    wf = make_workflow("tuned", partitions=[f"p{i}" for i in range(12)])

    @wf.stage(resource="tunable", retry=NO_RETRY)
    def work(ctx, partition):
        with gauge:
            time.sleep(0.05)

    batch_start(wf.name)
    ResourceState.objects.filter(name="tunable").update(
        concurrency=3
    )  # an operator raises the limit
    assert run_batch(wf, executor="threads", concurrency=8).status == "COMPLETED"
    assert 1 < gauge.peak <= 3  # the raised limit is read, and held


def test_rate_limit_spaces_starts(make_workflow, manual_clock, run_batch):
    resource("api-2-per-second", rate=RateLimit(rate=2, per=1.0))
    starts = []
    wf = make_workflow("rated", partitions=[f"p{i}" for i in range(6)])

    @wf.stage(resource="api-2-per-second", retry=NO_RETRY)
    def call(ctx, partition):
        starts.append(manual_clock.now())

    assert run_batch(wf, runner_kwargs={"max_sleep": 3600}).status == "COMPLETED"
    span = (starts[-1] - starts[0]).total_seconds()
    assert span >= 1.9  # 2 at once from a full bucket, then 2 per second: 6 starts need >= 2 s


def test_open_breaker_makes_cells_wait_not_fail(make_workflow, manual_clock, transactional_db):
    resource("flaky-mall", breaker=BreakerPolicy(threshold=2, reset_after=60))
    wf = make_workflow("mall", partitions=[f"brand{i}" for i in range(4)])
    site_up = {"value": False}

    @wf.stage(resource="flaky-mall", retry=Retry(attempts=10, base_delay=1, jitter=0))
    def collect(ctx, partition):
        if not site_up["value"]:
            raise ConnectionError("503 from mall")
        return 1

    batch = batch_start(wf.name).batch
    now = manual_clock.now()
    claims = claims_take(batch_ids=[batch.id], owner="w", limit=2, now=now, lease_seconds=30).claims
    outcomes_record([execute_claim(c) for c in claims], now=now)
    assert ResourceState.objects.get(name="flaky-mall").breaker_status == "OPEN"
    assert Event.objects.filter(type="breaker.open", payload__resource="flaky-mall").exists()
    later = now + timedelta(seconds=30)
    # open: nothing starts, nothing fails; the round knows when the breaker half-opens
    round_ = claims_take(batch_ids=[batch.id], owner="w", limit=4, now=later, lease_seconds=30)
    assert round_.claims == [] and round_.next_wake == now + timedelta(seconds=60)
    assert StageRun.objects.filter(batch=batch, status="ERROR").count() == 0
    # half-open: one trial only
    reopen = now + timedelta(seconds=61)
    trial = claims_take(
        batch_ids=[batch.id], owner="w", limit=4, now=reopen, lease_seconds=30
    ).claims
    assert len(trial) == 1
    site_up["value"] = True
    outcomes_record([execute_claim(trial[0])], now=reopen)
    state = ResourceState.objects.get(name="flaky-mall")
    assert state.breaker_status == "CLOSED" and state.breaker_failures == 0
    assert Event.objects.filter(type="breaker.closed").exists()
    rest = claims_take(
        batch_ids=[batch.id], owner="w", limit=4, now=reopen, lease_seconds=30
    ).claims
    assert len(rest) == 3


def test_resources_declared_in_code_seed_the_database_once(make_workflow, transactional_db):
    resource(
        "seeded", concurrency=4, rate=RateLimit(rate=5, per=2), breaker=BreakerPolicy(threshold=7)
    )
    wf = make_workflow("seed")
    wf.stage(lambda ctx, p: None, name="s", resource="seeded")
    batch_start(wf.name)
    row = ResourceState.objects.get(name="seeded")
    assert (row.concurrency, row.rate, row.rate_per, row.breaker_threshold) == (4, 5, 2, 7)
    assert registry.resource("undeclared").concurrency is None


def test_a_resource_per_partition_limits_each_site_on_its_own(make_workflow, run_batch):
    resource("site:okmall", concurrency=1)
    resource("site:wconcept", concurrency=1)
    gauges = {"okmall": Gauge(), "wconcept": Gauge()}
    partitions = [f"{mall}/brand{i}" for mall in gauges for i in range(6)]
    wf = make_workflow("malls", partitions=partitions)

    @wf.stage(resource=lambda partition: "site:" + partition.split("/")[0], retry=NO_RETRY)
    def collect(ctx, partition):
        with gauges[partition.split("/")[0]]:
            time.sleep(0.01)

    batch = run_batch(wf, executor="threads", concurrency=6)
    assert batch.status == "COMPLETED"
    assert gauges["okmall"].peak == 1 and gauges["wconcept"].peak == 1
    assert set(StageRun.objects.filter(batch=batch).values_list("resource", flat=True)) == {
        "site:okmall",
        "site:wconcept",
    }
