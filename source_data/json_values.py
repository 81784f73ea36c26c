"""Portable reads of one scalar inside a JSON column, for filters and aggregates."""

from __future__ import annotations

from django.db.models import F, FloatField, Func, TextField
from django.db.models.fields.json import compile_json_path
from django.db.models.functions import Cast


def json_text(column: str, *keys: str) -> JsonText:
    """``column -> keys...`` as text (see ``JsonText``)."""
    return JsonText(column, *keys)


def json_number(column: str, *keys: str) -> Cast:
    """``column -> keys...`` as a float; only for values the services keep numeric (a text
    that is not a number fails the query on PostgreSQL)."""
    return Cast(JsonText(column, *keys), FloatField())


class JsonText(Func):
    """The scalar at ``column -> keys...`` as text: SQL NULL when absent or JSON null, compared
    byte-wise, on every database. Django's ``KT()`` is close but not the same everywhere: on
    SQLite it reads a JSON null as the text 'null', on MariaDB ``JSON_UNQUOTE`` does too and
    the default collation ignores case; so one small expression per vendor."""

    output_field = TextField()

    def __init__(self, column: str, *keys: str) -> None:
        super().__init__(F(column))
        self.keys = keys

    def _lhs(self, compiler, connection):
        return compiler.compile(self.source_expressions[0])

    def as_sqlite(self, compiler, connection, **extra):
        lhs, params = self._lhs(compiler, connection)
        return f"JSON_EXTRACT({lhs}, %s)", (*params, compile_json_path(self.keys))

    def as_mysql(self, compiler, connection, **extra):
        lhs, params = self._lhs(compiler, connection)
        path = compile_json_path(self.keys)
        return f"(JSON_VALUE({lhs}, %s) COLLATE utf8mb4_bin)", (*params, path)

    def as_postgresql(self, compiler, connection, **extra):
        lhs, params = self._lhs(compiler, connection)
        return f"({lhs} #>> %s)", (*params, list(self.keys))
