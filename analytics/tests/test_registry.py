"""The schema registry: Confluent-style ids and versions, BACKWARD compatibility with reasons,
and schema evolution: a compatible new version reads old and new events."""

from __future__ import annotations

import copy
import json

import pytest

from analytics import registry
from analytics.codec import EventInvalid, codec_for, decode
from analytics.compatibility import incompatibilities
from analytics.registry import SchemaError, SchemaIncompatible
from analytics.tests.events import click

pytestmark = pytest.mark.django_db


def clickstream() -> dict:
    return json.loads((registry.SCHEMA_DIR / "clickstream.avsc").read_text())


def test_bundled_schemas_register_once_with_ids_and_versions():
    schemas = registry.register_bundled()
    assert [s.subject for s in schemas] == [
        "user-events-value",
        "transactions-value",
        "inventory-value",
        "support-logs-value",
    ]
    assert all(s.version == 1 for s in schemas)
    assert len({s.id for s in schemas}) == 4
    registry.cache_clear()
    assert [s.id for s in registry.register_bundled()] == [s.id for s in schemas]
    again = registry.register("user-events-value", clickstream())
    assert (again.id, again.version) == (schemas[0].id, 1)


def test_a_compatible_new_version_reads_old_and_new_events():
    v1 = registry.latest("user-events")
    old_event = codec_for(v1).from_json(json.dumps(click(1)).encode())

    schema = clickstream()
    schema["fields"].append({"name": "experiment", "type": "string", "default": "none"})
    schema["fields"][3]["type"]["symbols"].append("wishlist")  # a new enum symbol
    v2 = registry.register("user-events-value", schema)
    assert (v2.version, v2.id != v1.id) == (2, True)
    assert registry.latest("user-events") == v2

    writer, record = decode(old_event, reader=v2)
    assert writer == v1
    assert record["experiment"] == "none" and record["eventId"] == "e1"
    new_event = codec_for(v2).from_json(
        json.dumps(click(2, eventType="wishlist", experiment="B")).encode()
    )
    writer, record = decode(new_event)
    assert writer == v2 and record["experiment"] == "B" and record["eventType"] == "wishlist"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda s: s["fields"].append({"name": "experiment", "type": "string"}),
            "$.experiment: new field without a default",
        ),
        (
            lambda s: s["fields"][4].update(type="int"),
            "$.timestamp: type changed from long to int",
        ),
        (
            lambda s: s["fields"][3]["type"]["symbols"].remove("search"),
            "$.eventType: enum EventType lost symbols search and has no default",
        ),
        (
            lambda s: s["fields"][6]["type"]["fields"][2].update(type="long"),
            "$.context.platform: type changed from string to long",
        ),
        (
            lambda s: s["fields"].__setitem__(1, {"name": "userId", "type": "string"}),
            "$.userId: type changed from null to string",
        ),
    ],
)
def test_an_incompatible_version_is_refused_with_the_reason(change, reason):
    registry.latest("user-events")
    schema = clickstream()
    change(schema)
    with pytest.raises(SchemaIncompatible) as info:
        registry.register("user-events-value", schema)
    assert reason in info.value.reasons
    assert reason in str(info.value)
    assert registry.latest("user-events").version == 1


def test_promotions_and_removed_fields_are_backward_compatible():
    old = {
        "type": "record",
        "name": "R",
        "fields": [
            {"name": "a", "type": "int"},
            {"name": "b", "type": "float"},
            {"name": "gone", "type": "string"},
        ],
    }
    new = copy.deepcopy(old)
    new["fields"] = [{"name": "a", "type": "long"}, {"name": "b", "type": ["null", "double"]}]
    assert incompatibilities(new, old) == []
    assert incompatibilities(old, new) != []  # and not the other way round


def test_an_invalid_schema_is_refused_with_what_is_wrong():
    with pytest.raises(SchemaError, match="not JSON"):
        registry.register("x-value", "{not json")
    with pytest.raises(SchemaError, match="not valid Avro"):
        registry.register(
            "x-value", {"type": "record", "name": "R", "fields": [{"name": "a", "type": "nope"}]}
        )


def test_unknown_ids_and_topics_are_named():
    with pytest.raises(SchemaError, match="unknown schema id 999999"):
        registry.by_id(999999)
    with pytest.raises(SchemaError, match="unknown topic 'nope'"):
        registry.latest("nope")


def test_json_validation_says_which_field_is_wrong():
    codec = codec_for(registry.latest("user-events"))
    cases = {
        "sessionId": (7, "Expected `str`, got `int` - at `$.sessionId`"),
        "eventType": ("teleport", "Invalid enum value 'teleport' - at `$.eventType`"),
        "timestamp": (2**63, "Expected `int` <= 9223372036854775807 - at `$.timestamp`"),
    }
    for field, (value, message) in cases.items():
        with pytest.raises(EventInvalid) as info:
            codec.from_json(json.dumps(click(1, **{field: value})).encode())
        assert message in str(info.value)
    missing = click(1)
    del missing["context"]
    with pytest.raises(EventInvalid, match="missing required field `context`"):
        codec.from_json(json.dumps(missing).encode())


def test_a_version_registered_by_another_process_is_the_latest_after_the_ttl(monkeypatch):
    v1 = registry.latest("user-events")
    schema = clickstream()
    schema["fields"].append({"name": "experiment", "type": "string", "default": "none"})
    # as another process would: straight into the table, this process's cache unaware
    from analytics.models import RegisteredSchema

    RegisteredSchema.objects.create(
        subject="user-events-value", version=2, schema=json.dumps(schema), fingerprint="x" * 64
    )
    assert registry.latest("user-events") == v1  # cached
    monkeypatch.setattr(registry, "LATEST_TTL", 0.0)
    assert registry.latest("user-events").version == 2
