"""Numbers read from a mall page, within the bounds of ``suppliers.bounds``.

A page is the mall's text, not a contract: "1e400" in ld+json is a float infinity, a price
cell can hold five thousand digits. These helpers return ``None`` for what is no usable whole
number instead of raising ``OverflowError`` or Python's digit-limit ``ValueError``.
"""

from __future__ import annotations

import math
import re

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_AMOUNT = re.compile(r"\d[\d,]*")
# Anything longer is far above every bound (suppliers.bounds); int() never sees it.
_DIGITS_MAX = 30


def whole_number(value: object) -> int | None:
    """An int, a finite float, or a numeric text ("12,000", "12000.0") as an int; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        digits = value.strip().replace(",", "")
        if len(digits.partition(".")[0].lstrip("0")) > _DIGITS_MAX:
            return None
        return int(float(digits)) if "." in digits else int(digits)
    return None


def first_amount(text: str | None) -> int | None:
    """The first amount in a price text: "79,000원" -> 79000; None when there is none."""
    match = _AMOUNT.search(text or "")
    if match is None:
        return None
    digits = match.group().replace(",", "").lstrip("0") or "0"
    return int(digits) if len(digits) <= _DIGITS_MAX else None
