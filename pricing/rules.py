"""The price we list an item at on a market, in that market's currency, and why.

margin(P) = P * (1 - fee_rate - duty_rate) - (cost_krw + shipping_krw) / krw_per_unit - duty

1. floor  = lowest price whose margin meets ``minimum_margin``, rounded UP to the step.
2. target = price whose margin meets ``target_margin``, rounded in the configured direction,
            raised to the floor if rounding (or a target below the minimum) went under it.
3. With no competitor, or a competitor dearer than the target, we list at the target.
4. Otherwise we undercut: competitor - undercut, rounded DOWN to the step so we stay at
   least ``undercut`` cheaper. If that is under the floor we list at the floor instead,
   mark the decision not competitive, and suspend if the input asks for it.

The same rules price a BUYMA listing in yen and a Coupang listing in won: only the currency,
the rate (1 for won) and the rule's figures differ. See docs/pricing.md for worked examples.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from pricing.inputs import Margin, PricingInput
from pricing.limits import DECIMAL_CONTEXT
from pricing.money import money
from pricing.rounding import RoundingDirection, round_to_step

_UNIT = Decimal(1)
_RATE = Decimal("0.0001")


class PriceRule(enum.StrEnum):
    TARGET_MARGIN = "target_margin"
    UNDERCUT_COMPETITOR = "undercut_competitor"
    MARGIN_GUARD = "margin_guard"


@dataclass(frozen=True, slots=True)
class PriceDecision:
    """The chosen price and everything needed to show why it was chosen.

    Every amount is in ``currency``, the market's. Invariants: ``price >= floor_price``, so
    the margin at ``price`` meets ``minimum_margin``; ``margin`` and ``margin_rate`` are that
    margin rounded for display; ``competitive`` is False only when the floor stopped an
    undercut; ``suspend`` implies ``not competitive``.
    """

    price: int
    rule: PriceRule
    margin: Decimal
    margin_rate: Decimal
    competitive: bool
    suspend: bool
    floor_price: int
    target_price: int
    undercut_price: int | None
    reason: str
    inputs: PricingInput

    @property
    def currency(self) -> str:
        return self.inputs.currency

    @property
    def margin_percent(self) -> Decimal:
        return self.margin_rate * 100

    def explain(self) -> dict[str, object]:
        """Return the decision, its intermediate prices and its inputs as JSON-ready values."""
        return {
            "price": self.price,
            "currency": self.currency,
            "rule": self.rule.value,
            "reason": self.reason,
            "margin": f"{self.margin:f}",
            "margin_rate": f"{self.margin_rate:f}",
            "competitive": self.competitive,
            "suspend": self.suspend,
            "floor_price": self.floor_price,
            "target_price": self.target_price,
            "undercut_price": self.undercut_price,
            "fixed_cost": f"{self.inputs.fixed_cost.quantize(Decimal('0.01')):f}",
            "inputs": self.inputs.as_dict(),
        }


def price_for_margin(margin: Margin, inp: PricingInput) -> Decimal:
    """Return the exact (unrounded) price at which the margin equals ``margin``."""
    return inp.price_for(margin)


def margin_at(price: int, inp: PricingInput) -> Decimal:
    """Return the exact margin, in the market currency, when the item sells at ``price``."""
    return price * inp.kept_rate - inp.fixed_cost


def decide_price(inp: PricingInput) -> PriceDecision:
    """Decide the listing price for ``inp`` (see the module docstring for the rules).

    Promises: the price is a multiple of ``inp.rounding.step``, never below the floor,
    never above the rounded target unless the floor is higher; an undercut price is at least
    ``inp.undercut`` below the competitor; the price fits a 32-bit signed int (the input
    refuses figures that would not). The same input always gives the same decision.
    """
    with localcontext(DECIMAL_CONTEXT):
        step = inp.rounding.step
        floor = round_to_step(price_for_margin(inp.minimum_margin, inp), step, RoundingDirection.UP)
        target = round_to_step(
            price_for_margin(inp.target_margin, inp), step, inp.rounding.direction
        )
        listed = max(target, floor)
        rule = PriceRule.TARGET_MARGIN if target >= floor else PriceRule.MARGIN_GUARD
        show = _shown_in(inp.currency)
        reason = (
            f"listed at the target margin ({inp.target_margin.describe(inp.currency)})"
            if rule is PriceRule.TARGET_MARGIN
            else f"the target price {show(target)} is below the minimum-margin floor {show(floor)}"
        )
        competitor = inp.competitor_price

        if competitor is None:
            return _decision(inp, listed, rule, f"no competitor: {reason}", floor, target)
        # A tie is not a win (equal prices leave the order to the market), so a competitor at
        # our price is treated as cheaper.
        if competitor > listed:
            reason = (
                f"the cheapest competitor ({show(competitor)}) is above {show(listed)}: {reason}"
            )
            return _decision(inp, listed, rule, reason, floor, target)

        undercut = round_to_step(Decimal(competitor - inp.undercut), step, RoundingDirection.DOWN)
        if undercut >= floor:
            reason = (
                f"the cheapest competitor ({show(competitor)}) is at or below {show(listed)}:"
                f" undercut by at least {show(inp.undercut)} to {show(undercut)}"
            )
            return _decision(
                inp, undercut, PriceRule.UNDERCUT_COMPETITOR, reason, floor, target, undercut
            )

        reason = (
            f"undercutting the cheapest competitor ({show(competitor)}) would give"
            f" {show(undercut)}, below the minimum-margin floor {show(floor)}: listed at the"
            " floor, not competitive"
        )
        if inp.suspend_when_uncompetitive:
            reason += "; suspended as the input asks"
        return _decision(
            inp,
            floor,
            PriceRule.MARGIN_GUARD,
            reason,
            floor,
            target,
            undercut,
            competitive=False,
        )


def _decision(
    inp: PricingInput,
    price: int,
    rule: PriceRule,
    reason: str,
    floor: int,
    target: int,
    undercut: int | None = None,
    *,
    competitive: bool = True,
) -> PriceDecision:
    margin = margin_at(price, inp)
    return PriceDecision(
        price=price,
        rule=rule,
        # Rounded for display only; the floor check above used exact values.
        margin=margin.quantize(_UNIT, rounding=ROUND_HALF_UP),
        margin_rate=(margin / price).quantize(_RATE, rounding=ROUND_HALF_UP),
        competitive=competitive,
        suspend=not competitive and inp.suspend_when_uncompetitive,
        floor_price=floor,
        target_price=target,
        undercut_price=undercut,
        reason=reason,
        inputs=inp,
    )


def _shown_in(currency: str) -> Callable[[int], str]:
    """How this decision's reason writes a price: ``¥17,200``, ``₩129,000``."""
    return lambda amount: money(amount, currency)
