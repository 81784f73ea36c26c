"""Pricing rules, checked against prices computed by hand.

Base case (``_input()``): cost 92,000 KRW + shipping 18,400 KRW at 9.2 KRW/JPY = 12,000 JPY;
BUYMA fee 10 %, no duty, so 90 % of the price is kept.
    floor  (10 % margin): 12,000 / (0.9 - 0.10) = 15,000     -> 15,000 (already a step)
    target (20 % margin): 12,000 / (0.9 - 0.20) = 17,142.86  -> 17,200 (up to 100)
Undercut 10 yen, 100-yen steps rounded up.
"""

from __future__ import annotations

import json
from decimal import Decimal, localcontext

import pytest

from pricing import (
    MarginRate,
    MarginYen,
    PriceRule,
    PricingInput,
    PricingInputError,
    Rounding,
    RoundingDirection,
    decide_price,
    margin_at,
)

TARGET = PriceRule.TARGET_MARGIN
UNDERCUT = PriceRule.UNDERCUT_COMPETITOR
GUARD = PriceRule.MARGIN_GUARD
UP, DOWN, NEAREST = RoundingDirection.UP, RoundingDirection.DOWN, RoundingDirection.NEAREST


def _input(**overrides: object) -> PricingInput:
    values: dict[str, object] = {
        "cost_krw": Decimal(92_000),
        "shipping_krw": Decimal(18_400),
        "krw_per_jpy": Decimal("9.2"),
        "buyma_fee_rate": Decimal("0.10"),
        "target_margin": MarginRate(Decimal("0.20")),
        "minimum_margin": MarginRate(Decimal("0.10")),
        "undercut_jpy": 10,
        "rounding": Rounding(step_jpy=100, direction=UP),
    }
    values.update(overrides)
    return PricingInput(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "price", "rule", "competitive"),
    [
        pytest.param({}, 17_200, TARGET, True, id="no-competitor"),
        pytest.param(
            {"competitor_price_jpy": 20_000}, 17_200, TARGET, True, id="competitor-dearer"
        ),
        pytest.param(
            {"competitor_price_jpy": 17_201}, 17_200, TARGET, True, id="competitor-1-above"
        ),
        # 17,200 - 10 = 17,190, rounded down to 17,100 to stay at least 10 yen cheaper.
        pytest.param(
            {"competitor_price_jpy": 17_200}, 17_100, UNDERCUT, True, id="tie-is-undercut"
        ),
        pytest.param({"competitor_price_jpy": 16_000}, 15_900, UNDERCUT, True, id="undercut"),
        pytest.param(
            {"competitor_price_jpy": 15_010}, 15_000, UNDERCUT, True, id="undercut-lands-on-floor"
        ),
        # 15,009 - 10 = 14,999 -> 14,900 < floor 15,000.
        pytest.param(
            {"competitor_price_jpy": 15_009}, 15_000, GUARD, False, id="undercut-1-below-floor"
        ),
        pytest.param(
            {"competitor_price_jpy": 12_000}, 15_000, GUARD, False, id="competitor-under-floor"
        ),
        pytest.param(
            {"competitor_price_jpy": 15_000, "undercut_jpy": 0},
            15_000,
            UNDERCUT,
            True,
            id="zero-undercut-matches-floor",
        ),
        pytest.param(
            {"competitor_price_jpy": 16_000, "undercut_jpy": 0}, 16_000, UNDERCUT, True, id="match"
        ),
        pytest.param(
            {"competitor_price_jpy": 16_000, "rounding": Rounding(10, UP)},
            15_990,
            UNDERCUT,
            True,
            id="undercut-10-yen-step",
        ),
        pytest.param({"rounding": Rounding(1, UP)}, 17_143, TARGET, True, id="step-1"),
        pytest.param({"rounding": Rounding(10, UP)}, 17_150, TARGET, True, id="step-10-up"),
        pytest.param({"rounding": Rounding(100, DOWN)}, 17_100, TARGET, True, id="step-100-down"),
        pytest.param(
            {"rounding": Rounding(1000, NEAREST)}, 17_000, TARGET, True, id="step-1000-nearest"
        ),
        # Fixed margin 3,000: (12,000 + 3,000) / 0.9 = 16,666.67.
        pytest.param(
            {"target_margin": MarginYen(Decimal(3000))}, 16_700, TARGET, True, id="yen-target-up"
        ),
        pytest.param(
            {"target_margin": MarginYen(Decimal(3000)), "rounding": Rounding(10, NEAREST)},
            16_670,
            TARGET,
            True,
            id="yen-target-nearest-10",
        ),
        pytest.param(
            {"target_margin": MarginYen(Decimal(3000)), "rounding": Rounding(10, DOWN)},
            16_660,
            TARGET,
            True,
            id="yen-target-down-10",
        ),
        # (12,000 + 2,985) / 0.9 = 16,650 exactly: a half step.
        pytest.param(
            {"target_margin": MarginYen(Decimal(2985)), "rounding": Rounding(100, NEAREST)},
            16_700,
            TARGET,
            True,
            id="half-step-nearest-goes-up",
        ),
        pytest.param(
            {"target_margin": MarginYen(Decimal(2985)), "rounding": Rounding(100, DOWN)},
            16_600,
            TARGET,
            True,
            id="half-step-down",
        ),
        # Target 5 % (14,117.65 -> 14,200) is under the 10 % floor of 15,000.
        pytest.param(
            {"target_margin": MarginRate(Decimal("0.05"))},
            15_000,
            GUARD,
            True,
            id="target-below-minimum",
        ),
        # Floor: (12,000 + 1,500.09) / 0.9 = 15,000.1 -> rounds UP to 15,100.
        # Target: (12,000 + 1,550) / 0.9 = 15,055.56 -> DOWN to 15,000, under the floor.
        pytest.param(
            {
                "minimum_margin": MarginYen(Decimal("1500.09")),
                "target_margin": MarginYen(Decimal(1550)),
                "rounding": Rounding(100, DOWN),
            },
            15_100,
            GUARD,
            True,
            id="rounding-down-never-breaks-floor",
        ),
        pytest.param(
            {"minimum_margin": MarginYen(Decimal(1500)), "competitor_price_jpy": 12_000},
            15_000,
            GUARD,
            False,
            id="yen-floor-on-step-stays",
        ),
        # Duty 5 % of the price + 500 yen: keeps 85 %, fixed cost 12,500.
        # target 12,500 / (0.85 - 0.20) = 19,230.77 -> 19,300;
        # floor 12,500 / (0.85 - 0.10) = 16,666.67 -> 16,700.
        pytest.param(
            {"duty_rate": Decimal("0.05"), "duty_jpy": Decimal(500)},
            19_300,
            TARGET,
            True,
            id="duty-target",
        ),
        pytest.param(
            {
                "duty_rate": Decimal("0.05"),
                "duty_jpy": Decimal(500),
                "competitor_price_jpy": 16_000,
            },
            16_700,
            GUARD,
            False,
            id="duty-floor",
        ),
    ],
)
def test_decide_price(
    overrides: dict[str, object], price: int, rule: PriceRule, competitive: bool
) -> None:
    decision = decide_price(_input(**overrides))

    assert (decision.price_jpy, decision.rule, decision.competitive) == (price, rule, competitive)
    assert decision.suspend is False


