"""The Prometheus collector: every figure is read from the database at scrape time.

The database is the engine's only truth, shared by every process and machine, so any one web
process answers for the whole installation. A scrape is seven small queries, each grouped or
counted in the database, so it stays fast however many stage runs the tables hold.

Counters are sums over the rows still in the tables: pruning old batches or retrying cells
lowers them, which Prometheus reads as a counter reset (``rate()`` and ``increase()`` cope).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, F, FloatField, Func, Q, Sum
from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.utils import floatToGoString

from orchestrator.core import breaker as br
from orchestrator.core.clock import get_clock
from orchestrator.models import Batch, BatchStatus, CellStatus, Event, ResourceState, StageRun
from orchestrator.services.resources import breaker_policy_of, breaker_state_of

# Stage runs last from milliseconds (a cached lookup) to an hour (a full catalogue upload).
DURATION_BUCKETS = (0.05, 0.25, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)
BREAKER_VALUES = {br.CLOSED: 0, br.HALF_OPEN: 1, br.OPEN: 2}


class EngineCollector:
    """Collects the engine's figures from the database on each scrape."""

    def collect(self) -> Iterator[Metric]:
        yield _batches()
        yield from _stages_done()
        yield from _stage_failures()
        yield from _cells_waiting()
        yield from _resources()
        yield _events_undelivered()


def registry_create() -> CollectorRegistry:
    """A registry of its own holding only the engine collector (the process-global one
    would add this process's Python figures, which say nothing about the installation)."""
    from analytics.metrics import AnalyticsCollector

    registry = CollectorRegistry(auto_describe=False)
    registry.register(EngineCollector())
    registry.register(AnalyticsCollector())
    return registry


class RunSeconds(Func):
    """``finished_at - started_at`` in seconds, in each database's own arithmetic (Django's
    portable datetime subtraction calls a Python function per row on SQLite: 10x slower)."""

    output_field = FloatField()

    def __init__(self) -> None:
        super().__init__(F("started_at"), F("finished_at"))

    def _compiled(self, compiler, connection) -> tuple[str, str, list, list]:
        started, finished = self.get_source_expressions()
        started_sql, started_params = compiler.compile(started)
        finished_sql, finished_params = compiler.compile(finished)
        return started_sql, finished_sql, list(started_params), list(finished_params)

    def as_sqlite(self, compiler, connection, **extra):
        started, finished, p_start, p_finish = self._compiled(compiler, connection)
        sql = f"((julianday({finished}) - julianday({started})) * 86400.0)"
        return sql, [*p_finish, *p_start]

    def as_mysql(self, compiler, connection, **extra):
        started, finished, p_start, p_finish = self._compiled(compiler, connection)
        sql = f"(TIMESTAMPDIFF(MICROSECOND, {started}, {finished}) / 1000000.0)"
        return sql, [*p_start, *p_finish]

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        started, finished, p_start, p_finish = self._compiled(compiler, connection)
        sql = f"EXTRACT(EPOCH FROM ({finished} - {started}))::double precision"
        return sql, [*p_finish, *p_start]


def _batches() -> Metric:
    family = GaugeMetricFamily(
        "yooini_batches", "Batches by workflow and status.", labels=["workflow", "status"]
    )
    rows = Batch.objects.values("workflow", "status").annotate(n=Count("id")).order_by()
    for row in rows:
        family.add_metric([row["workflow"], row["status"]], row["n"])
    return family


def _stages_done() -> Iterator[Metric]:
    """Duration histogram and items of DONE stage runs, from one grouped query whose bucket
    counts are conditional counts (portable: FILTER on PostgreSQL, CASE elsewhere)."""
    buckets = {
        f"le_{i}": Count("id", filter=Q(seconds__lte=bound))
        for i, bound in enumerate(DURATION_BUCKETS)
    }
    rows = (
        StageRun.objects.filter(
            status=CellStatus.DONE, started_at__isnull=False, finished_at__isnull=False
        )
        .alias(seconds=RunSeconds())
        .values("workflow", "stage")
        .annotate(n=Count("id"), total=Sum("seconds"), items=Sum("item_count"), **buckets)
        .order_by()
    )
    histogram = HistogramMetricFamily(
        "yooini_stage_run_duration_seconds",
        "Duration of DONE stage runs (finished_at - started_at of their last attempt).",
        labels=["workflow", "stage"],
    )
    items = CounterMetricFamily(
        "yooini_items_processed",
        "Items processed by DONE stage runs (sum of their item counts).",
        labels=["workflow", "stage"],
    )
    for row in rows:
        labels = [row["workflow"], row["stage"]]
        cumulative = [
            (floatToGoString(bound), row[f"le_{i}"]) for i, bound in enumerate(DURATION_BUCKETS)
        ]
        cumulative.append(("+Inf", row["n"]))
        histogram.add_metric(labels, cumulative, float(row["total"] or 0.0))
        items.add_metric(labels, row["items"] or 0)
    yield histogram
    yield items


