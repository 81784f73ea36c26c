"""Pricing rules, checked against prices computed by hand.

Base case (``_input()``, a market in yen such as BUYMA): cost 92,000 KRW + shipping 18,400 KRW
at 9.2 KRW/JPY = 12,000 JPY; fee 10 %, no duty, so 90 % of the price is kept.
    floor  (10 % margin): 12,000 / (0.9 - 0.10) = 15,000     -> 15,000 (already a step)
    target (20 % margin): 12,000 / (0.9 - 0.20) = 17,142.86  -> 17,200 (up to 100)
Undercut 10 yen, 100-yen steps rounded up.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation, localcontext

import pytest

from pricing import (
    MarginAmount,
    MarginRate,
    PriceRule,
    PricingInput,
    PricingInputError,
    Rounding,
    RoundingDirection,
    decide_price,
    margin_at,
)
from pricing.limits import INT32_MAX

TARGET = PriceRule.TARGET_MARGIN
UNDERCUT = PriceRule.UNDERCUT_COMPETITOR
GUARD = PriceRule.MARGIN_GUARD
UP, DOWN, NEAREST = RoundingDirection.UP, RoundingDirection.DOWN, RoundingDirection.NEAREST


def _input(**overrides: object) -> PricingInput:
    values: dict[str, object] = {
        "cost_krw": Decimal(92_000),
        "shipping_krw": Decimal(18_400),
        "krw_per_unit": Decimal("9.2"),
        "fee_rate": Decimal("0.10"),
        "target_margin": MarginRate(Decimal("0.20")),
        "minimum_margin": MarginRate(Decimal("0.10")),
        "undercut": 10,
        "rounding": Rounding(step=100, direction=UP),
        "currency": "JPY",
    }
    values.update(overrides)
    return PricingInput(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "price", "rule", "competitive"),
    [
        pytest.param({}, 17_200, TARGET, True, id="no-competitor"),
        pytest.param({"competitor_price": 20_000}, 17_200, TARGET, True, id="competitor-dearer"),
        pytest.param({"competitor_price": 17_201}, 17_200, TARGET, True, id="competitor-1-above"),
        # 17,200 - 10 = 17,190, rounded down to 17,100 to stay at least 10 yen cheaper.
        pytest.param({"competitor_price": 17_200}, 17_100, UNDERCUT, True, id="tie-is-undercut"),
        pytest.param({"competitor_price": 16_000}, 15_900, UNDERCUT, True, id="undercut"),
        pytest.param(
            {"competitor_price": 15_010}, 15_000, UNDERCUT, True, id="undercut-lands-on-floor"
        ),
        # 15,009 - 10 = 14,999 -> 14,900 < floor 15,000.
        pytest.param(
            {"competitor_price": 15_009}, 15_000, GUARD, False, id="undercut-1-below-floor"
        ),
        pytest.param(
            {"competitor_price": 12_000}, 15_000, GUARD, False, id="competitor-under-floor"
        ),
        pytest.param(
            {"competitor_price": 15_000, "undercut": 0},
            15_000,
            UNDERCUT,
            True,
            id="zero-undercut-matches-floor",
        ),
        pytest.param(
            {"competitor_price": 16_000, "undercut": 0}, 16_000, UNDERCUT, True, id="match"
        ),
        pytest.param(
            {"competitor_price": 16_000, "rounding": Rounding(10, UP)},
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
            {"target_margin": MarginAmount(Decimal(3000))},
            16_700,
            TARGET,
            True,
            id="amount-target-up",
        ),
        pytest.param(
            {"target_margin": MarginAmount(Decimal(3000)), "rounding": Rounding(10, NEAREST)},
            16_670,
            TARGET,
            True,
            id="amount-target-nearest-10",
        ),
        pytest.param(
            {"target_margin": MarginAmount(Decimal(3000)), "rounding": Rounding(10, DOWN)},
            16_660,
            TARGET,
            True,
            id="amount-target-down-10",
        ),
        # (12,000 + 2,985) / 0.9 = 16,650 exactly: a half step.
        pytest.param(
            {"target_margin": MarginAmount(Decimal(2985)), "rounding": Rounding(100, NEAREST)},
            16_700,
            TARGET,
            True,
            id="half-step-nearest-goes-up",
        ),
        pytest.param(
            {"target_margin": MarginAmount(Decimal(2985)), "rounding": Rounding(100, DOWN)},
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
                "minimum_margin": MarginAmount(Decimal("1500.09")),
                "target_margin": MarginAmount(Decimal(1550)),
                "rounding": Rounding(100, DOWN),
            },
            15_100,
            GUARD,
            True,
            id="rounding-down-never-breaks-floor",
        ),
        pytest.param(
            {"minimum_margin": MarginAmount(Decimal(1500)), "competitor_price": 12_000},
            15_000,
            GUARD,
            False,
            id="amount-floor-on-step-stays",
        ),
        # Duty 5 % of the price + 500 yen: keeps 85 %, fixed cost 12,500.
        # target 12,500 / (0.85 - 0.20) = 19,230.77 -> 19,300;
        # floor 12,500 / (0.85 - 0.10) = 16,666.67 -> 16,700.
        pytest.param(
            {"duty_rate": Decimal("0.05"), "duty": Decimal(500)},
            19_300,
            TARGET,
            True,
            id="duty-target",
        ),
        pytest.param(
            {
                "duty_rate": Decimal("0.05"),
                "duty": Decimal(500),
                "competitor_price": 16_000,
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

    assert (decision.price, decision.rule, decision.competitive) == (price, rule, competitive)
    assert decision.suspend is False


@pytest.mark.parametrize(
    ("overrides", "margin", "margin_rate"),
    [
        # 17,200 * 0.9 - 12,000 = 3,480; 3,480 / 17,200 = 0.20233
        pytest.param({}, Decimal(3480), Decimal("0.2023"), id="target"),
        # 15,900 * 0.9 - 12,000 = 2,310; 2,310 / 15,900 = 0.14528
        pytest.param({"competitor_price": 16_000}, Decimal(2310), Decimal("0.1453"), id="undercut"),
        # 15,000 * 0.9 - 12,000 = 1,500; exactly the 10 % minimum
        pytest.param({"competitor_price": 9_000}, Decimal(1500), Decimal("0.1000"), id="floor"),
        # 19,300 * 0.85 - 12,500 = 3,905; 3,905 / 19,300 = 0.20233
        pytest.param(
            {"duty_rate": Decimal("0.05"), "duty": Decimal(500)},
            Decimal(3905),
            Decimal("0.2023"),
            id="duty",
        ),
    ],
)
def test_margin_of_the_decision(
    overrides: dict[str, object], margin: Decimal, margin_rate: Decimal
) -> None:
    decision = decide_price(_input(**overrides))

    assert (decision.margin, decision.margin_rate) == (margin, margin_rate)


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
        _input(suspend_when_uncompetitive=suspend_setting, competitor_price=competitor)
    )

    assert decision.suspend is suspend
    assert decision.price >= decision.floor_price


@pytest.mark.parametrize("direction", list(RoundingDirection))
@pytest.mark.parametrize("step", [1, 10, 100, 1000])
def test_invariants_over_competitor_prices(direction: RoundingDirection, step: int) -> None:
    minimum = MarginAmount(Decimal("1234.56"))
    for competitor in [None, *range(10_000, 20_001, 37)]:
        inp = _input(
            minimum_margin=minimum,
            rounding=Rounding(step, direction),
            competitor_price=competitor,
        )
        decision = decide_price(inp)

        assert decision.price % step == 0
        assert decision.price >= decision.floor_price
        assert margin_at(decision.price, inp) >= minimum.amount
        if decision.rule is UNDERCUT:
            assert competitor is not None
            assert decision.price <= competitor - inp.undercut


def test_caller_decimal_context_does_not_change_the_price() -> None:
    expected = decide_price(_input(competitor_price=16_000))

    with localcontext() as ctx:
        ctx.prec = 3
        assert decide_price(_input(competitor_price=16_000)) == expected


def test_explain_is_json_and_names_rule_inputs_and_prices() -> None:
    decision = decide_price(_input(competitor_price=12_000))

    explained = json.loads(json.dumps(decision.explain()))

    assert explained["rule"] == "margin_guard"
    assert (explained["price"], explained["floor_price"]) == (15_000, 15_000)
    assert (explained["target_price"], explained["undercut_price"]) == (17_200, 11_900)
    assert explained["fixed_cost"] == "12000.00"
    assert explained["inputs"]["krw_per_unit"] == "9.2"
    assert explained["inputs"]["target_margin"] == "20% of the price"
    assert "floor ¥15,000" in explained["reason"]


def test_int_amounts_are_stored_as_decimal() -> None:
    inp = _input(cost_krw=92_000, shipping_krw=18_400)

    assert isinstance(inp.cost_krw, Decimal)
    assert decide_price(inp).price == 17_200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"cost_krw": Decimal(-1)}, "cost_krw", id="negative-cost"),
        pytest.param({"cost_krw": Decimal(0)}, "cost_krw", id="zero-cost"),
        pytest.param({"cost_krw": 92_000.0}, "cost_krw", id="float-cost"),
        pytest.param({"cost_krw": "92000"}, "cost_krw", id="str-cost"),
        pytest.param({"shipping_krw": Decimal(-1)}, "shipping_krw", id="negative-shipping"),
        pytest.param({"krw_per_unit": Decimal(0)}, "krw_per_unit", id="zero-fx"),
        pytest.param({"krw_per_unit": Decimal("NaN")}, "krw_per_unit", id="nan-fx"),
        pytest.param({"fee_rate": Decimal(1)}, "fee_rate", id="fee-100-percent"),
        pytest.param({"fee_rate": Decimal("-0.01")}, "fee_rate", id="negative-fee"),
        pytest.param({"duty_rate": Decimal("0.90")}, "duty_rate", id="fee-plus-duty-100-percent"),
        pytest.param({"duty": Decimal(-1)}, "duty", id="negative-duty"),
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
        pytest.param({"undercut": -1}, "undercut", id="negative-undercut"),
        pytest.param({"competitor_price": 0}, "competitor_price", id="zero-competitor"),
        pytest.param(
            {"competitor_price": Decimal(9800)}, "competitor_price", id="decimal-competitor"
        ),
        pytest.param({"rounding": 100}, "rounding", id="rounding-not-typed"),
        pytest.param(
            {"suspend_when_uncompetitive": "yes"}, "suspend_when_uncompetitive", id="suspend-str"
        ),
        pytest.param({"currency": "jpy"}, "currency", id="currency-lower-case"),
        pytest.param({"currency": "YEN1"}, "currency", id="currency-not-iso"),
        # A yen rate handed to a market in won would multiply every price by 9.2.
        pytest.param({"currency": "KRW"}, "krw_per_unit", id="won-priced-at-a-yen-rate"),
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
        pytest.param(
            lambda: MarginAmount(Decimal(-1)), "MarginAmount.amount", id="negative-amount"
        ),
        pytest.param(lambda: Rounding(0), "Rounding.step", id="zero-step"),
        pytest.param(lambda: Rounding(10.0), "Rounding.step", id="float-step"),  # type: ignore[arg-type]
        pytest.param(lambda: Rounding(10, "up"), "Rounding.direction", id="str-direction"),  # type: ignore[arg-type]
    ],
)
def test_invalid_part_names_the_field(build: object, field: str) -> None:
    with pytest.raises(PricingInputError) as raised:
        build()  # type: ignore[operator]

    assert raised.value.field == field


# --- a market in won (Coupang) ---------------------------------------------------------------
#
# Cost 129,000 KRW + shipping 3,000 KRW, no FX (1 won per won): fixed cost 132,000 KRW.
# Coupang fee 11.55 %, no duty: 88.45 % of the price is kept. 10-won steps rounded up.
#     floor  (10 %): 132,000 / (0.8845 - 0.10) = 168,260.04 -> 168,270
#     target (20 %): 132,000 / (0.8845 - 0.20) = 192,841.49 -> 192,850
# Undercut 100 won.


def _coupang(**overrides: object) -> PricingInput:
    values: dict[str, object] = {
        "cost_krw": 129_000,
        "shipping_krw": 3_000,
        "krw_per_unit": 1,
        "fee_rate": Decimal("0.1155"),
        "target_margin": MarginRate(Decimal("0.20")),
        "minimum_margin": MarginRate(Decimal("0.10")),
        "undercut": 100,
        "rounding": Rounding(step=10, direction=UP),
        "currency": "KRW",
    }
    values.update(overrides)
    return PricingInput(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("competitor", "price", "rule", "competitive"),
    [
        pytest.param(None, 192_850, TARGET, True, id="no-competitor"),
        pytest.param(200_000, 192_850, TARGET, True, id="competitor-dearer"),
        # 180,000 - 100 = 179,900, already a multiple of 10.
        pytest.param(180_000, 179_900, UNDERCUT, True, id="undercut"),
        # 180,005 - 100 = 179,905 -> down to 179,900: at least 100 won cheaper, on a 10-won step.
        pytest.param(180_005, 179_900, UNDERCUT, True, id="undercut-rounds-down-to-10"),
        pytest.param(168_370, 168_270, UNDERCUT, True, id="undercut-lands-on-floor"),
        # 168,369 - 100 = 168,269 -> 168,260 < floor 168,270.
        pytest.param(168_369, 168_270, GUARD, False, id="undercut-1-below-floor"),
    ],
)
def test_a_market_in_won_prices_in_10_won_steps_without_fx(
    competitor: int | None, price: int, rule: PriceRule, competitive: bool
) -> None:
    decision = decide_price(_coupang(competitor_price=competitor))

    assert (decision.price, decision.rule, decision.competitive) == (price, rule, competitive)
    assert decision.currency == "KRW"
    assert decision.price % 10 == 0
    assert (decision.floor_price, decision.target_price) == (168_270, 192_850)


def test_the_fee_of_a_market_in_won_is_taken_from_the_price() -> None:
    decision = decide_price(_coupang())

    # 192,850 x (1 - 0.1155) - 132,000 = 38,575.83; 38,575.83 / 192,850 = 0.2000
    assert (decision.margin, decision.margin_rate) == (Decimal(38_576), Decimal("0.2000"))
    assert decision.inputs.fixed_cost == 132_000  # the won cost, unconverted
    without_fee = decide_price(_coupang(fee_rate=Decimal(0)))
    # 132,000 / 0.8 = 165,000: the fee is what lifts the price to 192,850.
    assert without_fee.price == 165_000


def test_explain_of_a_market_in_won_names_the_currency() -> None:
    explained = json.loads(json.dumps(decide_price(_coupang(competitor_price=150_000)).explain()))

    assert (explained["price"], explained["currency"]) == (168_270, "KRW")
    assert explained["inputs"]["currency"] == "KRW"
    assert explained["inputs"]["krw_per_unit"] == "1"
    assert explained["inputs"]["rounding_step"] == 10
    assert explained["inputs"]["competitor_price"] == 150_000
    assert "floor ₩168,270" in explained["reason"]


def test_invariants_in_won_over_competitor_prices() -> None:
    minimum = MarginAmount(Decimal(15_000))
    for competitor in [None, *range(150_000, 220_001, 997)]:
        inp = _coupang(minimum_margin=minimum, competitor_price=competitor)
        decision = decide_price(inp)

        assert decision.price % 10 == 0
        assert decision.price >= decision.floor_price
        assert margin_at(decision.price, inp) >= minimum.amount
        if decision.rule is UNDERCUT:
            assert competitor is not None
            assert decision.price <= competitor - 100


def test_a_fixed_margin_is_described_in_the_market_currency() -> None:
    assert MarginAmount(Decimal(3000)).describe("KRW") == "₩3,000"
    assert MarginAmount(Decimal(3000)).describe("JPY") == "¥3,000"
    assert MarginAmount(Decimal("12.5")).describe("USD") == "12.5 USD"


# --- absurd values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "field"),
    [
        pytest.param(lambda: _input(cost_krw=Decimal("1e30")), "cost_krw", id="cost-1e30"),
        pytest.param(lambda: _input(cost_krw=2**63 - 1), "cost_krw", id="cost-int64-max"),
        pytest.param(
            lambda: _input(cost_krw=1_000_000_001), "cost_krw", id="cost-over-a-billion-won"
        ),
        pytest.param(lambda: _input(cost_krw=Decimal("1e-30")), "cost_krw", id="cost-under-1-won"),
        pytest.param(
            lambda: _input(shipping_krw=Decimal("1e30")), "shipping_krw", id="shipping-1e30"
        ),
        pytest.param(lambda: _input(duty=2**63 - 1), "duty", id="duty-int64-max"),
        pytest.param(lambda: _input(krw_per_unit=Decimal("1e-30")), "krw_per_unit", id="fx-1e-30"),
        pytest.param(lambda: _input(krw_per_unit=Decimal("1e30")), "krw_per_unit", id="fx-1e30"),
        pytest.param(
            lambda: _input(competitor_price=2**63 - 1), "competitor_price", id="competitor-int64"
        ),
        pytest.param(lambda: _input(undercut=2**63 - 1), "undercut", id="undercut-int64"),
        pytest.param(lambda: Rounding(2**63 - 1), "Rounding.step", id="step-int64"),
        pytest.param(
            lambda: MarginAmount(Decimal("1e30")), "MarginAmount.amount", id="margin-1e30"
        ),
        # Each figure is allowed, but together they price the item above a 32-bit price:
        # 1e9 won at 0.001 won per unit is 1e12 units.
        pytest.param(
            lambda: _input(cost_krw=1_000_000_000, krw_per_unit=Decimal("0.001")),
            "price",
            id="price-over-int32",
        ),
        # A margin rate a hair under what the fee leaves divides by almost nothing.
        pytest.param(
            lambda: _input(target_margin=MarginRate(Decimal("0.8999999999999999999"))),
            "price",
            id="margin-rate-leaves-almost-nothing",
        ),
        pytest.param(lambda: _input(rounding=Rounding(INT32_MAX)), "price", id="a-step-past-int32"),
    ],
)
def test_absurd_values_name_their_field_instead_of_a_decimal_error(
    build: object, field: str
) -> None:
    try:
        build()  # type: ignore[operator]
    except PricingInputError as exc:
        assert exc.field == field, str(exc)
    except InvalidOperation as exc:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"decimal.InvalidOperation escaped: {exc!r}")
    else:
        pytest.fail(f"no PricingInputError for {field}")


def test_the_dearest_allowed_input_prices_within_32_bits() -> None:
    # 1e9 won at 1 won per unit, 50 % kept - 10 % target margin: 2.5e9 > 2**31 - 1...
    with pytest.raises(PricingInputError, match="price: the price for minimum_margin"):
        _coupang(cost_krw=1_000_000_000, fee_rate=Decimal("0.5"))
    # ...while 1e9 won at a 20 % fee still fits: every price is a storable int.
    decision = decide_price(_coupang(cost_krw=1_000_000_000, competitor_price=INT32_MAX))
    assert decision.price <= INT32_MAX
    assert decision.price % 10 == 0
