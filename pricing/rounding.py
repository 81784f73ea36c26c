"""Rounding an amount of the market currency to a price step (10 yen, 100 won, ...)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from pricing.errors import PricingInputError
from pricing.limits import INT32_MAX


class RoundingDirection(enum.StrEnum):
    UP = "up"
    DOWN = "down"
    NEAREST = "nearest"  # halves go up: 16,650 -> 16,700 with a step of 100


_DECIMAL_ROUNDING = {
    RoundingDirection.UP: ROUND_CEILING,
    RoundingDirection.DOWN: ROUND_FLOOR,
    RoundingDirection.NEAREST: ROUND_HALF_UP,
}


@dataclass(frozen=True, slots=True)
class Rounding:
    """How the target price is rounded: to a multiple of ``step`` (market currency) in
    ``direction``.

    The direction applies to the target price only; the floor always rounds up and an
    undercut always rounds down (see ``pricing.rules``).
    """

    step: int = 10
    direction: RoundingDirection = RoundingDirection.UP

    def __post_init__(self) -> None:
        if isinstance(self.step, bool) or not isinstance(self.step, int):
            raise PricingInputError("Rounding.step", "must be an int")
        if self.step < 1:
            raise PricingInputError("Rounding.step", f"must be >= 1, got {self.step}")
        if self.step > INT32_MAX:
            raise PricingInputError(
                "Rounding.step", f"must be at most {INT32_MAX:,}, got {self.step:,}"
            )
        if not isinstance(self.direction, RoundingDirection):
            raise PricingInputError(
                "Rounding.direction", f"must be a RoundingDirection, got {self.direction!r}"
            )


def round_to_step(amount: Decimal, step: int, direction: RoundingDirection) -> int:
    """Return the multiple of ``step`` next to ``amount`` in ``direction``.

    A multiple of the step is returned unchanged in every direction.
    """
    steps = (amount / step).to_integral_value(rounding=_DECIMAL_ROUNDING[direction])
    return int(steps) * step
