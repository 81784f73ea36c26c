"""The stream on each transport: what it stores matches a batch recomputation of the same
events exactly, and a kill -9 at random moments, then a restart, changes nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from analytics.models import AnomalyAlert, ProductPopularity, SessionSummary, StreamCheckpoint
from analytics.stream import StreamProcessor
from analytics.tests.servers import NATS_URL, REDIS_URL, server_required, unique_prefix
from analytics.tests.stream_events import append, clickstream
from analytics.transports import transport_for
from analytics.windows import StreamWindows, recompute

pytestmark = pytest.mark.django_db


def stored(name: str = "default") -> tuple[set, set]:
    sessions = set(
        SessionSummary.objects.filter(stream=name).values_list(
            "session_id", "start_ms", "end_ms", "events", "page_views", "clicks", "purchased"
        )
    )
    windows = set(
        ProductPopularity.objects.filter(stream=name).values_list(
            "window_start_ms", "product_id", "events"
        )
    )
    return sessions, windows


def expected_alerts(events: list[dict]) -> set:
    return {(a.event_id, a.rule) for a in StreamWindows().apply(events)}


@pytest.fixture(params=["embedded", "redis", "nats"])
def log(request, tmp_path):
    if request.param == "embedded":
        transport = transport_for(f"sqlite:{tmp_path / 'log.sqlite3'}")
    else:
        url = REDIS_URL if request.param == "redis" else NATS_URL
        server_required(url)
        transport = transport_for(url, prefix=unique_prefix())
    yield transport
    if hasattr(transport, "delete"):
        transport.delete()
    transport.close()


def test_the_stream_matches_the_batch_recomputation_on_each_transport(log):
    events = clickstream(2000)
    append(log, events)
    processor = StreamProcessor(log)
    total = processor.run(batch=7, idle_exit=0.3)
    assert total.events == 2000 and total.entries == 40
    checkpoint = StreamCheckpoint.objects.get(name="default")
    assert checkpoint.offset == log.last_offset("user-events")
    assert (checkpoint.events, checkpoint.late_events) == (2000, 0)
    sessions, windows = recompute(events, checkpoint.watermark)
    assert stored() == (sessions, windows)
    assert len(sessions) > 50 and len(windows) > 50
    alerts = set(AnomalyAlert.objects.values_list("event_id", "rule"))
    assert alerts == expected_alerts(events) and alerts

    # a new processor resumes from the checkpoint: new events only
    more = clickstream(300, seed=2)
    shift = max(e["timestamp"] for e in events) - min(e["timestamp"] for e in more)
    for event in more:  # later than everything before: none is late
        event["timestamp"] += shift
        event["eventId"] = "late-" + event["eventId"]
    append(log, more)
    again = StreamProcessor(log).run(batch=7, idle_exit=0.3)
    assert again.events == 300
    checkpoint.refresh_from_db()
    assert (checkpoint.events, checkpoint.late_events) == (2300, 0)
    assert stored() == recompute(events + more, checkpoint.watermark)


# Kills per transport. The offset is committed in the database whatever the transport, so
# ten on the embedded log and five on each server keep the suite near a minute and a half;
# YOOINI_STREAM_KILLS=10 (or more) digs deeper on every transport by hand.
_KILLS_ALL = int(os.environ.get("YOOINI_STREAM_KILLS", "0"))
KILLS = {"embedded": _KILLS_ALL or 10, "redis": _KILLS_ALL or 5, "nats": _KILLS_ALL or 5}


@pytest.mark.chaos
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", list(KILLS))
def test_kill_9_at_random_moments_then_restart_neither_loses_nor_doubles(tmp_path, kind):
    from orchestrator.tests.chaos import ROOT, database_url

    prefix = unique_prefix()
    url = {"embedded": f"sqlite:{tmp_path / 'log.sqlite3'}", "redis": REDIS_URL, "nats": NATS_URL}[
        kind
    ]
    if kind != "embedded":
        server_required(url)
    log = transport_for(url, prefix=prefix)
    events = clickstream(KILLS[kind] * 3000, seed=3)
    append(log, events, per_entry=20)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "yooini.settings",
        "YOOINI_VAR_DIR": str(tmp_path),
        "YOOINI_ANALYTICS_LOG": url,
        "YOOINI_ANALYTICS_LOG_PREFIX": prefix,
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "yooini.cli", "analytics", "stream", "--batch", "3"]
    rnd = random.Random(11)
    kills = 0
    last = log.last_offset("user-events")

    def offset():
        return (
            StreamCheckpoint.objects.filter(name="default").values_list("offset", flat=True).first()
        )

    try:
        while kills < KILLS[kind] and offset() != last:
            proc = subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            started = offset()
            deadline = time.monotonic() + 60
            # wait until it has moved on, then kill it at a random moment
            while offset() == started:
                assert proc.poll() is None, f"the stream ended (exit {proc.returncode})"
                assert time.monotonic() < deadline, "the stream made no progress"
                time.sleep(0.02)
            time.sleep(rnd.uniform(0, 0.15))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            kills += 1
        assert kills == KILLS[kind], "the log was consumed before the kills: make it longer"
        done = subprocess.run(
            [*command, "--idle-exit", "1"], env=env, cwd=ROOT, timeout=180, capture_output=True
        )
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        checkpoint = StreamCheckpoint.objects.get(name="default")
        assert checkpoint.offset == last
        assert (checkpoint.events, checkpoint.late_events) == (len(events), 0)
        assert stored() == recompute(events, checkpoint.watermark)
        assert set(AnomalyAlert.objects.values_list("event_id", "rule")) == expected_alerts(events)
    finally:
        if hasattr(log, "delete"):
            log.delete()
        log.close()


def test_the_stream_reads_on_when_a_new_schema_version_arrives(tmp_path):
    import json as json_

    from analytics import registry, wire
    from analytics.codec import codec_for

    log = transport_for(f"sqlite:{tmp_path / 'log.sqlite3'}")
    events = clickstream(200)
    append(log, events[:100])
    processor = StreamProcessor(log)
    processor.run(idle_exit=0.2)
    schema = json_.loads(json_.dumps(registry.latest("user-events").schema))
    schema["fields"].append({"name": "experiment", "type": "string", "default": "none"})
    v2 = codec_for(registry.register("user-events-value", schema))
    log.append(
        "user-events",
        wire.pack(
            [v2.from_json(json_.dumps({**e, "experiment": "B"}).encode()) for e in events[100:]]
        ),
    )
    assert processor.run(idle_exit=0.2).events == 100
    assert processor.reader.version == 2
    checkpoint = StreamCheckpoint.objects.get(name="default")
    assert checkpoint.events == 200
    assert stored() == recompute(events, checkpoint.watermark)
    log.close()