@pytest.mark.parametrize(
    ("overrides", "margin_jpy", "margin_rate"),
    [
        # 17,200 * 0.9 - 12,000 = 3,480; 3,480 / 17,200 = 0.20233
        pytest.param({}, Decimal(3480), Decimal("0.2023"), id="target"),
        # 15,900 * 0.9 - 12,000 = 2,310; 2,310 / 15,900 = 0.14528
        pytest.param(
            {"competitor_price_jpy": 16_000}, Decimal(2310), Decimal("0.1453"), id="undercut"
        ),
        # 15,000 * 0.9 - 12,000 = 1,500; exactly the 10 % minimum
        pytest.param({"competitor_price_jpy": 9_000}, Decimal(1500), Decimal("0.1000"), id="floor"),
        # 19,300 * 0.85 - 12,500 = 3,905; 3,905 / 19,300 = 0.20233
        pytest.param(
            {"duty_rate": Decimal("0.05"), "duty_jpy": Decimal(500)},
            Decimal(3905),
            Decimal("0.2023"),
            id="duty",
        ),
    ],
)
def test_margin_of_the_decision(
    overrides: dict[str, object], margin_jpy: Decimal, margin_rate: Decimal
) -> None:
    decision = decide_price(_input(**overrides))

    assert (decision.margin_jpy, decision.margin_rate) == (margin_jpy, margin_rate)


@pytest.mark.parametrize(
    ("suspend_setting", "competitor", "suspend"),
    [
        pytest.param(True, 12_000, True, id="uncompetitive-and-asked"),
        pytest.param(False, 12_000, False, id="uncompetitive-not-asked"),
        pytest.param(True, 16_000, False, id="competitive"),
        pytest.param(True, None, False, id="no-competitor"),
    ],
)
def test_suspend_only_when_asked_and_uncompetitive(
    suspend_setting: bool, competitor: int | None, suspend: bool
) -> None:
    decision = decide_price(
        _input(suspend_when_uncompetitive=suspend_setting, competitor_price_jpy=competitor)
    )

    assert decision.suspend is suspend
    assert decision.price_jpy >= decision.floor_price_jpy


@pytest.mark.parametrize("direction", list(RoundingDirection))
@pytest.mark.parametrize("step", [1, 10, 100, 1000])
def test_invariants_over_competitor_prices(direction: RoundingDirection, step: int) -> None:
    minimum = MarginYen(Decimal("1234.56"))
    for competitor in [None, *range(10_000, 20_001, 37)]:
        inp = _input(
            minimum_margin=minimum,
            rounding=Rounding(step, direction),
            competitor_price_jpy=competitor,
        )
        decision = decide_price(inp)

        assert decision.price_jpy % step == 0
        assert decision.price_jpy >= decision.floor_price_jpy
        assert margin_at(decision.price_jpy, inp) >= minimum.amount_jpy
        if decision.rule is UNDERCUT:
            assert competitor is not None
            assert decision.price_jpy <= competitor - inp.undercut_jpy


