"""Kinds ``csv`` and ``excel``: a supplier's product feed file, from a path or an http(s) URL.

Korean wholesalers hand out their catalogue as a spreadsheet (ownerclan, domeggook and most
small suppliers offer an Excel download). Settings::

    source      a file path or an http(s) URL (credentials {"token": ...} -> Bearer header)
    columns     {header: target}, e.g. {"상품코드": "source_id", "상품명": "name", "판매가": "price",
                "재고": "stock", "이미지": "images"}; source_id, name and price are required.
                Targets: source_id, name, price, stock, images, category, options, updated_at.
    page_size   data rows per read (500)
    csv:        delimiter (","), encoding (by default UTF-8 with or without BOM, then CP949)
    excel:      sheet (the active one; the first of an .xls), header_row (1); .xlsx, and
                legacy Excel 97-2003 .xls (read with python-calamine)

Every data row ends as a record or as exactly one ``RejectedRow`` (spreadsheet row number,
column, value, reason); good rows go on. Rows with every cell blank are skipped. A product code
seen again is rejected, pointing at the row that had it first. Values outside the bounds of
``suppliers.bounds`` (a price above 1,000,000,000 won, a stock above 1,000,000, ...) reject
their row. An Excel formula with no saved result (a file written by a program, not saved by
Excel) is reported as such, not as a missing value. Problems with the whole file (not a
workbook, not text, a mapped column missing) raise ``SourceError``.

The cursor is ``{"offset": data rows done, "sha256": of the file}``. When the file changed
under a cursor the read starts over on the new file: records are upserts, so reading a row
twice is harmless, while mixing two versions of a file could skip rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from suppliers.connectors.contract import (
    BaseConnector,
    Capabilities,
    ConfigError,
    ConnectorConfig,
    Cursor,
    ReadResult,
    RecordValueError,
    RejectedRow,
    SourceError,
    StockInfo,
    SupplierOption,
    SupplierRecord,
    parse_count,
    parse_won,
    short,
)
from suppliers.connectors.http_api import RetryPolicy, Transport

TARGETS = frozenset(
    {"source_id", "name", "price", "stock", "images", "category", "options", "updated_at"}
)
REQUIRED = ("source_id", "name", "price")
# Image cells hold one or more URLs separated by |, new lines, or commas before the next URL.
_IMAGE_SPLIT = re.compile(r"[|\n\r]+|,(?=\s*https?://)")
_OPTION_SPLIT = re.compile(r"[|,\n\r]+")
# Stands in for a CSV line that is neither UTF-8 nor CP949 (a private-use character, which
# no real feed contains), so the line keeps its row number and is reported.
_UNDECODABLE = "\ue000undecodable\ue000"


@dataclass(frozen=True)
class _Snapshot:
    """One version of the feed, parsed: every data row's outcome in row order."""

    sha256: str
    outcomes: tuple[SupplierRecord | RejectedRow, ...]


