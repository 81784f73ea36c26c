"""The inputs of one pricing decision, validated when they are built.

Conventions, so that no field is ambiguous:
- money in KRW ends in ``_krw``, money in JPY ends in ``_jpy``;
- every ``rate`` is a fraction of the BUYMA sale price: ``Decimal("0.055")`` is 5.5 %;
- ``krw_per_jpy`` is how many won one yen costs (about 9.2 in 2026), never the inverse.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal

from pricing.errors import PricingInputError
from pricing.rounding import Rounding


@dataclass(frozen=True, slots=True)
class MarginRate:
    """A margin as a fraction of the sale price (margin / price, not markup on cost)."""

    rate: Decimal

    def __post_init__(self) -> None:
        _set_decimal(self, "rate", "MarginRate.rate")
        if not Decimal(0) <= self.rate < 1:
            raise PricingInputError("MarginRate.rate", f"must be in [0, 1), got {self.rate}")

    def describe(self) -> str:
        return f"{(self.rate * 100).normalize():f}% of the price"


@dataclass(frozen=True, slots=True)
class MarginYen:
    """A margin as a fixed yen amount per item."""

    amount_jpy: Decimal

    def __post_init__(self) -> None:
        _set_decimal(self, "amount_jpy", "MarginYen.amount_jpy")
        if self.amount_jpy < 0:
            raise PricingInputError("MarginYen.amount_jpy", f"must be >= 0, got {self.amount_jpy}")

    def describe(self) -> str:
        return f"¥{self.amount_jpy.normalize():,f}"


Margin = MarginRate | MarginYen


@dataclass(frozen=True, slots=True)
class PricingInput:
    """Everything ``decide_price`` needs for one item; invalid values raise PricingInputError.

    cost_krw: what one unit costs us at the supplier, KRW (> 0).
    shipping_krw: shipping of one unit from Korea to the buyer in Japan, KRW.
    krw_per_jpy: exchange rate used to turn the KRW costs into JPY (> 0).
    buyma_fee_rate: share of the sale price BUYMA keeps.
    duty_rate: share of the sale price set aside for Japanese import duty and tax on
        duty-included listings (enter the effective rate on the sale price).
    duty_jpy: fixed duty or customs charge per item, JPY.
    target_margin: the margin we list at when no competitor forces us lower.
    minimum_margin: the margin no price may go under (the floor).
    undercut_jpy: how much cheaper than the cheapest competitor we want to be (>= 0).
    rounding: step and direction for the target price.
    competitor_price_jpy: the cheapest competitor's price, or None when nobody else sells it.
    suspend_when_uncompetitive: suspend the listing instead of listing at the floor when the
        floor is not below the competitor.
    """

    cost_krw: Decimal
    shipping_krw: Decimal
    krw_per_jpy: Decimal
    buyma_fee_rate: Decimal
    target_margin: Margin
    minimum_margin: Margin
    duty_rate: Decimal = Decimal(0)
    duty_jpy: Decimal = Decimal(0)
    undercut_jpy: int = 0
    rounding: Rounding = field(default_factory=Rounding)
    competitor_price_jpy: int | None = None
    suspend_when_uncompetitive: bool = False

    def __post_init__(self) -> None:
        for name in _DECIMAL_FIELDS:
            _set_decimal(self, name, name)
        # A zero cost is almost always a price the scraper failed to read; listing it would
        # sell the item for the shipping cost alone.
        _require(self.cost_krw > 0, "cost_krw", f"must be > 0, got {self.cost_krw}")
        _require(self.shipping_krw >= 0, "shipping_krw", f"must be >= 0, got {self.shipping_krw}")
        _require(self.krw_per_jpy > 0, "krw_per_jpy", f"must be > 0, got {self.krw_per_jpy}")
        _require(self.duty_jpy >= 0, "duty_jpy", f"must be >= 0, got {self.duty_jpy}")
        for name in ("buyma_fee_rate", "duty_rate"):
            value = getattr(self, name)
            _require(Decimal(0) <= value < 1, name, f"must be in [0, 1), got {value}")
        _require(
            self.buyma_fee_rate + self.duty_rate < 1,
            "duty_rate",
            "buyma_fee_rate + duty_rate must be < 1: nothing of the price would be left",
        )
        for name in ("target_margin", "minimum_margin"):
            self._check_margin(name)
        _check_int(self.undercut_jpy, "undercut_jpy", minimum=0)
        if self.competitor_price_jpy is not None:
            _check_int(self.competitor_price_jpy, "competitor_price_jpy", minimum=1)
        _require(isinstance(self.rounding, Rounding), "rounding", "must be a Rounding")
        _require(
            isinstance(self.suspend_when_uncompetitive, bool),
            "suspend_when_uncompetitive",
            "must be a bool",
        )

    @property
    def kept_rate(self) -> Decimal:
        """Share of the sale price left after the BUYMA fee and the duty rate."""
        return 1 - self.buyma_fee_rate - self.duty_rate

    @property
    def fixed_cost_jpy(self) -> Decimal:
        """Costs that do not depend on the sale price, in JPY (not rounded)."""
        return (self.cost_krw + self.shipping_krw) / self.krw_per_jpy + self.duty_jpy

    def as_dict(self) -> dict[str, str | int | bool | None]:
        """Return the inputs as JSON-ready values (Decimals as exact strings)."""
        out: dict[str, str | int | bool | None] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, MarginRate | MarginYen):
                out[f.name] = value.describe()
            elif isinstance(value, Rounding):
                out["rounding_step_jpy"] = value.step_jpy
                out["rounding_direction"] = value.direction.value
            elif isinstance(value, Decimal):
                out[f.name] = f"{value:f}"
            else:
                out[f.name] = value
        return out

    def _check_margin(self, name: str) -> None:
        margin = getattr(self, name)
        _require(
            isinstance(margin, MarginRate | MarginYen), name, "must be MarginRate or MarginYen"
        )
        if isinstance(margin, MarginRate):
            # margin = rate * price has a solution only while the rate fits in what the fee
            # and duty leave of the price.
            _require(
                margin.rate < self.kept_rate,
                name,
                f"rate {margin.rate} must be < 1 - buyma_fee_rate - duty_rate = {self.kept_rate}",
            )


_DECIMAL_FIELDS = (
    "cost_krw",
    "shipping_krw",
    "krw_per_jpy",
    "buyma_fee_rate",
    "duty_rate",
    "duty_jpy",
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
    if value < minimum:
        raise PricingInputError(field_name, f"must be >= {minimum}, got {value}")
