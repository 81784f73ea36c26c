"""Reading the editors' sheet and finding what changed, row by row.

A ``SheetSource`` names a spreadsheet, an A1 range whose first row is the header, and the key
column (``hand_id``) that identifies a row wherever it moves. Each read row is hashed
(SHA-256 of its values by header); a row whose hash differs from the one stored, or that is
new, is stored and announced as ``sheets.row.changed``; a row gone is deleted and announced
as ``sheets.row.removed``; then ``sheets.sync.completed``. Rows without a key, or with a key
already seen in the same read, are counted by reason and left out.

Where the rows come from:

- the API (``SheetsClient``), whose outcome feeds the breaker of the resource
  ``pokervod.sheets`` (the engine's breaker row: threshold and wait are the operator's). After
  every good read the rows are exported to ``<export dir>/<spreadsheet>-<tab>.csv``;
- while that breaker is open, or when a failed read opens it, that last good export (the
  fallback; the result says so and why), or ``SheetsUnavailable`` when there is none;
- a CSV or XLSX file (``from_file``): the offline path.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction

from orchestrator import BreakerPolicy, resource
from orchestrator.core import breaker as br
from orchestrator.core.clock import get_clock
from orchestrator.models import ResourceState
from orchestrator.services.resources import (
    breaker_policy_of,
    breaker_record,
    breaker_state_of,
    resources_ensure,
)

from .. import events
from ..models import SheetRow
from .a1 import parse_a1
from .auth import SheetsAuthError
from .client import SheetsApiError, SheetsClient
from .offline import read_rows, write_rows

SHEETS_RESOURCE = resource("pokervod.sheets", breaker=BreakerPolicy(threshold=3, reset_after=300.0))
FAILURES = (SheetsApiError, SheetsAuthError, httpx.TransportError)


class SheetsSyncError(ValueError):
    """A sheet this sync cannot read (no key column...); the message says where."""


class SheetsUnavailable(RuntimeError):
    """The API cannot be read and there is no last good export to fall back to."""


@dataclass(frozen=True)
class SheetSource:
    spreadsheet_id: str
    range: str = "Hands!A1:Z"
    key_column: str = "hand_id"

    def __post_init__(self) -> None:
        if not self.spreadsheet_id:
            raise SheetsSyncError("spreadsheet_id: required")
        parse_a1(self.range)

    @property
    def tab(self) -> str:
        return parse_a1(self.range).sheet or ""

    @property
    def name(self) -> str:
        return f"{self.spreadsheet_id}!{self.tab}"


@dataclass
class SyncResult:
    source: str
    origin: str  # api, fallback or file
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    export: str = ""
    fallback_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def export_dir() -> Path:
    configured = getattr(settings, "POKERVOD_EXPORT_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "pokervod" / "sheets"


def last_good_export(source: SheetSource) -> Path:
    safe = re.sub(r"[^\w.-]+", "_", f"{source.spreadsheet_id}-{source.tab or 'first'}")
    return export_dir() / f"{safe}.csv"


def breaker_status(now=None) -> str:
    """The effective status (CLOSED, OPEN, HALF_OPEN) of the Sheets API's breaker."""
    resources_ensure([SHEETS_RESOURCE.name])
    row = ResourceState.objects.get(name=SHEETS_RESOURCE.name)
    policy = breaker_policy_of(row)
    if policy is None:
        return br.CLOSED
    return br.effective_status(breaker_state_of(row), policy, now or get_clock().now())


def _record(ok: bool, correlation_id: str) -> None:
    with transaction.atomic():
        breaker_record(
            SHEETS_RESOURCE.name, ok=ok, now=get_clock().now(), correlation_id=correlation_id
        )


def sync_sheet(
    source: SheetSource,
    client: SheetsClient | None = None,
    *,
    from_file: str | Path | None = None,
    correlation_id: str = "",
) -> SyncResult:
    """Read ``source`` (from the API with ``client``, or ``from_file``) and record what changed."""
    if from_file is not None:
        return _apply(source, read_rows(from_file), "file", correlation_id)
    if client is None:
        raise SheetsSyncError("a SheetsClient or a file is required")
    export = last_good_export(source)
    if breaker_status() == br.OPEN:
        return _fallback(source, export, "the Sheets API breaker is open", correlation_id)
    try:
        rows = client.values_get(source.spreadsheet_id, source.range)["values"]
    except FAILURES as exc:
        _record(False, correlation_id)
        if breaker_status() == br.OPEN:
            return _fallback(source, export, f"{type(exc).__name__}: {exc}", correlation_id)
        raise
    _record(True, correlation_id)
    result = _apply(source, rows, "api", correlation_id)
    write_rows(export, rows)
    result.export = str(export)
    return result


