"""The stream's anomaly alerts reach the notifications (an engine event per step, in the same
transaction as the alerts), with counts by rule and no user ids."""

from __future__ import annotations

import pytest

from analytics.models import AnomalyAlert
from analytics.stream import StreamProcessor
from analytics.tests.events import click
from analytics.tests.stream_events import append
from analytics.transports import transport_for
from notifications.models import Delivery
from notifications.services import channel_create, notifications_collect
from orchestrator.models import Event

pytestmark = pytest.mark.django_db


def test_anomaly_alerts_reach_a_channel_that_asks_for_them(tmp_path):
    channel = channel_create(
        name="fraud", kind="email", recipients="ops@example.test", event_kinds=["analytics.anomaly"]
    )
    log = transport_for(f"sqlite:{tmp_path / 'log.sqlite3'}")
    events = [click(0, userId="u-secret", eventType="page_view"), click(1, userId="u-secret")]
    events[1]["timestamp"] = events[0]["timestamp"] + 40  # a click 40 ms later
    for e in events:
        e["context"]["referrer"] = None
    append(log, events)
    StreamProcessor(log).run(idle_exit=0.2)
    log.close()

    assert list(AnomalyAlert.objects.values_list("event_id", "rule")) == [("e1", "fast_clicks")]
    event = Event.objects.get(type="analytics.anomaly")
    assert event.payload == {"stream": "default", "count": 1, "rules": {"fast_clicks": 1}}
    assert notifications_collect() >= 1
    delivery = Delivery.objects.get(channel=channel)
    assert "Analytics anomalies: 1 events" in delivery.subject
    assert "fast_clicks 1" in delivery.body
    assert "u-secret" not in delivery.subject + delivery.body


def test_an_event_sent_twice_raises_its_alert_once(tmp_path):
    log = transport_for(f"sqlite:{tmp_path / 'log.sqlite3'}")
    events = [click(0, eventType="page_view"), click(1)]
    events[1]["timestamp"] = events[0]["timestamp"] + 40
    for e in events:
        e["context"]["referrer"] = None
    append(log, events)
    append(log, [events[1]])  # a producer's retry: the same event again
    StreamProcessor(log).run(idle_exit=0.2)
    log.close()
    assert list(AnomalyAlert.objects.values_list("event_id", "rule")) == [("e1", "fast_clicks")]
