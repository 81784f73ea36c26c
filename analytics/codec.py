"""Decode and validate events, and encode them in the log's wire format.

JSON events are validated by msgspec against a type generated from the Avro schema (one
source of truth: a newly registered version gets its validator with no code), then written as
Avro. Avro events are read with their writer's schema, which validates them as a whole.
"""

from __future__ import annotations

import io
import threading
from typing import Annotated, Any, Literal, Union

import fastavro
import msgspec

from analytics.registry import Schema, SchemaError
from analytics.wire import frame, unframe

INT32 = Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]
INT64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
_PRIMITIVE_TYPES: dict[str, Any] = {
    "null": None,
    "boolean": bool,
    "int": INT32,
    "long": INT64,
    "float": float,
    "double": float,
    "bytes": bytes,
    "string": str,
}


class EventInvalid(ValueError):
    """One event that does not match its schema; the message says which field and why."""


class _TypeBuilder:
    def __init__(self) -> None:
        self.named: dict[str, Any] = {}

    def build(self, schema: Any, namespace: str = "") -> Any:
        if isinstance(schema, str):
            if schema in _PRIMITIVE_TYPES:
                return _PRIMITIVE_TYPES[schema]
            found = self.named.get(schema) or self.named.get(schema.rsplit(".", 1)[-1])
            if found is None:
                raise SchemaError(f"unknown or recursive named type {schema}")
            return found
        if isinstance(schema, list):
            return Union[tuple(self.build(branch, namespace) for branch in schema)]  # noqa: UP007
        kind = schema["type"]
        if isinstance(kind, dict | list) or kind in _PRIMITIVE_TYPES:
            return self.build(kind, namespace)
        if kind == "array":
            return list[self.build(schema["items"], namespace)]
        if kind == "map":
            return dict[str, self.build(schema["values"], namespace)]
        if kind == "enum":
            result = Literal[tuple(schema["symbols"])]
        elif kind == "fixed":
            result = Annotated[bytes, msgspec.Meta(min_length=schema["size"])]
        elif kind in ("record", "error"):
            fields = []
            for field in schema["fields"]:
                ftype = self.build(field["type"], namespace)
                if "default" in field:
                    default = field["default"]
                    if isinstance(default, list | dict):
                        default = msgspec.field(default_factory=lambda d=default: d.copy())
                    fields.append((field["name"], ftype, default))
                else:
                    fields.append((field["name"], ftype))
            result = msgspec.defstruct(schema["name"], fields, kw_only=True)
        else:
            raise SchemaError(f"unsupported Avro type {kind!r}")
        self.named[schema["name"]] = result
        return result


class Codec:
    """Everything needed to take in and give out events of one schema version."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        try:
            self.json_type = _TypeBuilder().build(schema.schema)
        except TypeError as exc:  # a union msgspec cannot tell apart
            raise SchemaError(f"schema {schema.id} cannot be validated from JSON: {exc}") from None
        self._decoder = msgspec.json.Decoder(self.json_type)
        self._avro = schema.parsed

    def from_json(self, raw: bytes) -> bytes:
        """One JSON event -> its framed Avro bytes; ``EventInvalid`` with the reason."""
        try:
            event = self._decoder.decode(raw)
        except msgspec.ValidationError as exc:
            raise EventInvalid(str(exc)) from None
        except msgspec.DecodeError as exc:
            raise EventInvalid(f"not JSON: {exc}") from None
        record = msgspec.to_builtins(event, builtin_types=(bytes,))
        out = io.BytesIO()
        fastavro.schemaless_writer(out, self._avro, record)
        return frame(self.schema.id, out.getvalue())

    def to_record(self, avro_body: bytes | memoryview, writer: Schema | None = None) -> dict:
        """The event as a dict, read with this (reader) schema from ``writer``'s bytes."""
        data = io.BytesIO(avro_body)
        writer_schema = (writer or self.schema).parsed
        try:
            record = fastavro.schemaless_reader(data, writer_schema, self._avro)
        except Exception as exc:  # truncated or garbled Avro raises several types
            which = (writer or self.schema).id
            raise EventInvalid(f"not valid Avro for schema {which}: {exc}") from None
        if data.tell() != len(avro_body):
            raise EventInvalid(
                f"{len(avro_body) - data.tell()} bytes left after the event "
                f"(not schema {(writer or self.schema).id}'s encoding)"
            )
        return record


_lock = threading.Lock()
_codecs: dict[int, Codec] = {}


def codec_for(schema: Schema) -> Codec:
    found = _codecs.get(schema.id)
    if found is None or found.schema != schema:
        with _lock:
            found = _codecs[schema.id] = Codec(schema)
    return found


def decode(event: bytes, reader: Schema | None = None) -> tuple[Schema, dict]:
    """A framed event -> (its writer schema, the record read with ``reader`` or the writer)."""
    from analytics.registry import by_id

    schema_id, body = unframe(event)
    writer = by_id(schema_id)
    return writer, codec_for(reader or writer).to_record(body, writer)
