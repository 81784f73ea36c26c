"""Rounding a yen amount to a price step (10, 100, ... yen)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from pricing.errors import PricingInputError


class RoundingDirection(enum.StrEnum):
    UP = "up"
    DOWN = "down"
    NEAREST = "nearest"  # halves go up: 16,650 -> 16,700 with a 100-yen step


_DECIMAL_ROUNDING = {
    RoundingDirection.UP: ROUND_CEILING,
    RoundingDirection.DOWN: ROUND_FLOOR,
    RoundingDirection.NEAREST: ROUND_HALF_UP,
}


@dataclass(frozen=True, slots=True)
class Rounding:
    """How the target price is rounded: to a multiple of ``step_jpy`` in ``direction``.

    The direction applies to the target price only; the floor always rounds up and an
    undercut always rounds down (see ``pricing.rules``).
    """

    step_jpy: int = 10
    direction: RoundingDirection = RoundingDirection.UP

    def __post_init__(self) -> None:
        if isinstance(self.step_jpy, bool) or not isinstance(self.step_jpy, int):
            raise PricingInputError("Rounding.step_jpy", "must be an int")
        if self.step_jpy < 1:
            raise PricingInputError("Rounding.step_jpy", f"must be >= 1, got {self.step_jpy}")
        if not isinstance(self.direction, RoundingDirection):
            raise PricingInputError(
                "Rounding.direction", f"must be a RoundingDirection, got {self.direction!r}"
            )


def round_to_step(amount: Decimal, step_jpy: int, direction: RoundingDirection) -> int:
    """Return the multiple of ``step_jpy`` next to ``amount`` in ``direction``.

    A multiple of the step is returned unchanged in every direction.
    """
    steps = (amount / step_jpy).to_integral_value(rounding=_DECIMAL_ROUNDING[direction])
    return int(steps) * step_jpy
