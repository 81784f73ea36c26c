"""The sane bounds of what a supplier sends, in one place (see docs/suppliers.md, "Bounds").

Checked where data enters (the record invariants, the feed readers, the mall parsers), so a
value nobody means (a price of ``1e30``, a stock of 2**63) is one rejected product with a
clear reason instead of an overflow three stages later. Plain Python, no Django import: the
connectors and the mall parsers use it too.
"""

from __future__ import annotations

import re

PRICE_MIN_WON = 1
PRICE_MAX_WON = 1_000_000_000  # 1 billion KRW: far above any product resold, far below overflow
STOCK_MAX = 1_000_000
NAME_MAX_CHARS = 500
TEXT_MAX_CHARS = 500  # an option name, a category part, an option attribute
URL_MAX_CHARS = 2048
OPTIONS_MAX = 1000
IMAGES_MAX = 100
CATEGORY_DEPTH_MAX = 20
# JSON nesting of a supplier's item: real items nest a few levels; Python's own recursion
# (json, copy, the database drivers) breaks near 1,000, so a bound far below that.
JSON_DEPTH_MAX = 32

# Surrogate code points are not characters: UTF-8 cannot encode them, so neither can a hash,
# a log line or a database column. A JSON "\ud83d" (half an emoji) decodes to one.
_SURROGATE = re.compile("[\ud800-\udfff]")


def price_problem(value: int, what: str = "price") -> str | None:
    """Why ``value`` (whole KRW) is not a usable price, or ``None`` when it is."""
    if value < PRICE_MIN_WON:
        return f"{what} must be above 0"
    if value > PRICE_MAX_WON:
        return f"{what} is above the limit of {PRICE_MAX_WON:,} won"
    return None


def stock_problem(value: int, what: str = "stock") -> str | None:
    """Why ``value`` is not a usable stock count, or ``None`` when it is."""
    if value < 0:
        return f"{what} must not be negative"
    if value > STOCK_MAX:
        return f"{what} is above the limit of {STOCK_MAX:,}"
    return None


def text_problem(value: str, what: str, limit: int = TEXT_MAX_CHARS) -> str | None:
    """Why ``value`` cannot be stored as text, or ``None`` when it can."""
    if len(value) > limit:
        return f"{what} is {len(value):,} characters long, above the limit of {limit:,}"
    if has_surrogate(value):
        return f"{what} contains a broken character (a lone UTF-16 surrogate)"
    if "\x00" in value:
        return f"{what} contains a NUL character (U+0000), which PostgreSQL cannot store"
    return None


def has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def safe_text(text: str) -> str:
    """``text`` with any lone surrogate written as ``\\udXXX`` and any NUL as ``\\x00``: safe
    in a log, a hash or a text or JSON column of any database (PostgreSQL refuses both, even
    escaped in JSON)."""
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    if text.isascii() or not has_surrogate(text):
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def deeper_than(value: object, limit: int = JSON_DEPTH_MAX) -> bool:
    """Whether JSON ``value`` nests more than ``limit`` levels (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend(
            (child, depth + 1) for child in children if isinstance(child, dict | list | tuple)
        )
    return False
