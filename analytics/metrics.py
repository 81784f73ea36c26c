"""The analytics figures of ``/metrics``, read from the database at scrape time: per stream
consumer its events and late events (``rate()`` of the counter is the throughput), how far
its watermark is behind the clock (the stream's lag in event time) and when it last
checkpointed; the dead letters by topic."""

from __future__ import annotations

import time
from collections.abc import Iterator

from django.db.models import Count
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from analytics.models import DeadLetter, StreamCheckpoint


class AnalyticsCollector:
    def collect(self) -> Iterator[Metric]:
        events = CounterMetricFamily(
            "yooini_analytics_stream_events",
            "Events a stream consumer applied",
            labels=["stream", "topic"],
        )
        late = CounterMetricFamily(
            "yooini_analytics_stream_late_events",
            "Events older than the watermark, counted and not applied",
            labels=["stream", "topic"],
        )
        lag = GaugeMetricFamily(
            "yooini_analytics_stream_lag_seconds",
            "How far the consumer's watermark (event time) is behind the clock",
            labels=["stream", "topic"],
        )
        age = GaugeMetricFamily(
            "yooini_analytics_stream_checkpoint_age_seconds",
            "Seconds since the consumer last committed its state and offset",
            labels=["stream", "topic"],
        )
        now = time.time()
        for c in StreamCheckpoint.objects.all():
            labels = [c.name, c.topic]
            events.add_metric(labels, c.events)
            late.add_metric(labels, c.late_events)
            if c.watermark is not None:
                lag.add_metric(labels, max(0.0, now - c.watermark / 1000))
            age.add_metric(labels, max(0.0, now - c.updated_at.timestamp()))
        yield from (events, late, lag, age)
        dead = CounterMetricFamily(
            "yooini_analytics_dead_letters", "Events refused at ingestion", labels=["topic"]
        )
        for row in DeadLetter.objects.values("topic").annotate(n=Count("id")).order_by("topic"):
            dead.add_metric([row["topic"]], row["n"])
        yield dead
