"""The schema registry: Avro schemas by subject and version, with Confluent-compatible ids and
BACKWARD compatibility (a new version must read everything written with the latest one).

Subjects follow Confluent's TopicNameStrategy: the events of topic ``user-events`` use subject
``user-events-value``. The schemas of the seed's sources are bundled (``analytics/schemas``)
and registered on first use; more versions are registered with ``register`` or
``yooini analytics schema``.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import fastavro
from django.db import IntegrityError, transaction

from analytics.compatibility import incompatibilities
from analytics.models import RegisteredSchema

SCHEMA_DIR = Path(__file__).parent / "schemas"
# topic -> the bundled schema file of its first version
BUNDLED_TOPICS = {
    "user-events": "clickstream.avsc",
    "transactions": "transactions.avsc",
    "inventory": "inventory.avsc",
    "support-logs": "support.avsc",
}


class SchemaError(ValueError):
    """A schema that is not valid Avro, or an unknown subject or id."""


class SchemaIncompatible(SchemaError):
    def __init__(self, subject: str, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(
            f"schema for {subject} is not BACKWARD compatible with its latest version: "
            + "; ".join(reasons)
        )


def subject_of(topic: str) -> str:
    return f"{topic}-value"


def topic_of(subject: str) -> str:
    return subject.removesuffix("-value")


def _canonical(schema: Any) -> str:
    return json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _parse(schema: str | dict) -> dict | list | str:
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except json.JSONDecodeError as exc:
            raise SchemaError(f"schema is not JSON: {exc}") from None
    try:
        fastavro.parse_schema(schema, _force=True)
    except Exception as exc:  # fastavro raises several types for a bad schema
        raise SchemaError(f"schema is not valid Avro: {exc}") from None
    return schema


@dataclass(frozen=True)
class Schema:
    id: int
    subject: str
    version: int
    schema: Any

    @property
    def topic(self) -> str:
        return topic_of(self.subject)

    @cached_property
    def parsed(self) -> Any:
        return fastavro.parse_schema(self.schema, _force=True)


def _of(row: RegisteredSchema) -> Schema:
    return Schema(row.id, row.subject, row.version, json.loads(row.schema))


def register(subject: str, schema: str | dict) -> Schema:
    """Register ``schema`` under ``subject`` and return it with its id. The same schema again
    returns the existing version; one that the latest version's data cannot be read with
    raises ``SchemaIncompatible`` with the reasons."""
    parsed = _parse(schema)
    canonical = _canonical(parsed)
    fingerprint = hashlib.sha256(canonical.encode()).hexdigest()
    with transaction.atomic():
        existing = RegisteredSchema.objects.filter(subject=subject, fingerprint=fingerprint).first()
        if existing:
            return _of(existing)
        latest = RegisteredSchema.objects.filter(subject=subject).order_by("-version").first()
        if latest is not None:
            reasons = incompatibilities(parsed, json.loads(latest.schema))
            if reasons:
                raise SchemaIncompatible(subject, reasons)
        try:
            with transaction.atomic():  # a savepoint: the outer transaction survives a clash
                row = RegisteredSchema.objects.create(
                    subject=subject,
                    version=(latest.version + 1) if latest else 1,
                    schema=canonical,
                    fingerprint=fingerprint,
                )
        except IntegrityError:  # another process registered a version at the same moment
            row = RegisteredSchema.objects.filter(subject=subject, fingerprint=fingerprint).first()
            if row is None:
                raise SchemaError(
                    f"another version of {subject} was registered at the same moment: "
                    "register again (it will be checked against that one)"
                ) from None
    with _lock:
        _latest.pop(subject, None)
    return _of(row)


# A registered version never changes, so ids are cached for good; which version is the
# latest is looked up again after LATEST_TTL seconds, so that a version registered by another
# process is used for JSON events soon, without a query per batch.
LATEST_TTL = 10.0
_lock = threading.Lock()
_by_id: dict[int, Schema] = {}
_latest: dict[str, tuple[float, Schema]] = {}


def cache_clear() -> None:
    """Forget cached schemas (tests whose database is rolled back between them)."""
    with _lock:
        _latest.clear()
        _by_id.clear()


def by_id(schema_id: int) -> Schema:
    """The schema with this Confluent id (cached: a registered version never changes)."""
    found = _by_id.get(schema_id)
    if found is None:
        row = RegisteredSchema.objects.filter(id=schema_id).first()
        if row is None:
            raise SchemaError(f"unknown schema id {schema_id}")
        found = _by_id.setdefault(schema_id, _of(row))
    return found


def latest(topic: str) -> Schema:
    """The latest version of the topic's schema (the bundled one is registered if none is)."""
    subject = subject_of(topic)
    cached = _latest.get(subject)
    if cached is not None and time.monotonic() - cached[0] < LATEST_TTL:
        return cached[1]
    row = RegisteredSchema.objects.filter(subject=subject).order_by("-version").first()
    if row is None:
        if topic not in BUNDLED_TOPICS:
            known = ", ".join(sorted(set(BUNDLED_TOPICS) | set(topics())))
            raise SchemaError(f"unknown topic {topic!r} (known: {known})")
        found = register(subject, (SCHEMA_DIR / BUNDLED_TOPICS[topic]).read_text())
    else:
        found = _of(row)
    with _lock:
        _latest[subject] = (time.monotonic(), found)
        _by_id.setdefault(found.id, found)
    return found


def topics() -> list[str]:
    subjects = RegisteredSchema.objects.values_list("subject", flat=True).distinct()
    return sorted({topic_of(s) for s in subjects})


def register_bundled() -> list[Schema]:
    return [latest(topic) for topic in BUNDLED_TOPICS]
