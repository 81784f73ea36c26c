"""The inputs of one pricing decision, validated when they are built.

Conventions, so that no field is ambiguous:
- the price and every amount without a suffix (``duty``, ``undercut``, ``competitor_price``,
  ``Rounding.step``, ``MarginAmount.amount``) are in the market currency, ``currency``;
- money that is always in won ends in ``_krw`` (the supplier cost and the shipping);
- every ``rate`` is a fraction of the sale price: ``Decimal("0.055")`` is 5.5 %;
- ``krw_per_unit`` is how many won one unit of the market currency costs (about 9.2 for the
  yen in 2026; exactly 1 when the market sells in won), never the inverse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from decimal import Decimal, localcontext

from pricing.errors import PricingInputError
from pricing.limits import (
    DECIMAL_CONTEXT,
    INT32_MAX,
    KRW_PER_UNIT_MAX,
    KRW_PER_UNIT_MIN,
    MONEY_MAX,
)
from pricing.money import money
from pricing.rounding import Rounding


@dataclass(frozen=True, slots=True)
class MarginRate:
    """A margin as a fraction of the sale price (margin / price, not markup on cost)."""

    rate: Decimal

    def __post_init__(self) -> None:
        _set_decimal(self, "rate", "MarginRate.rate")
        if not Decimal(0) <= self.rate < 1:
            raise PricingInputError("MarginRate.rate", f"must be in [0, 1), got {self.rate}")

    def describe(self, currency: str = "") -> str:
        return f"{(self.rate * 100).normalize():f}% of the price"


@dataclass(frozen=True, slots=True)
class MarginAmount:
    """A margin as a fixed amount of the market currency per item."""

    amount: Decimal

    def __post_init__(self) -> None:
        _set_decimal(self, "amount", "MarginAmount.amount")
        if not Decimal(0) <= self.amount <= MONEY_MAX:
            raise PricingInputError(
                "MarginAmount.amount", f"must be in [0, {MONEY_MAX:,}], got {self.amount}"
            )

    def describe(self, currency: str = "") -> str:
        return money(self.amount, currency) if currency else f"{self.amount.normalize():,f}"


Margin = MarginRate | MarginAmount


@dataclass(frozen=True, slots=True)
class PricingInput:
    """Everything ``decide_price`` needs for one item; invalid values raise PricingInputError.

    cost_krw: what one unit costs us at the supplier, KRW (> 0, at most a billion).
    shipping_krw: shipping of one unit from the supplier to the buyer, KRW.
    krw_per_unit: won per one unit of ``currency``; 1 when the market sells in won.
    fee_rate: share of the sale price the market keeps (commission and payment fees).
    target_margin: the margin we list at when no competitor forces us lower.
    minimum_margin: the margin no price may go under (the floor).
    currency: the market's currency (ISO 4217), the currency of the price and of every
        amount without a ``_krw`` suffix.
    duty_rate: share of the sale price set aside for import duty and tax on duty-included
        listings (enter the effective rate on the sale price).
    duty: fixed duty or customs charge per item, market currency.
    undercut: how much cheaper than the cheapest competitor we want to be (>= 0).
    rounding: step (market currency) and direction for the target price.
    competitor_price: the cheapest competitor's price, or None when nobody else sells it.
    suspend_when_uncompetitive: suspend the listing instead of listing at the floor when the
        floor is not below the competitor.
    """

    cost_krw: Decimal
    shipping_krw: Decimal
    krw_per_unit: Decimal
    fee_rate: Decimal
    target_margin: Margin
    minimum_margin: Margin
    currency: str
    duty_rate: Decimal = Decimal(0)
    duty: Decimal = Decimal(0)
    undercut: int = 0
    rounding: Rounding = field(default_factory=Rounding)
    competitor_price: int | None = None
    suspend_when_uncompetitive: bool = False

    def __post_init__(self) -> None:
        for name in _DECIMAL_FIELDS:
            _set_decimal(self, name, name)
        # A zero cost is almost always a price the scraper failed to read; listing it would
        # sell the item for the shipping cost alone.
        # Under one won the fixed cost could round to nothing and the price to zero.
        _require(
            self.cost_krw >= 1, "cost_krw", f"must be > 0 (at least 1 won), got {self.cost_krw}"
        )
        for name in ("cost_krw", "shipping_krw", "duty"):
            value = getattr(self, name)
            _require(value >= 0, name, f"must be >= 0, got {value}")
            _require(value <= MONEY_MAX, name, f"must be at most {MONEY_MAX:,}, got {value:E}")
        self._check_currency()
        for name in ("fee_rate", "duty_rate"):
            value = getattr(self, name)
            _require(Decimal(0) <= value < 1, name, f"must be in [0, 1), got {value}")
        _require(
            self.fee_rate + self.duty_rate < 1,
            "duty_rate",
            "fee_rate + duty_rate must be < 1: nothing of the price would be left",
        )
        for name in ("target_margin", "minimum_margin"):
            self._check_margin(name)
        _check_int(self.undercut, "undercut", minimum=0)
        if self.competitor_price is not None:
            _check_int(self.competitor_price, "competitor_price", minimum=1)
        _require(isinstance(self.rounding, Rounding), "rounding", "must be a Rounding")
        _require(
            isinstance(self.suspend_when_uncompetitive, bool),
            "suspend_when_uncompetitive",
            "must be a bool",
        )
        self._check_prices_fit()

    @property
    def kept_rate(self) -> Decimal:
        """Share of the sale price left after the market's fee and the duty rate."""
        return 1 - self.fee_rate - self.duty_rate

    @property
    def fixed_cost(self) -> Decimal:
        """Costs that do not depend on the sale price, in the market currency (not rounded)."""
        return (self.cost_krw + self.shipping_krw) / self.krw_per_unit + self.duty

    def price_for(self, margin: Margin) -> Decimal:
        """The exact (unrounded) price at which the margin equals ``margin``."""
        if isinstance(margin, MarginRate):
            return self.fixed_cost / (self.kept_rate - margin.rate)
        return (self.fixed_cost + margin.amount) / self.kept_rate

    def as_dict(self) -> dict[str, str | int | bool | None]:
        """Return the inputs as JSON-ready values (Decimals as exact strings)."""
        out: dict[str, str | int | bool | None] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, MarginRate | MarginAmount):
                out[f.name] = value.describe(self.currency)
            elif isinstance(value, Rounding):
                out["rounding_step"] = value.step
                out["rounding_direction"] = value.direction.value
            elif isinstance(value, Decimal):
                out[f.name] = f"{value:f}"
            else:
                out[f.name] = value
        return out

    def _check_currency(self) -> None:
        _require(
            isinstance(self.currency, str) and bool(re.fullmatch(r"[A-Z]{3}", self.currency)),
            "currency",
            f"must be an ISO 4217 code such as 'JPY' or 'KRW', got {self.currency!r}",
        )
        if self.currency == "KRW":
            # Won priced in won: any other rate is the rate of another market's currency
            # passed by mistake, and would multiply or divide every price by it.
            _require(
                self.krw_per_unit == 1,
                "krw_per_unit",
                f"must be 1 when the currency is KRW, got {self.krw_per_unit}",
            )
        _require(
            KRW_PER_UNIT_MIN <= self.krw_per_unit <= KRW_PER_UNIT_MAX,
            "krw_per_unit",
            f"must be in [{KRW_PER_UNIT_MIN}, {KRW_PER_UNIT_MAX:,}], got {self.krw_per_unit}",
        )

    def _check_margin(self, name: str) -> None:
        margin = getattr(self, name)
        _require(
            isinstance(margin, MarginRate | MarginAmount),
            name,
            "must be MarginRate or MarginAmount",
        )
        if isinstance(margin, MarginRate):
            # margin = rate * price has a solution only while the rate fits in what the fee
            # and duty leave of the price.
            _require(
                margin.rate < self.kept_rate,
                name,
                f"rate {margin.rate} must be < 1 - fee_rate - duty_rate = {self.kept_rate}",
            )

    def _check_prices_fit(self) -> None:
        """Refuse inputs whose floor or target price could not be stored as a price.

        Checked on the exact price plus one step, the most rounding can add, so that every
        price ``decide_price`` returns fits and no decimal operation on it can fail.
        """
        with localcontext(DECIMAL_CONTEXT):
            for name in ("minimum_margin", "target_margin"):
                highest = self.price_for(getattr(self, name)) + self.rounding.step
                _require(
                    highest <= INT32_MAX,
                    "price",
                    f"the price for {name} ({highest:.6E} {self.currency}) does not fit a"
                    f" 32-bit price (at most {INT32_MAX:,}): check cost_krw, shipping_krw,"
                    " krw_per_unit, the rates and the margins",
                )


_DECIMAL_FIELDS = (
    "cost_krw",
    "shipping_krw",
    "krw_per_unit",
    "fee_rate",
    "duty_rate",
    "duty",
)


def _require(ok: bool, field_name: str, problem: str) -> None:
    if not ok:
        raise PricingInputError(field_name, problem)


def _set_decimal(obj: object, attr: str, field_name: str) -> None:
    """Accept Decimal or int (stored as Decimal); reject float, str, NaN and infinities.

    Floats are refused because binary fractions such as 0.055 would leak rounding errors
    into prices that must be reproducible.
    """
    value = getattr(obj, attr)
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise PricingInputError(field_name, f"must be a Decimal or int, got {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise PricingInputError(field_name, f"must be finite, got {value}")
    object.__setattr__(obj, attr, value)


def _check_int(value: object, field_name: str, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PricingInputError(field_name, f"must be an int, got {type(value).__name__}")
    if not minimum <= value <= INT32_MAX:
        raise PricingInputError(field_name, f"must be in [{minimum}, {INT32_MAX:,}], got {value:,}")
