"""Validation and hashing: plain Python, no database."""

import math

import pytest

from source_data.hashing import canonical_json, content_hash
from source_data.records import InvalidRecord, SourceRecord, record_check
from source_data.timestamps import json_timestamp

from .factories import product


def test_hash_ignores_key_order_and_keeps_unicode():
    a = {"b": 1, "a": {"y": "가", "x": [1, 2]}}
    b = {"a": {"x": [1, 2], "y": "가"}, "b": 1}
    assert canonical_json(a) == '{"a":{"x":[1,2],"y":"가"},"b":1}'
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash({**a, "b": 2})
    assert len(content_hash(a)) == 64


def test_valid_record_returns_its_hash():
    record = product("A1")
    checked = record_check(record)
    assert checked.content_hash == content_hash(record.raw)
    assert checked.raw_json == canonical_json(record.raw)
    assert (checked.normalized_json, checked.market_json) == (None, None)


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"source_id": "x"}, "record"),
        (SourceRecord("supplier_product", "s", "", {}), "source_id"),
        (SourceRecord("supplier_product", "s", 12, {}), "source_id"),
        (SourceRecord("supplier_product", "s", "x" * 201, {}), "source_id"),
        (SourceRecord("supplier_product", "", "x", {}), "source_system"),
        (SourceRecord("gadget", "s", "x", {}), "source_type"),
        (SourceRecord("supplier_product", "s", "x", ["not", "a", "dict"]), "raw"),
        (SourceRecord("supplier_product", "s", "x", {"when": {1, 2}}), "raw"),
        (SourceRecord("supplier_product", "s", "x", {"p": math.nan}), "raw"),
        (SourceRecord("supplier_product", "s", "x", {"t": "a\x00b"}), "raw"),
        (SourceRecord("supplier_product", "s", "x", {}, normalized="n"), "normalized"),
        (SourceRecord("supplier_product", "s", "x", {}, market_data={"buyma": 1}), "market_data"),
        (
            SourceRecord("supplier_product", "s", "x", {}, market_data={"buyma": {"price": "1"}}),
            "market_data",
        ),
        (
            SourceRecord(
                "supplier_product", "s", "x", {}, market_data={"b": {"price_updated_at": "today"}}
            ),
            "market_data",
        ),
        (SourceRecord("supplier_product", "s", "x", {}, ai_data={"score": "high"}), "ai_data"),
        (SourceRecord("supplier_product", "s", "x", {}, ai_data={"score": True}), "ai_data"),
    ],
)
def test_invalid_records_name_the_field(record, field):
    with pytest.raises(InvalidRecord) as err:
        record_check(record)
    assert err.value.field == field


def test_escaped_backslash_u0000_text_is_not_a_nul():
    record_check(SourceRecord("supplier_product", "s", "x", {"t": r"C:\u0000"}))


def test_json_timestamp_is_utc_whole_seconds():
    from datetime import datetime, timedelta, timezone

    kst = timezone(timedelta(hours=9))
    assert (
        json_timestamp(datetime(2026, 1, 27, 12, 0, 5, 999, tzinfo=kst)) == "2026-01-27T03:00:05Z"
    )
    with pytest.raises(ValueError):
        json_timestamp(datetime(2026, 1, 27))
