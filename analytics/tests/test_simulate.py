"""``yooini analytics``: simulate load through the ingestion path, register schemas."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from analytics import registry, wire
from analytics.codec import decode
from analytics.models import DeadLetter
from analytics.simulate import EventFactory
from analytics.transports.embedded import EmbeddedLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_path(settings, tmp_path):
    settings.YOOINI_ANALYTICS_LOG = f"sqlite:{tmp_path / 'log.sqlite3'}"
    return tmp_path / "log.sqlite3"


def test_simulate_sends_the_rate_for_the_seconds_through_ingestion(log_path):
    out = StringIO()
    call_command(
        "analytics",
        "simulate",
        "--rate",
        "2000",
        "--seconds",
        "1",
        "--invalid",
        "0.05",
        "--batch",
        "200",
        stdout=out,
    )
    log = EmbeddedLog(log_path)
    counted, topics = 0, set()
    for topic in registry.BUNDLED_TOPICS:
        for entry in log.read(topic, None, 1000):
            for event in wire.unpack(entry.data):
                writer, _record = decode(event)
                assert writer.topic == topic
                counted += 1
                topics.add(topic)
    log.close()
    rejected = DeadLetter.objects.count()
    assert counted + rejected == 2000
    assert 20 <= rejected <= 200  # about 5%
    assert "user-events" in topics
    assert "sent 2000 events" in out.getvalue()
    assert f"{counted} accepted, {rejected} to dead letters" in out.getvalue()
    assert set(DeadLetter.objects.values_list("reason", flat=True)) == {
        "Expected `int`, got `str` - at `$.timestamp`"
    }


def test_generated_events_are_the_same_for_a_seed():
    assert EventFactory(7).batch("transactions", 5, 1) == EventFactory(7).batch(
        "transactions", 5, 1
    )
    assert EventFactory(7).batch("user-events", 5, 1) != EventFactory(8).batch("user-events", 5, 1)


def test_schema_register_refuses_an_incompatible_version_with_the_reason(tmp_path):
    registry.register_bundled()
    schema = json.loads((registry.SCHEMA_DIR / "inventory.avsc").read_text())
    schema["fields"].append({"name": "batchNo", "type": "string"})
    path = tmp_path / "inventory-v2.avsc"
    path.write_text(json.dumps(schema))
    with pytest.raises(CommandError, match=r"\$\.batchNo: new field without a default"):
        call_command("analytics", "schema-register", "inventory-value", str(path))
    schema["fields"][-1]["default"] = ""
    path.write_text(json.dumps(schema))
    out = StringIO()
    call_command("analytics", "schema-register", "inventory-value", str(path), stdout=out)
    assert "inventory-value v2: id" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_simulate_posts_to_a_running_servers_collect(live_server, settings, log_path):
    settings.YOOINI_ANALYTICS_COLLECT_KEY = "k"
    out = StringIO()
    call_command(
        "analytics",
        "simulate",
        "--rate",
        "1000",
        "--seconds",
        "0.5",
        "--invalid",
        "0.1",
        "--url",
        f"{live_server.url}/collect",
        stdout=out,
    )
    rejected = DeadLetter.objects.count()
    assert rejected > 0
    assert "sent 500 events" in out.getvalue()
    assert f"{500 - rejected} accepted, {rejected} to dead letters" in out.getvalue()
    settings.YOOINI_ANALYTICS_COLLECT_KEY = ""  # the server takes nothing: the command says so
    with pytest.raises(CommandError, match="answered 503"):
        call_command(
            "analytics",
            "simulate",
            "--rate",
            "10",
            "--seconds",
            "0.1",
            "--url",
            f"{live_server.url}/collect",
            stdout=StringIO(),
        )