def test_caller_decimal_context_does_not_change_the_price() -> None:
    expected = decide_price(_input(competitor_price_jpy=16_000))

    with localcontext() as ctx:
        ctx.prec = 3
        assert decide_price(_input(competitor_price_jpy=16_000)) == expected


def test_explain_is_json_and_names_rule_inputs_and_prices() -> None:
    decision = decide_price(_input(competitor_price_jpy=12_000))

    explained = json.loads(json.dumps(decision.explain()))

    assert explained["rule"] == "margin_guard"
    assert (explained["price_jpy"], explained["floor_price_jpy"]) == (15_000, 15_000)
    assert (explained["target_price_jpy"], explained["undercut_price_jpy"]) == (17_200, 11_900)
    assert explained["fixed_cost_jpy"] == "12000.00"
    assert explained["inputs"]["krw_per_jpy"] == "9.2"
    assert explained["inputs"]["target_margin"] == "20% of the price"
    assert "floor ¥15,000" in explained["reason"]


def test_int_amounts_are_stored_as_decimal() -> None:
    inp = _input(cost_krw=92_000, shipping_krw=18_400)

    assert isinstance(inp.cost_krw, Decimal)
    assert decide_price(inp).price_jpy == 17_200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"cost_krw": Decimal(-1)}, "cost_krw", id="negative-cost"),
        pytest.param({"cost_krw": Decimal(0)}, "cost_krw", id="zero-cost"),
        pytest.param({"cost_krw": 92_000.0}, "cost_krw", id="float-cost"),
        pytest.param({"cost_krw": "92000"}, "cost_krw", id="str-cost"),
        pytest.param({"shipping_krw": Decimal(-1)}, "shipping_krw", id="negative-shipping"),
        pytest.param({"krw_per_jpy": Decimal(0)}, "krw_per_jpy", id="zero-fx"),
        pytest.param({"krw_per_jpy": Decimal("NaN")}, "krw_per_jpy", id="nan-fx"),
        pytest.param({"buyma_fee_rate": Decimal(1)}, "buyma_fee_rate", id="fee-100-percent"),
        pytest.param({"buyma_fee_rate": Decimal("-0.01")}, "buyma_fee_rate", id="negative-fee"),
        pytest.param({"duty_rate": Decimal("0.90")}, "duty_rate", id="fee-plus-duty-100-percent"),
        pytest.param({"duty_jpy": Decimal(-1)}, "duty_jpy", id="negative-duty"),
        # 10 % fee + 90 % margin leaves nothing to cover the cost.
        pytest.param(
            {"target_margin": MarginRate(Decimal("0.90"))}, "target_margin", id="unreachable-target"
        ),
        pytest.param(
            {"minimum_margin": MarginRate(Decimal("0.95"))},
            "minimum_margin",
            id="unreachable-minimum",
        ),
        pytest.param({"target_margin": Decimal("0.2")}, "target_margin", id="margin-not-typed"),
        pytest.param({"undercut_jpy": -1}, "undercut_jpy", id="negative-undercut"),
        pytest.param({"competitor_price_jpy": 0}, "competitor_price_jpy", id="zero-competitor"),
        pytest.param(
            {"competitor_price_jpy": Decimal(9800)}, "competitor_price_jpy", id="decimal-competitor"
        ),
        pytest.param({"rounding": 100}, "rounding", id="rounding-not-typed"),
        pytest.param(
            {"suspend_when_uncompetitive": "yes"}, "suspend_when_uncompetitive", id="suspend-str"
        ),
    ],
)
def test_invalid_input_names_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(PricingInputError) as raised:
        _input(**overrides)

    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("build", "field"),
    [
        pytest.param(lambda: MarginRate(Decimal(1)), "MarginRate.rate", id="rate-100-percent"),
        pytest.param(lambda: MarginRate(Decimal("-0.1")), "MarginRate.rate", id="negative-rate"),
        pytest.param(lambda: MarginRate(0.2), "MarginRate.rate", id="float-rate"),
        pytest.param(lambda: MarginYen(Decimal(-1)), "MarginYen.amount_jpy", id="negative-yen"),
        pytest.param(lambda: Rounding(0), "Rounding.step_jpy", id="zero-step"),
        pytest.param(lambda: Rounding(10.0), "Rounding.step_jpy", id="float-step"),  # type: ignore[arg-type]
        pytest.param(lambda: Rounding(10, "up"), "Rounding.direction", id="str-direction"),  # type: ignore[arg-type]
    ],
)
def test_invalid_part_names_the_field(build: object, field: str) -> None:
    with pytest.raises(PricingInputError) as raised:
        build()  # type: ignore[operator]

    assert raised.value.field == field
