"""What a caller hands to ``source_data_upsert_many``, and how one bad record is told apart.

Validation is plain Python: it runs before any query, so a rejected record never costs a
round trip and never aborts the good records of its batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from .hashing import canonical_json, text_hash
from .models import SourceData, SourceType

# An escaped U+0000 in JSON text: "\u0000" not itself preceded by an escaping backslash.
_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
# A lone surrogate (half an emoji, "\ud83d" in a JSON source) is no character: UTF-8, hence
# the hash and every database, cannot encode it.
_SURROGATE = re.compile("[\ud800-\udfff]")
_BROKEN = "contains a broken character (a lone UTF-16 surrogate, such as half an emoji)"
# Market names (and the keys the queries read) go into JSON paths; SQLite's path syntax has
# no escapes, so they keep to letters, digits, "_" and "-".
QUERY_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,49}")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_DERIVED = ("normalized", "market_data", "ai_data")
_SOURCE_TYPES = frozenset(SourceType.values)
_MAX = {
    name: SourceData._meta.get_field(name).max_length
    for name in ("source_type", "source_system", "source_id")
}


@dataclass(frozen=True)
class SourceRecord:
    """One record as a source sent it.

    ``normalized``, ``market_data`` and ``ai_data`` are optional: when given they are stored
    with a new version; when ``None`` a new version carries the previous version's values
    forward (a first version starts with ``{}``). They never make a version by themselves:
    only ``raw`` does.
    """

    source_type: str
    source_system: str
    source_id: str
    raw: dict[str, Any]
    normalized: dict[str, Any] | None = None
    market_data: dict[str, dict[str, Any]] | None = None
    ai_data: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.source_system, self.source_id)


@dataclass(frozen=True)
class Rejection:
    """Why the record at ``index`` of the input was not stored."""

    index: int
    source_id: str
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "source_id": self.source_id,
            "field": self.field,
            "reason": self.reason,
        }


class InvalidRecord(ValueError):
    """A record (or a derived-data update) that cannot be stored: ``field`` and ``reason``."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class CheckedRecord(NamedTuple):
    """A record that can be stored, with its JSON already spelled (``None``: not given)."""

    record: SourceRecord
    content_hash: str
    raw_json: str
    normalized_json: str | None
    market_json: str | None
    ai_json: str | None


def record_check(record: Any) -> CheckedRecord:
    """The record, hashed and spelled as JSON, if it can be stored; ``InvalidRecord`` naming
    the first field that cannot."""
    if not isinstance(record, SourceRecord):
        raise InvalidRecord("record", f"expected SourceRecord, got {type(record).__name__}")
    for name, limit in _MAX.items():
        value = getattr(record, name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidRecord(name, "must be a non-empty string")
        if len(value) > limit:
            raise InvalidRecord(name, f"longer than {limit} characters ({len(value)})")
        if _SURROGATE.search(value):
            raise InvalidRecord(name, _BROKEN)
        if "\x00" in value:
            raise InvalidRecord(name, "contains U+0000, which PostgreSQL cannot store")
    if record.source_type not in _SOURCE_TYPES:
        raise InvalidRecord("source_type", f"unknown source type {record.source_type!r}")
    if not isinstance(record.raw, dict):
        raise InvalidRecord("raw", f"must be a JSON object, got {type(record.raw).__name__}")
    for name in _DERIVED:
        value = getattr(record, name)
        if value is not None and not isinstance(value, dict):
            raise InvalidRecord(name, f"must be a JSON object, got {type(value).__name__}")
    for market, entry in (record.market_data or {}).items():
        market_entry_check(market, entry)
    if record.ai_data:
        ai_data_check(record.ai_data)
    raw_json = json_text("raw", record.raw)
    return CheckedRecord(
        record,
        text_hash(raw_json),
        raw_json,
        _optional_json("normalized", record.normalized),
        _optional_json("market_data", record.market_data),
        _optional_json("ai_data", record.ai_data),
    )


def _optional_json(field: str, value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json_text(field, value) if value else "{}"


def market_entry_check(market: Any, entry: Any) -> None:
    """The fields the queries read must have one type everywhere: ``price`` a number,
    ``status`` a string, ``price_updated_at`` a ``json_timestamp`` (each may be absent)."""
    if not isinstance(market, str) or not QUERY_KEY.fullmatch(market):
        raise InvalidRecord("market_data", f"invalid market name {market!r} (letters, digits, _ -)")
    if not isinstance(entry, dict):
        raise InvalidRecord("market_data", f"market {market!r} must map to an object")
    if "price" in entry and entry["price"] is not None and not _is_number(entry["price"]):
        raise InvalidRecord("market_data", f"{market}.price must be a number")
    if "status" in entry and not isinstance(entry["status"], str):
        raise InvalidRecord("market_data", f"{market}.status must be a string")
    stamp = entry.get("price_updated_at")
    if stamp is not None and not (isinstance(stamp, str) and _TIMESTAMP.fullmatch(stamp)):
        raise InvalidRecord(
            "market_data", f"{market}.price_updated_at must look like 2026-01-27T03:00:00Z"
        )


def ai_data_check(ai_data: dict[str, Any]) -> None:
    if "score" in ai_data and ai_data["score"] is not None and not _is_number(ai_data["score"]):
        raise InvalidRecord("ai_data", "score must be a number")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def json_text(field: str, value: Any) -> str:
    """``canonical_json(value)``; ``InvalidRecord`` naming ``field`` if it cannot be stored."""
    try:
        text = canonical_json(value)
    except (TypeError, ValueError) as exc:
        raise InvalidRecord(field, f"not JSON-serializable: {exc}") from None
    # PostgreSQL's jsonb cannot hold U+0000; refusing it everywhere keeps the databases alike.
    if "\\u0000" in text and _NUL.search(text):
        raise InvalidRecord(field, "contains U+0000, which PostgreSQL cannot store")
    if not text.isascii() and _SURROGATE.search(text):
        raise InvalidRecord(field, _BROKEN)
    return text
