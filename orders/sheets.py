"""Suppliers without an order API: an Excel order sheet per supplier per run, and the import of
the tracking numbers they send back (CSV or Excel).

A line for such a supplier gets its ``Purchase`` (status ``sheet``: one per line, so it is on
one sheet only) and is written to the next sheet of its supplier under
``$YOOINI_VAR_DIR/orders/sheets/<supplier>-<run>.xlsx`` (readable by this user only: the sheet
holds the recipient's address, which the supplier needs to ship). A run killed between the two
writes the rows it missed on the next run's sheet. Texts that a spreadsheet would read as a
formula are written with a leading apostrophe.

Tracking files have a header row with ``note`` (the sheet's order number, ``request_key``),
``company`` and ``number``; a row that names no known purchase, or misses a value, is reported
with its row number and the rest go on.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from openpyxl import Workbook, load_workbook

from markets.models import MarketAccount
from orchestrator.core.clock import get_clock

from .models import LineStatus, OrderLine, Purchase, PurchaseStatus
from .personal import buyer_decrypt
from .purchase import Source, request_key
from .services import line_transition

FORMULA_STARTS = ("=", "+", "-", "@")
HEADER = (
    "note",
    "item_key",
    "option_key",
    "option",
    "quantity",
    "product",
    "recipient",
    "phone",
    "address",
    "zip_code",
)


def sheets_dir() -> Path:
    return Path(settings.VAR_DIR) / "orders" / "sheets"


def sheet_add(line: OrderLine, source: Source) -> str:
    """Mark ``line`` bought through its supplier's sheet; ``sheet`` (or ``skipped``)."""
    now = get_clock().now()
    try:
        with transaction.atomic():
            Purchase.objects.create(
                line=line,
                supplier=source.supplier,
                item_key=source.item_key,
                option_key=source.option_key or "",
                quantity=line.quantity,
                request_key=request_key(line),
                status=PurchaseStatus.SHEET,
                requested_at=now,
            )
            line_transition(
                line,
                LineStatus.PURCHASED,
                cause=f"on the order sheet of {source.supplier} (no order API)",
                source="purchase",
            )
    except IntegrityError:
        return "skipped"
    return "sheet"


def sheets_write(account: MarketAccount, *, run: str) -> list[Path]:
    """Write every sheet purchase of ``account`` not yet on a sheet; the files written."""
    pending = list(
        Purchase.objects.filter(
            line__account=account, status=PurchaseStatus.SHEET, sheet_file=""
        ).select_related("line", "line__order")
    )
    by_supplier: dict[str, list[Purchase]] = {}
    for purchase in pending:
        by_supplier.setdefault(purchase.supplier, []).append(purchase)
    written = []
    for supplier, purchases in sorted(by_supplier.items()):
        path = sheets_dir() / f"{supplier}-{account.name}-{run}.xlsx"
        _sheet_save(path, purchases)
        Purchase.objects.filter(pk__in=[p.pk for p in purchases]).update(sheet_file=path.name)
        written.append(path)
    return written


def _sheet_save(path: Path, purchases: Iterable[Purchase]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "orders"
    sheet.append(HEADER)
    for purchase in purchases:
        line = purchase.line
        buyer = buyer_decrypt(line.order.buyer_encrypted)
        sheet.append(
            [
                _cell(v)
                for v in (
                    purchase.request_key,
                    purchase.item_key,
                    purchase.option_key,
                    line.option,
                    purchase.quantity,
                    line.product_name,
                    buyer["name"],
                    buyer["phone"],
                    buyer["address"],
                    buyer["zip_code"],
                )
            ]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        book.save(handle)
    partial.replace(path)


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


# --- tracking import ------------------------------------------------------------------------


def tracking_import(name: str, data: bytes) -> dict[str, Any]:
    """Tracking numbers from a supplier's CSV or Excel file (by ``name``'s extension):
    ``{"set": n, "problems": [{"row", "message"}]}``."""
    rows = _xlsx_rows(data) if name.lower().endswith(".xlsx") else _csv_rows(data)
    header = [str(c or "").strip().lower() for c in (next(rows, None) or ())]
    missing = [c for c in ("note", "company", "number") if c not in header]
    if missing:
        return {
            "set": 0,
            "problems": [{"row": 1, "message": f"missing column(s): {', '.join(missing)}"}],
        }
    at = {name: header.index(name) for name in ("note", "company", "number")}
    done, problems = 0, []
    from .processing import tracking_set  # the stage module imports this one

    for number, row in enumerate(rows, start=2):
        values = {
            k: str(row[i] if i < len(row) and row[i] is not None else "").strip().lstrip("'")
            for k, i in at.items()
        }
        if not any(values.values()):
            continue
        empty = [k for k, v in values.items() if not v]
        if empty:
            problems.append({"row": number, "message": f"empty: {', '.join(empty)}"})
            continue
        purchase = (
            Purchase.objects.filter(request_key=values["note"]).select_related("line").first()
        )
        if purchase is None:
            problems.append(
                {"row": number, "message": f"note {values['note']!r}: no such order of ours"}
            )
            continue
        line = purchase.line
        if line.tracking_number == values["number"]:
            continue
        if line.status != LineStatus.PURCHASED:
            problems.append(
                {"row": number, "message": f"note {values['note']!r}: the line is {line.status}"}
            )
            continue
        tracking_set(line, values["company"], values["number"], source="import")
        done += 1
    return {"set": done, "problems": problems}


def _csv_rows(data: bytes):
    text = data.decode("utf-8-sig")
    yield from csv.reader(io.StringIO(text))


def _xlsx_rows(data: bytes):
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    yield from book.worksheets[0].iter_rows(values_only=True)
