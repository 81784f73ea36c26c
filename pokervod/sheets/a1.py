"""A1 notation, as the Sheets API reads ranges
(https://developers.google.com/sheets/api/guides/concepts#cell): ``Sheet1!A1:D10``,
``'My Sheet'!A:C``, ``Sheet1!2:5``, ``A1:B2`` (the first sheet), ``Sheet1`` (all of it).

``parse_a1`` gives zero-based, inclusive bounds, ``None`` where the range is open; the client
checks a range before sending it and the local contract server slices with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL = re.compile(r"([A-Za-z]{0,3})(\d*)")
_BARE_SHEET = re.compile(r"[A-Za-z0-9_]+")


class A1Error(ValueError):
    """A range the Sheets API could not parse; says which."""

    def __init__(self, text: str):
        super().__init__(f"Unable to parse range: {text}")
        self.range = text


@dataclass(frozen=True)
class A1Range:
    sheet: str | None
    first_row: int | None = None
    first_col: int | None = None
    last_row: int | None = None
    last_col: int | None = None

    def slice(self, rows: list[list[str]]) -> list[list[str]]:
        """The part of ``rows`` this range covers, trailing empty cells and rows dropped."""
        top = self.first_row or 0
        bottom = len(rows) - 1 if self.last_row is None else self.last_row
        left = self.first_col or 0
        out = []
        for row in rows[top : bottom + 1]:
            right = len(row) - 1 if self.last_col is None else self.last_col
            cells = list(row[left : right + 1])
            while cells and cells[-1] in ("", None):
                cells.pop()
            out.append(cells)
        while out and not out[-1]:
            out.pop()
        return out

    def a1(self, sheet: str, grid_rows: int, grid_cols: int) -> str:
        """The range in A1 notation on ``sheet``, open ends closed at the grid's size (as the
        API echoes a request's range)."""
        last_row = grid_rows - 1 if self.last_row is None else self.last_row
        last_col = grid_cols - 1 if self.last_col is None else self.last_col
        start = f"{column_letters(self.first_col or 0)}{(self.first_row or 0) + 1}"
        end = f"{column_letters(max(last_col, 0))}{max(last_row, 0) + 1}"
        return f"{quote_sheet(sheet)}!{start}:{end}"


def column_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + (ord(char) - 64)
    return index - 1


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def quote_sheet(name: str) -> str:
    if _BARE_SHEET.fullmatch(name) and not re.fullmatch(r"[A-Za-z]{1,3}\d*", name):
        return name
    return "'" + name.replace("'", "''") + "'"


def _cell(text: str, whole: str) -> tuple[int | None, int | None]:
    found = _CELL.fullmatch(text)
    if not found or not text:
        raise A1Error(whole)
    letters, digits = found.groups()
    if digits and int(digits) < 1:
        raise A1Error(whole)
    return (int(digits) - 1 if digits else None, column_index(letters) if letters else None)


def _cells(text: str, whole: str) -> tuple[int | None, int | None, int | None, int | None]:
    start, sep, end = text.partition(":")
    first_row, first_col = _cell(start, whole)
    if not sep:
        if first_row is None or first_col is None:
            raise A1Error(whole)  # a single cell needs both a column and a row
        return first_row, first_col, first_row, first_col
    last_row, last_col = _cell(end, whole)
    # "A:C" and "2:5" are whole columns and rows; "A1:B" runs down the column.
    if (first_col is None) != (last_col is None) and last_col is not None:
        raise A1Error(whole)
    if first_row is not None and last_row is not None and last_row < first_row:
        raise A1Error(whole)
    if first_col is not None and last_col is not None and last_col < first_col:
        raise A1Error(whole)
    return first_row, first_col, last_row, last_col


def parse_a1(text: str) -> A1Range:
    whole = text
    text = (text or "").strip()
    if not text:
        raise A1Error(whole)
    if text.startswith("'"):
        end = 1
        name = ""
        while True:
            quote = text.find("'", end)
            if quote < 0:
                raise A1Error(whole)
            name += text[end:quote]
            if text[quote + 1 : quote + 2] == "'":
                name += "'"
                end = quote + 2
                continue
            rest = text[quote + 1 :]
            break
        if not name:
            raise A1Error(whole)
        if not rest:
            return A1Range(name)
        if not rest.startswith("!") or len(rest) == 1:
            raise A1Error(whole)
        return A1Range(name, *_cells(rest[1:], whole))
    sheet, bang, cells = text.rpartition("!")
    if bang:
        if not sheet or not cells or "'" in sheet:
            raise A1Error(whole)
        return A1Range(sheet, *_cells(cells, whole))
    try:
        return A1Range(None, *_cells(text, whole))
    except A1Error:
        if _BARE_SHEET.fullmatch(text):
            return A1Range(text)
        raise