class _FeedConnector(BaseConnector):
    _repr_settings = ("source",)

    def __init__(self, config: ConnectorConfig) -> None:
        super().__init__(config)
        settings = config.settings
        if not settings.get("source"):
            raise ConfigError(f"{self.kind} connector needs setting: source (a path or URL)")
        columns = settings.get("columns")
        if not isinstance(columns, dict) or not columns:
            raise ConfigError(f"{self.kind} connector needs setting: columns ({{header: target}})")
        unknown = sorted(set(columns.values()) - TARGETS)
        if unknown:
            raise ConfigError(f"unknown column target(s) {unknown}; use {sorted(TARGETS)}")
        missing = [t for t in REQUIRED if t not in columns.values()]
        if missing:
            raise ConfigError(f"columns must map a header to {', '.join(missing)}")
        self._columns = {_header(h): t for h, t in columns.items()}
        self._page_size = int(settings.get("page_size", 500))
        if self._page_size < 1:
            raise ConfigError("page_size must be at least 1")
        self._cache: _Snapshot | None = None
        self._transport: Transport | None = None

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            incremental=False,
            supports_stock="stock" in self._columns.values(),
            page_size=self._page_size,
        )

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def _probe(self) -> None:
        self._snapshot(None)

    def _read(self, cursor: Cursor) -> ReadResult:
        cursor = cursor or {}
        snapshot = self._snapshot(cursor.get("sha256"))
        offset = int(cursor.get("offset", 0)) if cursor.get("sha256") == snapshot.sha256 else 0
        page = snapshot.outcomes[offset : offset + self._page_size]
        end = offset + len(page)
        records = tuple(o for o in page if isinstance(o, SupplierRecord))
        rejected = tuple(o for o in page if isinstance(o, RejectedRow))
        if end >= len(snapshot.outcomes):
            return ReadResult(records, rejected, None, True)
        return ReadResult(records, rejected, {"offset": end, "sha256": snapshot.sha256}, False)

    def _read_stock(self, keys: list[str]) -> dict[str, StockInfo]:
        wanted = set(keys)
        return {
            o.source_id: StockInfo(available=o.stock != 0, quantity=o.stock, price=o.price)
            for o in self._snapshot(None).outcomes
            if isinstance(o, SupplierRecord) and o.source_id in wanted
        }

    # --- loading -------------------------------------------------------------------------

    def _snapshot(self, expected_sha: str | None) -> _Snapshot:
        # The cache only serves a cursor taken from it; a new read always sees the file as it is.
        if expected_sha and self._cache is not None and self._cache.sha256 == expected_sha:
            return self._cache
        content = self._load()
        self._cache = _Snapshot(
            sha256=hashlib.sha256(content).hexdigest(),
            outcomes=tuple(self._explained(content, list(self._outcomes(self._rows(content))))),
        )
        return self._cache

    def _load(self) -> bytes:
        source = str(self.config.settings["source"])
        if source.startswith(("http://", "https://")):
            if self._transport is None:
                token = self.config.credentials.get("token")
                self._transport = Transport(
                    policy=RetryPolicy.from_settings(self.config.settings),
                    secrets=self._secrets,
                    headers={"Authorization": f"Bearer {token}"} if token else None,
                )
            return self._transport.request("GET", source).content
        try:
            return Path(source).read_bytes()
        except FileNotFoundError:
            raise SourceError(f"feed file not found: {source}") from None
        except OSError as exc:
            raise SourceError(f"feed file {source} cannot be read: {exc.strerror}") from None

    def _rows(self, content: bytes) -> Iterator[tuple[int, list[Any]]]:
        """(spreadsheet row number, cells) of every row, the header row included."""
        raise NotImplementedError

    def _explained(
        self, content: bytes, outcomes: list[SupplierRecord | RejectedRow]
    ) -> list[SupplierRecord | RejectedRow]:
        if content.startswith(_OLE2_MAGIC):
            return outcomes  # .xls: calamine reads saved results only; no formula text to show
        """The outcomes, with rejections a kind can say more about reworded."""
        return outcomes

    # --- validation ----------------------------------------------------------------------

    def _outcomes(
        self, rows: Iterator[tuple[int, list[Any]]]
    ) -> Iterator[SupplierRecord | RejectedRow]:
        headers = self._header(rows)
        position = {target: headers.index(h) for h, target in self._columns.items() if h in headers}
        first_row: dict[str, int] = {}
        for number, cells in rows:
            if cells and cells[0] == _UNDECODABLE:
                yield RejectedRow(
                    number, None, cells[1], "row is neither UTF-8 nor CP949 (EUC-KR) text"
                )
                continue
            if all(_blank(c) for c in cells):
                continue
            if len(cells) > len(headers) and any(not _blank(c) for c in cells[len(headers) :]):
                yield RejectedRow(
                    number,
                    None,
                    short(cells[len(headers) :]),
                    f"row has {len(cells)} cells but the header has {len(headers)} columns",
                )
                continue
            cells = cells + [None] * (len(headers) - len(cells))
            outcome = self._record(number, headers, cells, position)
            if isinstance(outcome, SupplierRecord):
                key = outcome.source_id
                if key in first_row:
                    yield RejectedRow(
                        number,
                        headers[position["source_id"]],
                        key,
                        f"duplicate product code, first seen in row {first_row[key]}",
                    )
                    continue
                first_row[key] = number
            else:
                code = _code(cells[position["source_id"]])
                if code and code not in first_row:
                    # A rejected row still claims its code: a later row with the same code is
                    # a conflict in the feed, not a correction we can tell apart from one.
                    first_row[code] = number
            yield outcome

    def _header(self, rows: Iterator[tuple[int, list[Any]]]) -> list[str]:
        wanted = int(self.config.settings.get("header_row", 1))
        for number, cells in rows:
            if number < wanted:
                continue
            if cells and cells[0] == _UNDECODABLE:
                raise SourceError(
                    f"{self._name()}: the header row is neither UTF-8 nor CP949 (EUC-KR) text"
                )
            headers = [_header(c) or f"column {i}" for i, c in enumerate(cells, start=1)]
            mapped = [h for h in self._columns if h in headers]
            twice = sorted({h for h in mapped if headers.count(h) > 1})
            if twice:
                raise SourceError(f"{self._name()}: column(s) {twice} appear more than once")
            # Every mapped column must be there: a mapped 재고 that is missing would read as
            # "stock unknown" for every product instead of failing loudly.
            missing = [h for h in self._columns if h not in headers]
            if missing:
                raise SourceError(
                    f"{self._name()}: mapped column(s) {missing} not in the header "
                    f"(row {number}: {[h for h in headers if not h.startswith('column ')]})"
                )
            return headers
        raise SourceError(f"{self._name()}: the file has no header row")

    def _record(
        self, number: int, headers: list[str], cells: list[Any], position: dict[str, int]
    ) -> SupplierRecord | RejectedRow:
        def cell(target: str) -> Any:
            return cells[position[target]] if target in position else None

        def reject(target: str, reason: str) -> RejectedRow:
            value = _text(cell(target)) or None
            return RejectedRow(number, headers[position[target]], short(value), reason)

        source_id = _code(cell("source_id"))
        if not source_id:
            return reject("source_id", "missing product code")
        name = _text(cell("name"))
        if not name:
            return reject("name", "missing name")
        if _blank(cell("price")):
            return reject("price", "missing price")
        try:
            price = parse_won(cell("price"))
        except ValueError as exc:
            return reject("price", f"price {exc}")
        if price <= 0:
            return reject("price", "price must be above 0")
        try:
            stock = parse_count(cell("stock"))
        except ValueError as exc:
            return reject("stock", f"stock {exc}")
        updated_at = cell("updated_at")
        try:
            return SupplierRecord(
                source_id=source_id,
                name=name,
                price=price,
                raw={h: _json_safe(v) for h, v in zip(headers, cells, strict=True)},
                stock=stock,
                options=tuple(
                    SupplierOption(name=o.strip())
                    for o in _OPTION_SPLIT.split(_text(cell("options")))
                    if o.strip()
                ),
                images=tuple(
                    dict.fromkeys(
                        u.strip() for u in _IMAGE_SPLIT.split(_text(cell("images"))) if u.strip()
                    )
                ),
                category=tuple(p.strip() for p in _text(cell("category")).split(">") if p.strip()),
                updated_at=None if _blank(updated_at) else str(_json_safe(updated_at)),
            )
        except RecordValueError as exc:
            if exc.field in position:
                return reject(exc.field, exc.reason)
            return RejectedRow(number, None, None, exc.reason)

    def _name(self) -> str:
        return f"{self.kind} feed {self.config.settings['source']}"


