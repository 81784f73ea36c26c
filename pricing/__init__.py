"""Pricing rules: from supplier cost and the cheapest competitor to a listing price, in the
currency of the market the item is listed on (yen on BUYMA, won on the Korean markets).

Pure Python (no Django); the PRICE stage stores ``PriceDecision.explain()`` next to the price.
"""

from pricing.errors import PricingInputError
from pricing.inputs import Margin, MarginAmount, MarginRate, PricingInput
from pricing.rounding import Rounding, RoundingDirection
from pricing.rules import PriceDecision, PriceRule, decide_price, margin_at, price_for_margin

__all__ = [
    "Margin",
    "MarginAmount",
    "MarginRate",
    "PriceDecision",
    "PriceRule",
    "PricingInput",
    "PricingInputError",
    "Rounding",
    "RoundingDirection",
    "decide_price",
    "margin_at",
    "price_for_margin",
]