def _stage_failures() -> Iterator[Metric]:
    """Failed attempts and retries. Every failed attempt is either retried or final (the cell
    ends in ERROR), so retries are the failures minus the ERROR cells' last ones."""
    rows = (
        StageRun.objects.filter(failures__gt=0)
        .values("workflow", "stage")
        .annotate(
            failures=Sum("failures"),
            final=Count("id", filter=Q(status=CellStatus.ERROR)),
        )
        .order_by()
    )
    failures = CounterMetricFamily(
        "yooini_stage_failures",
        "Failed attempts of stage runs (errors and timeouts), retried or not.",
        labels=["workflow", "stage"],
    )
    retries = CounterMetricFamily(
        "yooini_stage_retries",
        "Failed attempts that were retried (failures minus those that ended a stage run in ERROR).",
        labels=["workflow", "stage"],
    )
    for row in rows:
        labels = [row["workflow"], row["stage"]]
        failures.add_metric(labels, row["failures"])
        retries.add_metric(labels, row["failures"] - row["final"])
    yield failures
    yield retries


def _cells_waiting() -> Iterator[Metric]:
    rows = (
        StageRun.objects.filter(status__in=(CellStatus.PENDING, CellStatus.RUNNING))
        .values("workflow")
        .annotate(
            running=Count("id", filter=Q(status=CellStatus.RUNNING)),
            ready=Count(
                "id",
                filter=Q(
                    status=CellStatus.PENDING, waiting_on=0, batch__status=BatchStatus.RUNNING
                ),
            ),
        )
        .order_by()
    )
    ready = GaugeMetricFamily(
        "yooini_stage_runs_ready",
        "PENDING stage runs with nothing upstream left, in RUNNING batches (including those"
        " waiting out a retry delay or a resource limit).",
        labels=["workflow"],
    )
    running = GaugeMetricFamily(
        "yooini_stage_runs_running", "Stage runs running now.", labels=["workflow"]
    )
    for row in rows:
        ready.add_metric([row["workflow"]], row["ready"])
        running.add_metric([row["workflow"]], row["running"])
    yield ready
    yield running


def _resources() -> Iterator[Metric]:
    running_by = dict(
        StageRun.objects.filter(status=CellStatus.RUNNING)
        .exclude(resource="")
        .values("resource")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("resource", "n")
    )
    running = GaugeMetricFamily(
        "yooini_resource_stage_runs_running",
        "Stage runs running now on each shared resource.",
        labels=["resource"],
    )
    state = GaugeMetricFamily(
        "yooini_breaker_state",
        "Circuit breaker of each resource that has one: 0 closed, 1 half-open, 2 open.",
        labels=["resource"],
    )
    failures = GaugeMetricFamily(
        "yooini_breaker_consecutive_failures",
        "Consecutive failures counted by each resource's circuit breaker.",
        labels=["resource"],
    )
    now = get_clock().now()
    names = set(running_by)
    for row in ResourceState.objects.order_by("name"):
        names.add(row.name)
        policy = breaker_policy_of(row)
        if policy is None:
            continue
        status = br.effective_status(breaker_state_of(row), policy, now)
        state.add_metric([row.name], BREAKER_VALUES.get(status, 0))
        failures.add_metric([row.name], row.breaker_failures)
    for name in sorted(names):
        running.add_metric([name], running_by.get(name, 0))
    yield running
    yield state
    yield failures


def _events_undelivered() -> Metric:
    family = GaugeMetricFamily(
        "yooini_events_undelivered", "Events in the outbox not yet delivered to their handlers."
    )
    family.add_metric([], Event.objects.filter(dispatched_at__isnull=True).count())
    return family