class CsvFeedConnector(_FeedConnector):
    kind = "csv"

    def _rows(self, content: bytes) -> Iterator[tuple[int, list[Any]]]:
        text = _decode(content, self.config.settings.get("encoding"), self._name())
        delimiter = str(self.config.settings.get("delimiter", ","))
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise SourceError(f"{self._name()}: not a readable CSV file ({exc})") from None


# An Excel 97-2003 .xls is an OLE2 compound file; an .xlsx is a zip.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class ExcelFeedConnector(_FeedConnector):
    kind = "excel"

    def _rows(self, content: bytes) -> Iterator[tuple[int, list[Any]]]:
        if content.startswith(_OLE2_MAGIC):
            yield from self._legacy_rows(content)
            return
        import openpyxl  # only this kind needs it
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
            raise SourceError(
                f"{self._name()}: not an .xlsx workbook ({type(exc).__name__})"
            ) from None
        try:
            sheet_name = self.config.settings.get("sheet")
            if sheet_name and sheet_name not in workbook.sheetnames:
                raise SourceError(
                    f"{self._name()}: no sheet {sheet_name!r} (sheets: {workbook.sheetnames})"
                )
            sheet = workbook[sheet_name] if sheet_name else workbook.active
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(cells)
        finally:
            workbook.close()

    def _legacy_rows(self, content: bytes) -> Iterator[tuple[int, list[Any]]]:
        """The rows of a legacy Excel 97-2003 ``.xls`` (BIFF8), which openpyxl cannot read,
        with python-calamine; blank cells read as None, as openpyxl gives them."""
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
            names = list(workbook.sheet_names)
            sheet_name = self.config.settings.get("sheet")
            if sheet_name and sheet_name not in names:
                raise SourceError(f"{self._name()}: no sheet {sheet_name!r} (sheets: {names})")
            if not names:
                raise SourceError(f"{self._name()}: the .xls workbook has no sheet")
            rows = workbook.get_sheet_by_name(sheet_name or names[0]).to_python(
                skip_empty_area=False
            )
        except CalamineError as exc:
            raise SourceError(f"{self._name()}: not a readable .xls workbook ({exc})") from None
        for number, cells in enumerate(rows, start=1):
            yield number, [None if cell == "" else cell for cell in cells]

    def _explained(
        self, content: bytes, outcomes: list[SupplierRecord | RejectedRow]
    ) -> list[SupplierRecord | RejectedRow]:
        if content.startswith(_OLE2_MAGIC):
            return outcomes  # .xls: calamine reads saved results only; no formula text to show
        # A formula cell reads as its saved result; a file written by a program (not saved by
        # Excel) has none, so the cell reads as blank. Only then is the file read a second
        # time, for its formulas, to tell "missing name" from "a formula Excel never ran".
        blank = {
            o.row
            for o in outcomes
            if isinstance(o, RejectedRow) and o.value is None and o.reason.startswith("missing ")
        }
        if not blank:
            return outcomes
        formulas = self._formulas(content, blank)
        explained: list[SupplierRecord | RejectedRow] = []
        for outcome in outcomes:
            formula = (
                formulas.get((outcome.row, outcome.column))
                if isinstance(outcome, RejectedRow) and outcome.row in blank
                else None
            )
            if formula is not None:
                outcome = RejectedRow(
                    outcome.row,
                    outcome.column,
                    short(formula),
                    f"{outcome.column} is a formula with no saved result (the file was not "
                    "saved by Excel); save it in Excel, or paste the values instead",
                )
            explained.append(outcome)
        return explained

    def _formulas(self, content: bytes, rows: set[int]) -> dict[tuple[int, str], str]:
        """(row number, header) -> formula text, for the formula cells of ``rows``."""
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        try:
            sheet_name = self.config.settings.get("sheet")
            sheet = workbook[sheet_name] if sheet_name else workbook.active
            header_row = int(self.config.settings.get("header_row", 1))
            headers: list[str] = []
            found: dict[tuple[int, str], str] = {}
            last = max(rows)
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number == header_row:
                    headers = [_header(c) for c in cells]
                elif number in rows:
                    for header, value in zip(headers, cells, strict=False):
                        if isinstance(value, str) and value.startswith("="):
                            found[(number, header)] = value
                if number >= last:
                    break
            return found
        finally:
            workbook.close()


