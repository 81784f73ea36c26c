"""Load BUYMA's master data CSVs into the master tables, and keep them loaded.

BUYMA publishes its master data to sellers as CSV files (UTF-8 with a BOM, every value quoted).
The project ships the copy it needs in ``markets/buyma/data/`` (the big ones gzipped), so a
fresh install works offline; a newer download can be loaded with ``yooini buyma_master load
--dir D`` (plain ``.csv`` or ``.csv.gz``).

A load is an upsert keyed on BUYMA's ids, done in bulk in one transaction: rows that are new are
created, rows whose values changed are updated, and rows no longer in the file are deleted.
Deleting (rather than marking) keeps the tables equal to BUYMA's current list: an id BUYMA has
withdrawn cannot be used in a listing anyway, and a learned mapping that still points at one is
reported as a problem by the converter (it checks every target against the loaded tables), so
nothing silently lists with a dead id. Loading the same files again changes nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction

from .mapping import master_cache_clear
from .models import (
    BuymaArea,
    BuymaBrand,
    BuymaCategory,
    BuymaColor,
    BuymaSeason,
    BuymaShippingService,
    BuymaSize,
)

log = logging.getLogger("yooini.buyma")

SHIPPED_DIR = Path(__file__).resolve().parent / "data"
BATCH_SIZE = 2000


class MasterDataError(ValueError):
    """A master data file is missing, unreadable or has a bad row; the message names the file,
    the line and the column. Nothing is written when one is raised."""


def _int(value: str) -> int:
    return int(value)


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0", ""):
        return False
    raise ValueError("not true/false")


def _text(value: str) -> str:
    return value.strip()


@dataclass(frozen=True)
class _Table:
    """One master file: its model, the CSV column -> (field, parser) map, and the natural key."""

    name: str
    model: type[models.Model]
    columns: dict[str, tuple[str, Callable[[str], Any]]]
    key: tuple[str, ...] = ("id",)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(field for field, _ in self.columns.values())


TABLES: tuple[_Table, ...] = (
    _Table(
        "brands",
        BuymaBrand,
        {"id": ("id", _int), "brand_name": ("name", _text), "limited": ("limited", _bool)},
    ),
    _Table(
        "categories",
        BuymaCategory,
        {
            "id": ("id", _int),
            "paths": ("paths", _text),
            "name": ("name", _text),
            "limited": ("limited", _bool),
        },
    ),
    _Table("colors", BuymaColor, {"id": ("id", _int), "name": ("name", _text)}),
    _Table(
        "sizes",
        BuymaSize,
        {"id": ("size_id", _int), "name": ("name", _text), "category_id": ("category_id", _int)},
        key=("category_id", "size_id"),
    ),
    _Table("seasons", BuymaSeason, {"id": ("id", _int), "name": ("name", _text)}),
    _Table(
        "areas",
        BuymaArea,
        {
            "id": ("id", _int),
            "continent": ("continent", _text),
            "country": ("country", _text),
            "city": ("city", _text),
        },
    ),
    _Table(
        "shipping_services",
        BuymaShippingService,
        {
            "id": ("id", _int),
            "name": ("name", _text),
            "anonymous_delivery": ("anonymous_delivery", _bool),
        },
    ),
)


@dataclass(frozen=True)
class TableCounts:
    """What one load did to one table; ``rows`` is the number of rows in the file."""

    rows: int
    created: int
    updated: int
    deleted: int

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def master_directory(directory: str | Path | None = None) -> Path:
    """The directory to load from: the argument, else ``YOOINI_BUYMA_MASTER_DIR``, else the
    copy shipped with the project."""
    chosen = directory or getattr(settings, "YOOINI_BUYMA_MASTER_DIR", None) or SHIPPED_DIR
    return Path(chosen)


def buyma_master_load(directory: str | Path | None = None) -> dict[str, TableCounts]:
    """Upsert every master table from ``directory`` (see ``master_directory``); returns the
    counts per table name. All files are read and checked before anything is written, and the
    writes are one transaction: a bad file leaves the tables as they were."""
    base = master_directory(directory)
    if not base.is_dir():
        raise MasterDataError(f"BUYMA master data directory not found: {base}")
    parsed = {table.name: _read_table(base, table) for table in TABLES}
    counts: dict[str, TableCounts] = {}
    with transaction.atomic():
        for table in TABLES:
            counts[table.name] = _upsert(table, parsed[table.name])
    log.info(
        "BUYMA master data loaded from %s: %s",
        base,
        ", ".join(f"{name} {c.rows} rows" for name, c in counts.items()),
    )
    master_cache_clear()
    return counts


def buyma_master_status() -> dict[str, int]:
    """Rows per master table, as loaded now."""
    return {table.name: table.model.objects.count() for table in TABLES}


def buyma_master_ensure() -> bool:
    """Load the shipped copy (or ``YOOINI_BUYMA_MASTER_DIR``) when any master table is empty;
    True when it loaded. Safe to call at the start of every convert batch: when the data is
    there it costs one small query per table."""
    if all(table.model.objects.exists() for table in TABLES):
        return False
    try:
        buyma_master_load()
    except IntegrityError:
        # Another process loaded the same rows between our check and our insert.
        if not all(table.model.objects.exists() for table in TABLES):
            raise
        return False
    return True


# --- reading -------------------------------------------------------------------------------


def _file_for(base: Path, name: str) -> Path:
    for candidate in (base / f"{name}.csv", base / f"{name}.csv.gz"):
        if candidate.is_file():
            return candidate
    raise MasterDataError(f"BUYMA master data file missing: {base / name}.csv (or .csv.gz)")


def _lines(path: Path) -> io.StringIO:
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        text = raw.decode("utf-8-sig")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise MasterDataError(f"{path}: cannot read the file ({exc})") from None
    except UnicodeDecodeError as exc:
        raise MasterDataError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    return io.StringIO(text, newline="")


def _read_table(base: Path, table: _Table) -> dict[tuple, dict[str, Any]]:
    path = _file_for(base, table.name)
    reader = csv.DictReader(_lines(path))
    missing = [column for column in table.columns if column not in (reader.fieldnames or ())]
    if missing:
        raise MasterDataError(
            f"{path}: missing column(s) {', '.join(missing)}; header is {reader.fieldnames}"
        )
    rows: dict[tuple, dict[str, Any]] = {}
    for row in reader:
        line = reader.line_num
        values: dict[str, Any] = {}
        for column, (field, parse) in table.columns.items():
            raw = row.get(column)
            if raw is None:
                raise MasterDataError(f"{path}, line {line}: the row has no {column!r} value")
            try:
                values[field] = parse(raw)
            except ValueError:
                raise MasterDataError(
                    f"{path}, line {line}, column {column!r}: bad value {raw[:40]!r}"
                ) from None
        key = tuple(values[field] for field in table.key)
        if key in rows:
            raise MasterDataError(f"{path}, line {line}: duplicate {'/'.join(table.key)} {key}")
        rows[key] = values
    return rows


# --- writing -------------------------------------------------------------------------------


def _upsert(table: _Table, rows: dict[tuple, dict[str, Any]]) -> TableCounts:
    model = table.model
    fields = table.fields
    existing: dict[tuple, tuple[Any, Any]] = {}
    for values in model.objects.values("pk", *fields).iterator(chunk_size=BATCH_SIZE):
        key = tuple(values[field] for field in table.key)
        existing[key] = (values["pk"], tuple(values[field] for field in fields))

    to_create = [model(**values) for key, values in rows.items() if key not in existing]
    to_update = []
    for key, values in rows.items():
        if key in existing:
            pk, current = existing[key]
            if current != tuple(values[field] for field in fields):
                to_update.append(model(pk=pk, **values))
    stale = [pk for key, (pk, _) in existing.items() if key not in rows]

    for start in range(0, len(stale), BATCH_SIZE):
        model.objects.filter(pk__in=stale[start : start + BATCH_SIZE]).delete()
    if to_create:
        model.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    if to_update:
        changed = [field for field in fields if field != "id"]  # "id" is the primary key
        model.objects.bulk_update(to_update, changed, batch_size=500)
    return TableCounts(
        rows=len(rows), created=len(to_create), updated=len(to_update), deleted=len(stale)
    )
