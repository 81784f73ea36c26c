"""POST /collect: JSON and Avro batches validated, the valid events appended to the log, each
invalid one a dead letter with its reason."""

from __future__ import annotations

import io
import json

import fastavro
import pytest

from analytics import registry, wire
from analytics.codec import decode
from analytics.models import DeadLetter
from analytics.tests.events import click, transaction
from analytics.transports.embedded import EmbeddedLog

pytestmark = pytest.mark.django_db
KEY = "test-collect-key"


@pytest.fixture
def log(settings, tmp_path):
    settings.YOOINI_VAR_DIR = tmp_path
    settings.YOOINI_ANALYTICS_LOG = f"sqlite:{tmp_path / 'log.sqlite3'}"
    settings.YOOINI_ANALYTICS_COLLECT_KEY = KEY
    log = EmbeddedLog(tmp_path / "log.sqlite3")
    yield log
    log.close()


def post(client, body: bytes, content_type="application/json", key=KEY):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post("/collect", body, content_type=content_type, headers=headers)


def logged(log, topic: str) -> list[dict]:
    return [
        decode(event)[1]
        for entry in log.read(topic, None, 1000)
        for event in wire.unpack(entry.data)
    ]


def avro_event(schema, record: dict) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, schema.parsed, record)
    return wire.frame(schema.id, out.getvalue())


def test_a_json_batch_is_accepted_but_for_its_invalid_events(client, log):
    events = [click(i) for i in range(5)]
    events[1]["eventType"] = "teleport"
    events[3] = {"eventId": "e3"}
    body = json.dumps({"topic": "user-events", "events": events}).encode()
    answer = post(client, body)
    assert answer.status_code == 200, answer.content
    result = answer.json()
    assert (result["accepted"], result["rejected"]) == (3, 2)
    assert [e["position"] for e in result["errors"]] == [1, 3]

    assert [e["eventId"] for e in logged(log, "user-events")] == ["e0", "e2", "e4"]
    assert logged(log, "user-events")[0] == {
        **click(0),
        "context": {**click(0)["context"], "referrer": None},
    }
    letters = {d.position: d for d in DeadLetter.objects.all()}
    assert sorted(letters) == [1, 3]
    assert "Invalid enum value 'teleport' - at `$.eventType`" in letters[1].reason
    assert "missing required field" in letters[3].reason
    assert letters[1].topic == "user-events"
    assert letters[1].schema_id == registry.latest("user-events").id
    assert json.loads(bytes(letters[1].payload))["eventType"] == "teleport"


def test_an_avro_batch_of_several_topics_goes_to_each_topics_log(client, log):
    clicks, orders = registry.latest("user-events"), registry.latest("transactions")
    good_click = {**click(1), "context": {**click(1)["context"], "referrer": None}}
    batch = [
        avro_event(clicks, good_click),
        avro_event(orders, transaction(1)),
        b"\x01" + avro_event(clicks, good_click)[1:],  # wrong magic byte
        wire.frame(987654, b"\x00"),  # unknown schema id
        avro_event(clicks, good_click)[:-3],  # cut short
        avro_event(orders, transaction(2)),
    ]
    answer = post(client, wire.pack(batch), content_type="application/vnd.yooini.avro-batch")
    assert answer.status_code == 200, answer.content
    assert (answer.json()["accepted"], answer.json()["rejected"]) == (3, 3)
    assert logged(log, "user-events") == [good_click]
    assert [t["transactionId"] for t in logged(log, "transactions")] == ["t1", "t2"]
    reasons = dict(DeadLetter.objects.values_list("position", "reason"))
    assert "magic byte is 1" in reasons[2]
    assert "unknown schema id 987654" in reasons[3]
    assert "not valid Avro" in reasons[4] or "bytes left" in reasons[4]


def test_an_old_schema_versions_avro_events_are_still_accepted(client, log):
    v1 = registry.latest("user-events")
    schema = json.loads(json.dumps(v1.schema))
    schema["fields"].append({"name": "experiment", "type": "string", "default": "none"})
    v2 = registry.register("user-events-value", schema)
    old = {**click(1), "context": {**click(1)["context"], "referrer": None}}
    new = {**old, "eventId": "e2", "experiment": "B"}
    body = wire.pack([avro_event(v1, old), avro_event(v2, new)])
    answer = post(client, body, content_type="application/vnd.yooini.avro-batch")
    assert answer.json()["accepted"] == 2
    entry = log.read("user-events", None, 1)[0]
    read = [decode(e, reader=v2)[1] for e in wire.unpack(entry.data)]
    assert [r["experiment"] for r in read] == ["none", "B"]
    # and the JSON path validates with the latest version
    body = json.dumps({"topic": "user-events", "events": [{**click(3), "experiment": 5}]})
    answer = post(client, body.encode())
    assert answer.json()["errors"][0]["reason"].endswith("at `$.experiment`")


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"not json", 400, "not JSON"),
        (b'{"events": []}', 400, "missing required field `topic`"),
        (b'{"topic": "nope", "events": []}', 400, "unknown topic 'nope'"),
    ],
)
def test_an_unreadable_batch_is_refused_whole(client, log, body, status, message):
    answer = post(client, body)
    assert answer.status_code == status
    assert message in answer.json()["error"]
    assert DeadLetter.objects.count() == 0


def test_collect_asks_for_the_key_and_a_known_content_type(client, log, settings):
    body = json.dumps({"topic": "user-events", "events": [click(1)]}).encode()
    assert post(client, body, key=None).status_code == 401
    assert post(client, body, key="wrong").status_code == 401
    assert post(client, body, content_type="text/plain").status_code == 415
    assert client.get("/collect").status_code == 405
    settings.YOOINI_ANALYTICS_COLLECT_KEY = ""
    assert post(client, body).status_code == 503
    assert log.last_offset("user-events") is None
