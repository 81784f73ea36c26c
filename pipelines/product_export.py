"""The product page as a file: CSV or Excel, one line per product and market account.

A product on none of the exported accounts still gets one line (with its account columns
empty), so every product of the filtered list is in the file. Texts come from suppliers, so a
cell that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@`` first) is written
with a leading apostrophe. The CSV starts with a byte-order mark: Excel then reads it as
UTF-8 and shows Korean and Japanese as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from .selectors import AccountColumn, AccountState, ProductRow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
XLSX_CELL_MAX = 32_000  # Excel refuses a cell over 32,767 characters


def export_header() -> list[str]:
    return [
        _("Supplier"),
        _("Source ID"),
        _("Title"),
        _("Brand"),
        _("Model number"),
        _("Cost (KRW)"),
        _("Supplier state"),
        _("Account"),
        _("Market"),
        _("Status"),
        _("Waiting for"),
        _("Price"),
        _("Currency"),
        _("Margin"),
        _("Margin rate (%)"),
        _("Variants available"),
        _("Variants"),
        _("Last sync"),
        _("Last error"),
    ]


def export_lines(rows: Iterable[ProductRow]) -> Iterator[list[Any]]:
    """One list of values per product and account where the product is (see the header)."""
    for row in rows:
        product = [
            row.supplier,
            row.source_id,
            row.title,
            row.brand,
            row.model_number,
            row.cost_krw,
            row.state,
        ]
        states = [s for s in row.accounts if s.present]
        if not states:
            yield product + [None] * (len(export_header()) - len(product))
            continue
        for state in states:
            yield product + _account_values(state)


def products_csv(rows: Iterable[ProductRow]) -> Iterator[str]:
    """The CSV text, a line at a time (for a streamed response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flushed() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(export_header())
    yield BOM + flushed()
    for line in export_lines(rows):
        writer.writerow([_csv_cell(value) for value in line])
        yield flushed()


def products_xlsx(rows: Iterable[ProductRow]) -> bytes:
    """The Excel workbook (one sheet, a header line, then the lines)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Products"))
    sheet.append(export_header())
    for line in export_lines(rows):
        sheet.append([_xlsx_cell(value) for value in line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_filename(accounts: Sequence[AccountColumn], extension: str) -> str:
    """``products-<date>[-<account or market>].<extension>``."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    names = {a.name for a in accounts}
    suffix = f"-{next(iter(names))}" if len(names) == 1 else ""
    return f"products-{stamp}{suffix}.{extension}"


def _account_values(state: AccountState) -> list[Any]:
    return [
        state.account.name,
        state.account.market_label,
        state.status_label if state.status else "",
        state.waiting_label if not state.status else "",
        state.price,
        state.currency,
        state.margin,
        (state.margin_rate * 100).quantize(Decimal("0.1"))
        if state.margin_rate is not None
        else None,
        state.stock_available,
        state.stock_variants,
        timezone.localtime(state.last_sync) if state.last_sync else None,
        state.error,
    ]


def _safe_text(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str):
        return _safe_text(value)
    return value


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: local time, as shown
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral() else int(value)
    if isinstance(value, str):
        return _safe_text(value[:XLSX_CELL_MAX])
    return value