def _fallback(source: SheetSource, export: Path, why: str, correlation_id: str) -> SyncResult:
    if not export.exists():
        raise SheetsUnavailable(f"{source.name}: {why}, and no last good export at {export}")
    result = _apply(source, read_rows(export), "fallback", correlation_id)
    result.export, result.fallback_reason = str(export), why
    return result


def _header(cells: list[str]) -> list[str]:
    return [re.sub(r"\s+", "_", str(c).strip().lower()) for c in cells]


def row_hash(values: dict[str, str]) -> str:
    return hashlib.sha256(
        json.dumps(values, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _key_hash(source: str, key: str) -> str:
    return hashlib.sha256(f"{source}\0{key}".encode()).hexdigest()


def _apply(
    source: SheetSource, rows: list[list[str]], origin: str, correlation_id: str
) -> SyncResult:
    result = SyncResult(source=source.name, origin=origin)
    if not rows:
        raise SheetsSyncError(f"{source.name} {source.range}: no header row")
    header = _header(rows[0])
    if source.key_column not in header:
        raise SheetsSyncError(
            f"{source.name} {source.range}: no {source.key_column!r} column in the header row "
            f"(found {', '.join(header) or 'nothing'})"
        )
    key_at = header.index(source.key_column)
    top = (parse_a1(source.range).first_row or 0) + 1  # the header's row number
    read: dict[str, tuple[int, dict[str, str]]] = {}
    for offset, cells in enumerate(rows[1:], start=1):
        if not any(str(c).strip() for c in cells):
            continue
        padded = [str(c) for c in cells] + [""] * (len(header) - len(cells))
        values = {name: padded[i].strip() for i, name in enumerate(header) if name}
        key = padded[key_at].strip() if key_at < len(padded) else ""
        reason = None
        if not key:
            reason = f"no {source.key_column}"
        elif key in read:
            reason = f"duplicate {source.key_column}"
        elif len(key) > 200:
            reason = f"{source.key_column} longer than 200 characters"
        if reason:
            result.failures[reason] = result.failures.get(reason, 0) + 1
            continue
        read[key] = (top + offset, values)
    now = get_clock().now()
    with transaction.atomic():
        stored = {r.row_key: r for r in SheetRow.objects.filter(source=source.name)}
        new, updated, changed = [], [], []
        for key, (number, values) in read.items():
            digest = row_hash(values)
            row = stored.get(key)
            if row is None:
                new.append(
                    SheetRow(
                        source=source.name,
                        row_key=key,
                        key_hash=_key_hash(source.name, key),
                        row_hash=digest,
                        values=values,
                        row_number=number,
                        updated_at=now,
                    )
                )
                changed.append(_payload(source, key, number, values, "added"))
            elif row.row_hash != digest or row.row_number != number:
                moved_only = row.row_hash == digest
                row.row_hash, row.values, row.row_number, row.updated_at = (
                    digest,
                    values,
                    number,
                    now,
                )
                updated.append(row)
                if moved_only:
                    result.unchanged += 1
                    continue
                changed.append(_payload(source, key, number, values, "changed"))
            else:
                result.unchanged += 1
        SheetRow.objects.bulk_create(new, batch_size=500)
        SheetRow.objects.bulk_update(
            updated, ["row_hash", "values", "row_number", "updated_at"], batch_size=500
        )
        gone = [r for k, r in stored.items() if k not in read]
        SheetRow.objects.filter(pk__in=[r.pk for r in gone]).delete()
        result.added = len(new)
        result.changed = len(changed) - len(new)
        result.removed = len(gone)
        events.emit_many(
            events.SHEETS_ROW_CHANGED, changed, block="D", correlation_id=correlation_id
        )
        events.emit_many(
            events.SHEETS_ROW_REMOVED,
            [{"source": source.name, "key": r.row_key} for r in gone],
            block="D",
            correlation_id=correlation_id,
        )
        events.emit(
            events.SHEETS_SYNC_COMPLETED,
            {k: v for k, v in result.as_dict().items() if k != "export"},
            block="D",
            correlation_id=correlation_id,
        )
    return result


def _payload(source: SheetSource, key: str, number: int, values: dict, change: str) -> dict:
    return {
        "source": source.name,
        "spreadsheet": source.spreadsheet_id,
        "key": key,
        "row_number": number,
        "row": values,
        "change": change,
    }
