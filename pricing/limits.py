"""Bounds that keep every pricing computation exact and every price storable.

The arithmetic runs at 28 significant digits (``DECIMAL_CONTEXT``); amounts far beyond any
real item (a cost of 1e30 won, an int of 2**63) would make ``quantize`` raise
``decimal.InvalidOperation`` deep inside a decision. ``PricingInput`` refuses them up front
with a ``PricingInputError`` that names the field instead.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal

# Fixed here so a caller that changed the thread's decimal context (precision, rounding)
# cannot change a price.
DECIMAL_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)

# Prices are stored in 32-bit signed integer columns on every database (PositiveIntegerField
# and the markets' APIs alike): a price above this could not be written or sent.
INT32_MAX = 2**31 - 1

# No supplier cost, shipping or fixed charge of one item comes near a billion won (or yen);
# a figure above is a unit mix-up or a broken feed.
MONEY_MAX = Decimal(1_000_000_000)

# KRW per one unit of a market currency: from about 0.05 (Vietnamese dong) to about 4,500
# (Kuwaiti dinar); outside these no currency is priced and the division would leave the
# precision the price needs.
KRW_PER_UNIT_MIN = Decimal("0.001")
KRW_PER_UNIT_MAX = Decimal(100_000)
