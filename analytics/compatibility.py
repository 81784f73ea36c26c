"""BACKWARD compatibility of Avro schemas: can a reader with the new schema read every datum
written with the old one? The rules are Avro's schema resolution
(https://avro.apache.org/docs/1.11.1/specification/#schema-resolution), as the Confluent
registry applies them (https://docs.confluent.io/platform/current/schema-registry/fundamentals/schema-evolution.html).

``incompatibilities(reader, writer)`` returns the reasons, each with the path where it applies;
an empty list means compatible.
"""

from __future__ import annotations

from typing import Any

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
# writer type -> reader types that can read it (Avro's promotions)
PROMOTIONS = {
    "int": {"int", "long", "float", "double"},
    "long": {"long", "float", "double"},
    "float": {"float", "double"},
    "string": {"string", "bytes"},
    "bytes": {"bytes", "string"},
}


def _names(schema: Any, namespace: str | None, into: dict[str, dict]) -> None:
    """Collect the named types (records, enums, fixed) by full and short name."""
    if isinstance(schema, list):
        for branch in schema:
            _names(branch, namespace, into)
    elif isinstance(schema, dict):
        kind = schema.get("type")
        if kind in ("record", "error", "enum", "fixed"):
            name = schema["name"]
            ns = schema.get("namespace", namespace)
            full = name if "." in name or not ns else f"{ns}.{name}"
            into[full] = schema
            into.setdefault(full.rsplit(".", 1)[-1], schema)
            namespace = full.rsplit(".", 1)[0] if "." in full else ns
        if kind in ("record", "error"):
            for field in schema.get("fields", []):
                _names(field["type"], namespace, into)
        elif kind == "array":
            _names(schema["items"], namespace, into)
        elif kind == "map":
            _names(schema["values"], namespace, into)
        elif isinstance(kind, dict | list):
            _names(kind, namespace, into)


class _Checker:
    def __init__(self, reader: Any, writer: Any) -> None:
        self.reader_names: dict[str, dict] = {}
        self.writer_names: dict[str, dict] = {}
        _names(reader, None, self.reader_names)
        _names(writer, None, self.writer_names)
        self.seen: set[tuple[int, int]] = set()  # recursive types are checked once

    def resolve(self, schema: Any, names: dict[str, dict]) -> Any:
        if isinstance(schema, str) and schema not in PRIMITIVES:
            return names.get(schema, names.get(schema.rsplit(".", 1)[-1], schema))
        if isinstance(schema, dict) and isinstance(schema.get("type"), str):
            kind = schema["type"]
            if kind in PRIMITIVES:
                return kind
            if kind not in ("record", "error", "enum", "fixed", "array", "map"):
                return self.resolve(kind, names)
        if isinstance(schema, dict) and isinstance(schema.get("type"), dict | list):
            return self.resolve(schema["type"], names)
        return schema

    @staticmethod
    def kind(schema: Any) -> str:
        if isinstance(schema, str):
            return schema
        if isinstance(schema, list):
            return "union"
        return schema["type"]

    def check(self, reader: Any, writer: Any, path: str) -> list[str]:
        reader = self.resolve(reader, self.reader_names)
        writer = self.resolve(writer, self.writer_names)
        r_kind, w_kind = self.kind(reader), self.kind(writer)

        if w_kind == "union":
            problems = []
            for branch in writer:
                problems += self.check(reader, branch, path)
            return problems
        if r_kind == "union":
            for branch in reader:
                if not self.check(branch, writer, path):
                    return []
            return [f"{path}: the new union has no branch that reads the old type {w_kind}"]

        if w_kind in PRIMITIVES or r_kind in PRIMITIVES:
            if r_kind == w_kind or r_kind in PROMOTIONS.get(w_kind, ()):
                return []
            return [f"{path}: type changed from {w_kind} to {r_kind}"]
        if r_kind != w_kind:
            return [f"{path}: type changed from {w_kind} to {r_kind}"]

        if r_kind == "array":
            return self.check(reader["items"], writer["items"], f"{path}[]")
        if r_kind == "map":
            return self.check(reader["values"], writer["values"], f"{path}{{}}")

        short = lambda s: s["name"].rsplit(".", 1)[-1]  # noqa: E731
        if short(reader) != short(writer) and short(writer) not in reader.get("aliases", []):
            return [f"{path}: named type {short(writer)} became {short(reader)}"]
        if r_kind == "fixed":
            if reader["size"] != writer["size"]:
                return [f"{path}: fixed size changed from {writer['size']} to {reader['size']}"]
            return []
        if r_kind == "enum":
            missing = [s for s in writer["symbols"] if s not in reader["symbols"]]
            if missing and "default" not in reader:
                return [
                    f"{path}: enum {short(reader)} lost symbols {', '.join(missing)} "
                    "and has no default"
                ]
            return []

        key = (id(reader), id(writer))
        if key in self.seen:
            return []
        self.seen.add(key)
        problems = []
        writer_fields = {f["name"]: f for f in writer["fields"]}
        for field in reader["fields"]:
            old = writer_fields.get(field["name"])
            if old is None:
                old = next(
                    (writer_fields[a] for a in field.get("aliases", []) if a in writer_fields),
                    None,
                )
            where = f"{path}.{field['name']}"
            if old is None:
                if "default" not in field:
                    problems.append(f"{where}: new field without a default")
                continue
            problems += self.check(field["type"], old["type"], where)
        return problems


def incompatibilities(reader: Any, writer: Any) -> list[str]:
    """Why data written with ``writer`` cannot be read with ``reader`` (empty: it can)."""
    return _Checker(reader, writer).check(reader, writer, "$")
