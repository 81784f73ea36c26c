"""/metrics after real batches: the figures are read from the database at scrape time."""

from __future__ import annotations

import itertools
import time
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from orchestrator import NO_RETRY, BreakerPolicy, Retry, resource
from orchestrator.models import Batch, CellStatus, Event, StageRun
from orchestrator.services.batches import batch_start
from orchestrator.services.claims import claims_take

pytestmark = pytest.mark.usefixtures("transactional_db")

_names = itertools.count(1)


def scrape(client: Client | None = None, **headers) -> dict[tuple[str, tuple], float]:
    """The scraped samples as {(sample name, sorted labels): value}."""
    response = (client or Client()).get("/metrics", headers=headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def unique_resource(**kwargs) -> str:
    name = f"metrics-res-{next(_names)}"
    resource(name, **kwargs)
    return name


def test_done_stage_runs_give_the_duration_histogram_and_items(make_workflow, run_batch):
    wf = make_workflow("grid", partitions=["a", "b", "c"])

    @wf.stage
    def fetch(ctx, partition):
        return 2

    @wf.stage(after=fetch)
    def store(ctx, partition):
        ctx.add_items(5)

    batch = run_batch(wf)
    assert batch.status == "COMPLETED"
    # Known durations, so each bucket's count is checked, not only the total.
    for partition, seconds in (("a", 0.01), ("b", 2.0), ("c", 100.0)):
        cell = StageRun.objects.get(batch=batch, partition=partition, stage="fetch")
        StageRun.objects.filter(id=cell.id).update(
            finished_at=cell.started_at + timedelta(seconds=seconds)
        )

    samples = scrape()
    labels = {"workflow": wf.name, "stage": "fetch"}
    name = "yooini_stage_run_duration_seconds"
    assert value(samples, f"{name}_count", **labels) == 3
    assert value(samples, f"{name}_sum", **labels) == pytest.approx(102.01, abs=0.01)
    bucket = f"{name}_bucket"
    assert value(samples, bucket, le="0.05", **labels) == 1
    assert value(samples, bucket, le="1.0", **labels) == 1
    assert value(samples, bucket, le="5.0", **labels) == 2
    assert value(samples, bucket, le="60.0", **labels) == 2
    assert value(samples, bucket, le="300.0", **labels) == 3
    assert value(samples, bucket, le="+Inf", **labels) == 3
    assert value(samples, f"{name}_count", workflow=wf.name, stage="store") == 3
    assert value(samples, "yooini_items_processed_total", **labels) == 6
    assert value(samples, "yooini_items_processed_total", workflow=wf.name, stage="store") == 15
    assert value(samples, "yooini_batches", workflow=wf.name, status="COMPLETED") == 1
    assert value(samples, "yooini_stage_failures_total", **labels) is None


def test_failures_and_retries(make_workflow, run_batch):
    wf = make_workflow("flaky", partitions=["p1", "p2"])
    tried: dict[str, int] = {}

    @wf.stage(retry=Retry(attempts=3, base_delay=0, jitter=0))
    def once_flaky(ctx, partition):
        tried[partition] = tried.get(partition, 0) + 1
        if tried[partition] == 1:
            raise ConnectionError("first try fails")

    @wf.stage(after=once_flaky, retry=Retry(attempts=3, base_delay=0, jitter=0))
    def broken(ctx, partition):
        raise ValueError("always")

    batch = run_batch(wf)
    assert batch.status == "COMPLETED_WITH_ERRORS"
    samples = scrape()
    flaky = {"workflow": wf.name, "stage": "once_flaky"}
    always = {"workflow": wf.name, "stage": "broken"}
    assert value(samples, "yooini_stage_failures_total", **flaky) == 2
    assert value(samples, "yooini_stage_retries_total", **flaky) == 2
    # 3 attempts in each of 2 partitions, all failed; the last ones were not retried
    assert value(samples, "yooini_stage_failures_total", **always) == 6
    assert value(samples, "yooini_stage_retries_total", **always) == 4
    assert value(samples, "yooini_batches", workflow=wf.name, status="COMPLETED_WITH_ERRORS") == 1


def test_a_tripped_breaker_reads_open_then_half_open(make_workflow, run_batch, manual_clock):
    name = unique_resource(breaker=BreakerPolicy(threshold=2, reset_after=600))
    calm = unique_resource(breaker=BreakerPolicy(threshold=5, reset_after=60))
    wf = make_workflow("mall", partitions=["b1", "b2"])

    @wf.stage(resource=name, retry=NO_RETRY)
    def collect(ctx, partition):
        raise ConnectionError("503 from mall")

    @wf.stage(resource=calm, retry=NO_RETRY)
    def other(ctx, partition):
        return 1

    run_batch(wf)
    samples = scrape()
    assert value(samples, "yooini_breaker_state", resource=name) == 2
    assert value(samples, "yooini_breaker_consecutive_failures", resource=name) == 2
    assert value(samples, "yooini_breaker_state", resource=calm) == 0
    assert value(samples, "yooini_resource_stage_runs_running", resource=name) == 0

    manual_clock.advance(601)
    assert value(scrape(), "yooini_breaker_state", resource=name) == 1


def test_ready_running_and_undelivered(make_workflow):
    site = unique_resource(concurrency=5)
    wf = make_workflow("queue", partitions=["p1", "p2", "p3"])

    @wf.stage(resource=site)
    def first(ctx, partition):
        return 1

    @wf.stage(after=first)
    def second(ctx, partition):
        return 1

    batch = batch_start(wf.name).batch
    samples = scrape()
    assert value(samples, "yooini_stage_runs_ready", workflow=wf.name) == 3
    assert value(samples, "yooini_stage_runs_running", workflow=wf.name) == 0

    from django.utils import timezone

    taken = claims_take(
        batch_ids=[batch.id], owner="test", limit=2, now=timezone.now(), lease_seconds=60
    )
    assert len(taken.claims) == 2
    samples = scrape()
    assert value(samples, "yooini_stage_runs_ready", workflow=wf.name) == 1
    assert value(samples, "yooini_stage_runs_running", workflow=wf.name) == 2
    assert value(samples, "yooini_resource_stage_runs_running", resource=site) == 2
    assert value(samples, "yooini_batches", workflow=wf.name, status="RUNNING") == 1
    assert value(samples, "yooini_events_undelivered") == 0  # delivered on commit
    Event.objects.create(type="test.waiting", created_at=timezone.now())
    assert value(scrape(), "yooini_events_undelivered") == 1

    Batch.objects.filter(id=batch.id).update(status="CANCELLED")
    assert value(scrape(), "yooini_stage_runs_ready", workflow=wf.name) == 0


@override_settings(YOOINI_METRICS_TOKEN="metrics-s3cret")
def test_the_token_is_required_when_set():
    client = Client()
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert b"metrics-s3cret" not in wrong.content
    assert (
        client.get("/metrics", headers={"Authorization": "Token metrics-s3cret"}).status_code == 401
    )
    assert scrape(client, Authorization="Bearer metrics-s3cret") is not None


@override_settings(YOOINI_METRICS_TOKEN="")
def test_no_token_leaves_metrics_open():
    assert Client().get("/metrics").status_code == 200


def test_a_scrape_of_ten_thousand_stage_runs_is_fast(make_workflow):
    wf = make_workflow("big", partitions=[f"p{i:05d}" for i in range(5000)])

    @wf.stage
    def fetch(ctx, partition):
        return 1

    @wf.stage(after=fetch)
    def store(ctx, partition):
        return 1

    batch = batch_start(wf.name).batch
    assert StageRun.objects.filter(batch=batch).count() == 10_000
    first = StageRun.objects.filter(batch=batch, stage="fetch")
    started = batch.created_at
    first.update(
        status=CellStatus.DONE,
        item_count=3,
        started_at=started,
        finished_at=started + timedelta(seconds=2),
    )
    began = time.perf_counter()
    samples = scrape()
    took = time.perf_counter() - began
    labels = {"workflow": wf.name, "stage": "fetch"}
    assert value(samples, "yooini_stage_run_duration_seconds_count", **labels) == 5000
    assert value(samples, "yooini_items_processed_total", **labels) == 15_000
    assert took < 5.0, f"scrape took {took:.3f}s"
    print(f"scrape of 10k stage runs: {took * 1000:.0f} ms")
