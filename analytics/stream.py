"""``yooini analytics stream``: consume the log's ``user-events``, keep sessions, product
popularity and anomaly alerts (``analytics.windows``), and checkpoint.

Each step reads up to ``batch`` log entries, applies their events, and then, in ONE database
transaction, stores what closed (sessions, windows, alerts) and the checkpoint (the last
entry's offset and the open state). A kill at any moment loses the step in flight, which the
restart reads again from the checkpoint's offset: nothing is lost, nothing counted twice. The
sinks are unique on their keys as well, so a result written twice would be refused, not doubled.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.db import transaction

from analytics import registry, wire
from analytics.codec import codec_for
from analytics.models import AnomalyAlert, ProductPopularity, SessionSummary, StreamCheckpoint
from analytics.transports import Transport
from analytics.windows import StreamWindows
from orchestrator.services.events import NewEvent, events_emit

log = logging.getLogger(__name__)
TOPIC = "user-events"
ANOMALY_EVENT = "analytics.anomaly"  # notifications.models.ANALYTICS_ANOMALY


@dataclass
class StepResult:
    entries: int = 0
    events: int = 0
    sessions: int = 0
    windows: int = 0
    alerts: int = 0


class StreamProcessor:
    def __init__(self, transport: Transport, *, name: str = "default", lateness_ms: int = 5000):
        self.transport, self.name, self.lateness_ms = transport, name, lateness_ms
        self.reader = registry.latest(TOPIC)
        self.codec = codec_for(self.reader)
        checkpoint, _ = StreamCheckpoint.objects.get_or_create(
            name=name, topic=TOPIC, defaults={"state": b""}
        )
        self.offset = checkpoint.offset
        self.windows = StreamWindows.restore(bytes(checkpoint.state), lateness_ms=lateness_ms)

    def _events(self, entry_data: bytes) -> list[dict]:
        events = []
        for event in wire.unpack(entry_data):
            schema_id, body = wire.unframe(event)
            writer = registry.by_id(schema_id)
            if writer.subject == self.reader.subject and writer.version > self.reader.version:
                # a newer version: BACKWARD compatible, so it reads everything before it too
                self.reader, self.codec = writer, codec_for(writer)
            events.append(self.codec.to_record(body, writer))
        return events

    def step(self, batch: int = 100, wait: float = 0.1) -> StepResult:
        entries = self.transport.read(TOPIC, self.offset, batch, wait=wait)
        result = StepResult(entries=len(entries))
        if not entries:
            return result
        alerts = []
        for entry in entries:
            events = self._events(entry.data)
            result.events += len(events)
            alerts += self.windows.apply(events)
        sessions, windows = self.windows.closed()
        state = self.windows.state
        with transaction.atomic():
            SessionSummary.objects.bulk_create(
                [
                    SessionSummary(
                        stream=self.name,
                        session_id=s.key,
                        user_id=s.user_id,
                        start_ms=s.start,
                        end_ms=s.end,
                        events=s.events,
                        page_views=s.page_views,
                        clicks=s.clicks,
                        purchased=s.purchased,
                    )
                    for s in sessions
                ],
                batch_size=500,
                ignore_conflicts=True,  # idempotent: a producer's retry repeats event ids
            )
            ProductPopularity.objects.bulk_create(
                [
                    ProductPopularity(
                        stream=self.name, window_start_ms=start, product_id=product, events=n
                    )
                    for start, product, n in windows
                ],
                batch_size=500,
                ignore_conflicts=True,  # idempotent: a producer's retry repeats event ids
            )
            AnomalyAlert.objects.bulk_create(
                [
                    AnomalyAlert(
                        stream=self.name,
                        event_id=a.event_id,
                        user_id=a.user_id,
                        rule=a.rule,
                        reason=a.reason,
                        event_time_ms=a.event_time,
                    )
                    for a in alerts
                ],
                batch_size=500,
                ignore_conflicts=True,  # idempotent: a producer's retry repeats event ids
            )
            if alerts:  # one engine event per step, for the notifications; no user ids in it
                rules: dict[str, int] = {}
                for alert in alerts:
                    rules[alert.rule] = rules.get(alert.rule, 0) + 1
                events_emit(
                    [
                        NewEvent(
                            ANOMALY_EVENT,
                            {"stream": self.name, "count": len(alerts), "rules": rules},
                            source="analytics.stream",
                        )
                    ]
                )
            updated = StreamCheckpoint.objects.filter(
                name=self.name, topic=TOPIC, offset=self.offset
            ).update(
                offset=entries[-1].offset,
                state=self.windows.snapshot(),
                watermark=self.windows.watermark,
                events=state.events,
                late_events=state.late,
            )
            if updated != 1:  # another consumer of the same name moved the offset
                raise RuntimeError(
                    f"stream {self.name}: checkpoint moved from offset {self.offset} by another "
                    "consumer of the same name; stopping"
                )
        self.offset = entries[-1].offset
        result.sessions, result.windows, result.alerts = len(sessions), len(windows), len(alerts)
        return result

    def run(self, *, batch: int = 100, idle_exit: float | None = None) -> StepResult:
        """Step until stopped, or until the log has had nothing new for ``idle_exit`` s."""
        total = StepResult()
        idle_since = time.monotonic()
        while True:
            step = self.step(batch)
            for field in ("entries", "events", "sessions", "windows", "alerts"):
                setattr(total, field, getattr(total, field) + getattr(step, field))
            if step.entries:
                idle_since = time.monotonic()
            elif idle_exit is not None and time.monotonic() - idle_since >= idle_exit:
                return total
