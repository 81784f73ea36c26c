"""The one wire format of the event log, the same on every transport.

An event is a Confluent-framed Avro record: byte 0 = 0 (the magic byte), bytes 1-4 = the
schema id (big-endian), then the Avro binary encoding of the event with that schema
(https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format).

A log entry carries a batch of events, as Kafka's record batches do, so that appending costs
one write per batch: the four bytes ``YLB1``, then each framed event preceded by its length
(4 bytes, big-endian). The same layout is the body of ``POST /collect`` with Avro content.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

MAGIC = 0
ENTRY_MARK = b"YLB1"
_LENGTH = struct.Struct(">I")
_HEADER = struct.Struct(">bI")


class WireError(ValueError):
    """Bytes that are not in the wire format; the message says what and where."""


def frame(schema_id: int, avro_body: bytes) -> bytes:
    return _HEADER.pack(MAGIC, schema_id) + avro_body


def unframe(event: bytes) -> tuple[int, memoryview]:
    """``(schema id, Avro body)`` of one framed event."""
    if len(event) < 5:
        raise WireError(f"a framed event has at least 5 bytes, this one {len(event)}")
    magic, schema_id = _HEADER.unpack_from(event)
    if magic != MAGIC:
        raise WireError(f"magic byte is {magic}, not 0 (not a Confluent-framed event)")
    return schema_id, memoryview(event)[5:]


def pack(events: Iterable[bytes]) -> bytes:
    parts = [ENTRY_MARK]
    for event in events:
        parts.append(_LENGTH.pack(len(event)))
        parts.append(event)
    return b"".join(parts)


def unpack(entry: bytes) -> list[bytes]:
    """The framed events of one entry (or of one Avro ``POST /collect`` body)."""
    if entry[:4] != ENTRY_MARK:
        raise WireError("a batch starts with the 4 bytes YLB1")
    events, at, end = [], 4, len(entry)
    while at < end:
        if at + 4 > end:
            raise WireError(f"a length at byte {at} is cut short")
        (size,) = _LENGTH.unpack_from(entry, at)
        at += 4
        if at + size > end:
            raise WireError(f"the event at byte {at} says {size} bytes, {end - at} remain")
        events.append(bytes(entry[at : at + size]))
        at += size
    return events
