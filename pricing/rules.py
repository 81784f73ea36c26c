"""The price we list an item at on BUYMA, and why.

margin(P) = P * (1 - buyma_fee_rate - duty_rate) - (cost_krw + shipping_krw) / krw_per_jpy - duty_jpy

1. floor  = lowest price whose margin meets ``minimum_margin``, rounded UP to the step.
2. target = price whose margin meets ``target_margin``, rounded in the configured direction,
            raised to the floor if rounding (or a target below the minimum) went under it.
3. With no competitor, or a competitor dearer than the target, we list at the target.
4. Otherwise we undercut: competitor - undercut_jpy, rounded DOWN to the step so we stay at
   least ``undercut_jpy`` cheaper. If that is under the floor we list at the floor instead,
   mark the decision not competitive, and suspend if the input asks for it.

See docs/pricing.md for a worked example.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext

from pricing.inputs import Margin, MarginRate, PricingInput
from pricing.rounding import RoundingDirection, round_to_step

# Fixed here so a caller that changed the thread's decimal context (precision, rounding)
# cannot change a price.
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)
_YEN = Decimal(1)
_RATE = Decimal("0.0001")


class PriceRule(enum.StrEnum):
    TARGET_MARGIN = "target_margin"
    UNDERCUT_COMPETITOR = "undercut_competitor"
    MARGIN_GUARD = "margin_guard"


@dataclass(frozen=True, slots=True)
class PriceDecision:
    """The chosen price and everything needed to show why it was chosen.

    Invariants: ``price_jpy >= floor_price_jpy``, so the margin at ``price_jpy`` meets
    ``minimum_margin``; ``margin_jpy`` and ``margin_rate`` are that margin rounded for display; ``competitive`` is False only when the
    floor stopped an undercut; ``suspend`` implies ``not competitive``.
    """

    price_jpy: int
    rule: PriceRule
    margin_jpy: Decimal
    margin_rate: Decimal
    competitive: bool
    suspend: bool
    floor_price_jpy: int
    target_price_jpy: int
    undercut_price_jpy: int | None
    reason: str
    inputs: PricingInput

    @property
    def margin_percent(self) -> Decimal:
        return self.margin_rate * 100

    def explain(self) -> dict[str, object]:
        """Return the decision, its intermediate prices and its inputs as JSON-ready values."""
        return {
            "price_jpy": self.price_jpy,
            "rule": self.rule.value,
            "reason": self.reason,
            "margin_jpy": f"{self.margin_jpy:f}",
            "margin_rate": f"{self.margin_rate:f}",
            "competitive": self.competitive,
            "suspend": self.suspend,
            "floor_price_jpy": self.floor_price_jpy,
            "target_price_jpy": self.target_price_jpy,
            "undercut_price_jpy": self.undercut_price_jpy,
            "fixed_cost_jpy": f"{self.inputs.fixed_cost_jpy.quantize(Decimal('0.01')):f}",
            "inputs": self.inputs.as_dict(),
        }


def price_for_margin(margin: Margin, inp: PricingInput) -> Decimal:
    """Return the exact (unrounded) price at which the margin equals ``margin``."""
    if isinstance(margin, MarginRate):
        return inp.fixed_cost_jpy / (inp.kept_rate - margin.rate)
    return (inp.fixed_cost_jpy + margin.amount_jpy) / inp.kept_rate


def margin_at(price_jpy: int, inp: PricingInput) -> Decimal:
    """Return the exact margin in JPY when the item sells at ``price_jpy``."""
    return price_jpy * inp.kept_rate - inp.fixed_cost_jpy


def decide_price(inp: PricingInput) -> PriceDecision:
    """Decide the listing price for ``inp`` (see the module docstring for the rules).

    Promises: the price is a multiple of ``inp.rounding.step_jpy``, never below the floor,
    never above the rounded target unless the floor is higher; an undercut price is at least
    ``inp.undercut_jpy`` below the competitor. The same input always gives the same decision.
    """
    with localcontext(_CONTEXT):
        step = inp.rounding.step_jpy
        floor = round_to_step(price_for_margin(inp.minimum_margin, inp), step, RoundingDirection.UP)
        target = round_to_step(
            price_for_margin(inp.target_margin, inp), step, inp.rounding.direction
        )
        listed = max(target, floor)
        rule = PriceRule.TARGET_MARGIN if target >= floor else PriceRule.MARGIN_GUARD
        reason = (
            f"listed at the target margin ({inp.target_margin.describe()})"
            if rule is PriceRule.TARGET_MARGIN
            else f"the target price {_yen(target)} is below the minimum-margin floor {_yen(floor)}"
        )
        competitor = inp.competitor_price_jpy

        if competitor is None:
            return _decision(inp, listed, rule, f"no competitor: {reason}", floor, target)
        # A tie is not a win (equal prices leave the order to BUYMA), so a competitor at our
        # price is treated as cheaper.
        if competitor > listed:
            reason = (
                f"the cheapest competitor ({_yen(competitor)}) is above {_yen(listed)}: {reason}"
            )
            return _decision(inp, listed, rule, reason, floor, target)

        undercut = round_to_step(
            Decimal(competitor - inp.undercut_jpy), step, RoundingDirection.DOWN
        )
        if undercut >= floor:
            reason = (
                f"the cheapest competitor ({_yen(competitor)}) is at or below {_yen(listed)}:"
                f" undercut by at least {_yen(inp.undercut_jpy)} to {_yen(undercut)}"
            )
            return _decision(
                inp, undercut, PriceRule.UNDERCUT_COMPETITOR, reason, floor, target, undercut
            )

        reason = (
            f"undercutting the cheapest competitor ({_yen(competitor)}) would give {_yen(undercut)},"
            f" below the minimum-margin floor {_yen(floor)}: listed at the floor, not competitive"
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
        price_jpy=price,
        rule=rule,
        # Rounded for display only; the floor check above used exact values.
        margin_jpy=margin.quantize(_YEN, rounding=ROUND_HALF_UP),
        margin_rate=(margin / price).quantize(_RATE, rounding=ROUND_HALF_UP),
        competitive=competitive,
        suspend=not competitive and inp.suspend_when_uncompetitive,
        floor_price_jpy=floor,
        target_price_jpy=target,
        undercut_price_jpy=undercut,
        reason=reason,
        inputs=inp,
    )


def _yen(amount: int) -> str:
    return f"¥{amount:,}"
