"""The offline path of block D: a sheet's rows from and to a CSV or XLSX file.

CSV is UTF-8 (a BOM is accepted, as spreadsheet programs write one); XLSX is read and
written with openpyxl, first worksheet, every cell as text. A file is replaced whole or not
at all, so a reader never sees half an export.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook

SUFFIXES = (".csv", ".xlsx")


class OfflineFileError(ValueError):
    """A file this path cannot read or write; names the file."""


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise OfflineFileError(f"{path}: only .csv and .xlsx files are read and written")
    return suffix


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_rows(path: str | Path) -> list[list[str]]:
    path = Path(path)
    kind = _kind(path)
    try:
        if kind == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows = [list(r) for r in csv.reader(handle)]
        else:
            book = load_workbook(path, read_only=True, data_only=True)
            try:
                rows = [
                    [_text(v) for v in r] for r in book.worksheets[0].iter_rows(values_only=True)
                ]
            finally:
                book.close()
    except OSError as exc:
        raise OfflineFileError(f"{path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise OfflineFileError(f"{path}: not a readable {kind[1:].upper()} file ({exc})") from None
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def write_rows(path: str | Path, rows: list[list[str]]) -> Path:
    path = Path(path)
    kind = _kind(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    if kind == ".csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        partial.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        book = Workbook()
        sheet = book.active
        for row in rows:
            sheet.append([_text(v) for v in row])
        with partial.open("wb") as handle:
            book.save(handle)
    os.replace(partial, path)
    return path
