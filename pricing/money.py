"""Amounts as people read them in reasons and margins: ``¥17,200``, ``₩129,000``."""

from __future__ import annotations

from decimal import Decimal

_SYMBOLS = {"JPY": "¥", "KRW": "₩"}


def money(amount: int | Decimal, currency: str) -> str:
    """``amount`` with thousands separators and the currency's sign (or code when unknown)."""
    text = f"{amount:,}" if isinstance(amount, int) else f"{amount.normalize():,f}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"