def _decode(content: bytes, forced: str | None, name: str) -> str:
    """The feed as text: UTF-8 (with or without BOM), else CP949, else line by line.

    Korean suppliers export CSV from Excel as CP949 (EUC-KR's superset) or as UTF-8 with a BOM.
    A file that is neither as a whole is decoded line by line; lines that are neither become
    ``_UNDECODABLE`` rows so they are reported with their row number. A file where most lines
    (or the header) cannot be read is not a text feed at all: that raises ``SourceError``.
    """
    if forced:
        try:
            return content.decode(forced)
        except (UnicodeDecodeError, LookupError) as exc:
            raise SourceError(f"{name}: not {forced} text ({exc})") from None
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    lines = content.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    decoded, failed = [], 0
    for raw in lines:
        raw = raw.removesuffix(b"\r")
        # Line by line cannot follow a quoted cell across lines; that is the price of salvaging
        # a file with mixed encodings, which comes from hand edits, not from exports.
        for encoding in ("utf-8", "cp949"):
            try:
                decoded.append(raw.decode(encoding))
                break
            except UnicodeDecodeError:
                continue
        else:
            failed += 1
            decoded.append(f"{_UNDECODABLE},{raw[:24].hex(' ')}")
    total = sum(1 for raw in lines if raw.strip())
    if failed * 2 > total or decoded[0].startswith(_UNDECODABLE):
        raise SourceError(
            f"{name}: not a text feed in UTF-8 or CP949 (EUC-KR): {failed} of {total} "
            "lines cannot be decoded"
        )
    return "\n".join(decoded)


def _header(value: Any) -> str:
    # NFC: a feed saved on macOS spells 상품코드 in decomposed jamo, which would not match.
    return " ".join(unicodedata.normalize("NFC", str(value)).split()) if value is not None else ""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _code(value: Any) -> str:
    # Excel stores numeric product codes as numbers: 1001 arrives as 1001.0.
    return _text(value)


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)
