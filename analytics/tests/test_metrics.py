"""/metrics shows the stream's throughput counter, its lag and the dead letters."""

from __future__ import annotations

import time

import pytest

from analytics.models import DeadLetter, StreamCheckpoint

pytestmark = pytest.mark.django_db


def test_metrics_show_the_streams_events_lag_and_dead_letters(client, settings):
    settings.YOOINI_METRICS_TOKEN = ""
    StreamCheckpoint.objects.create(
        name="default",
        topic="user-events",
        offset=9,
        state=b"",
        events=1234,
        late_events=5,
        watermark=int((time.time() - 90) * 1000),
    )
    DeadLetter.objects.create(topic="user-events", position=0, reason="r", payload=b"x")
    DeadLetter.objects.create(topic="user-events", position=1, reason="r", payload=b"x")
    body = client.get("/metrics").content.decode()
    labels = '{stream="default",topic="user-events"}'
    assert f"yooini_analytics_stream_events_total{labels} 1234.0" in body
    assert f"yooini_analytics_stream_late_events_total{labels} 5.0" in body
    lag = next(
        line
        for line in body.splitlines()
        if line.startswith(f"yooini_analytics_stream_lag_seconds{labels}")
    )
    assert 89 <= float(lag.split()[-1]) < 150
    assert 'yooini_analytics_dead_letters_total{topic="user-events"} 2.0' in body
