"""Ingestion: a batch of events in (JSON or Confluent-framed Avro), each validated against its
schema; the valid ones appended to the log as one entry per topic, each invalid one kept as a
dead letter with its reason. A batch is never refused for one bad event.

JSON body: ``{"topic": "user-events", "events": [{...}, ...]}`` (the latest schema version of
the topic validates). Avro body: the log's batch layout (``analytics.wire``), events of any
registered schema; the topic is the schema's subject's.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

import msgspec

from analytics import registry, wire
from analytics.codec import EventInvalid, codec_for
from analytics.models import DeadLetter
from analytics.transports import Transport

log = logging.getLogger(__name__)

PAYLOAD_KEPT = 64 * 1024
MAX_EVENTS = 100_000


class BatchInvalid(ValueError):
    """The batch as a whole cannot be read (not the envelope, unknown topic): nothing taken."""


class _JsonBatch(msgspec.Struct):
    topic: str
    events: list[msgspec.Raw]


_batch_decoder = msgspec.json.Decoder(_JsonBatch)


@dataclass
class Rejected:
    position: int
    topic: str
    schema_id: int | None
    reason: str
    payload: bytes


@dataclass
class IngestResult:
    accepted: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    offsets: dict[str, int] = field(default_factory=dict)  # topic -> offset of its entry

    def as_json(self) -> dict:
        return {
            "accepted": self.accepted,
            "rejected": len(self.rejected),
            "offsets": self.offsets,
            "errors": [{"position": r.position, "reason": r.reason} for r in self.rejected[:100]],
        }


def validate_json(body: bytes) -> tuple[str, list[bytes], list[Rejected]]:
    """The topic, its valid events as framed Avro, and the rejected ones."""
    try:
        batch = _batch_decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise BatchInvalid(f'the body is not {{"topic": ..., "events": [...]}}: {exc}') from None
    except msgspec.DecodeError as exc:
        raise BatchInvalid(f"the body is not JSON: {exc}") from None
    if len(batch.events) > MAX_EVENTS:
        raise BatchInvalid(f"{len(batch.events)} events in one batch; at most {MAX_EVENTS}")
    try:
        codec = codec_for(registry.latest(batch.topic))
    except registry.SchemaError as exc:
        raise BatchInvalid(str(exc)) from None
    framed, rejected = [], []
    from_json = codec.from_json
    for position, raw in enumerate(batch.events):
        try:
            framed.append(from_json(raw))
        except EventInvalid as exc:
            rejected.append(Rejected(position, batch.topic, codec.schema.id, str(exc), bytes(raw)))
    return batch.topic, framed, rejected


def validate_avro(body: bytes) -> tuple[dict[str, list[bytes]], list[Rejected]]:
    """Valid framed events by topic, and the rejected ones."""
    try:
        events = wire.unpack(body)
    except wire.WireError as exc:
        raise BatchInvalid(f"the Avro body is not a batch: {exc}") from None
    if len(events) > MAX_EVENTS:
        raise BatchInvalid(f"{len(events)} events in one batch; at most {MAX_EVENTS}")
    by_topic: dict[str, list[bytes]] = defaultdict(list)
    rejected = []
    for position, event in enumerate(events):
        schema_id = None
        try:
            schema_id, body_view = wire.unframe(event)
            schema = registry.by_id(schema_id)
            codec_for(schema).to_record(body_view)
        except (wire.WireError, registry.SchemaError, EventInvalid) as exc:
            rejected.append(Rejected(position, "", schema_id, str(exc), event))
            continue
        by_topic[schema.topic].append(event)
    return by_topic, rejected


def dead_letters_store(rejected: list[Rejected]) -> None:
    if not rejected:
        return
    DeadLetter.objects.bulk_create(
        [
            DeadLetter(
                topic=r.topic,
                schema_id=r.schema_id,
                position=r.position,
                reason=r.reason[:2000],
                payload=r.payload[:PAYLOAD_KEPT],
            )
            for r in rejected
        ],
        batch_size=500,
    )
    # counts only: the events carry user ids and addresses
    log.info("analytics: %d events to dead letters", len(rejected))


def ingest(body: bytes, content_type: str, transport: Transport) -> IngestResult:
    """Validate a ``POST /collect`` body and append what is valid; see the module docstring."""
    if content_type.startswith("application/json"):
        topic, framed, rejected = validate_json(body)
        by_topic = {topic: framed} if framed else {}
    elif content_type.startswith(("application/vnd.yooini.avro-batch", "avro/binary")):
        by_topic, rejected = validate_avro(body)
    else:
        raise BatchInvalid(
            f"content type {content_type!r}: send application/json or "
            "application/vnd.yooini.avro-batch"
        )
    result = IngestResult(rejected=rejected)
    for topic, events in by_topic.items():
        result.offsets[topic] = transport.append(topic, wire.pack(events))
        result.accepted += len(events)
    dead_letters_store(rejected)
    return result
