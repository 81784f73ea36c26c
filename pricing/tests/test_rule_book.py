"""Stored pricing rules: validation, precedence by scope, the defaults, the decision record."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pricing import MarginRate, MarginYen, PriceRule, PricingInputError, Rounding, decide_price
from pricing.models import FxRate, PricingRule, RuleScope
from pricing.rounding import RoundingDirection
from pricing.services import (
    DEFAULT_RULE,
    PricingRuleMissing,
    decision_record,
    fx_rate_set,
    pricing_defaults_ensure,
    pricing_rule_save,
    pricing_rules_load,
)

pytestmark = pytest.mark.django_db


def _rule(supplier: str = "", brand: str = "", **overrides: object) -> PricingRule:
    values = {**DEFAULT_RULE, "supplier": supplier, "brand": brand, **overrides}
    return pricing_rule_save(rule=PricingRule(**values))


def _four_scopes() -> None:
    _rule(undercut_jpy=1)
    _rule(supplier="okmall", undercut_jpy=2)
    _rule(brand="Nike", undercut_jpy=3)
    _rule(supplier="okmall", brand="Nike", undercut_jpy=4)


@pytest.mark.parametrize(
    ("supplier", "brand", "undercut", "scope"),
    [
        ("okmall", "Nike", 4, RuleScope.SUPPLIER_BRAND),
        ("okmall", "  NIKE ", 4, RuleScope.SUPPLIER_BRAND),  # brands match case-blind
        ("trendmecca", "Nike", 3, RuleScope.BRAND),  # brand beats another supplier's default
        ("okmall", "Adidas", 2, RuleScope.SUPPLIER),
        ("OKMALL", "Adidas", 1, RuleScope.DEFAULT),  # supplier names are exact keys
        ("trendmecca", "Adidas", 1, RuleScope.DEFAULT),
        ("", "", 1, RuleScope.DEFAULT),
    ],
)
def test_most_specific_rule_wins(supplier: str, brand: str, undercut: int, scope: str) -> None:
    _four_scopes()
    book = pricing_rules_load()
    assert book.rule_for(supplier=supplier, brand=brand).scope == scope
    inp = book.input_for(
        supplier=supplier,
        brand=brand,
        cost_krw=Decimal(100_000),
        competitor_price_jpy=None,
        krw_per_jpy=Decimal("9.2"),
    )
    assert inp.undercut_jpy == undercut


def test_brand_beats_supplier_for_the_same_item() -> None:
    # default < supplier < brand: with no supplier+brand rule the brand rule is used.
    _rule(undercut_jpy=1)
    _rule(supplier="okmall", undercut_jpy=2)
    _rule(brand="Nike", undercut_jpy=3)
    rule = pricing_rules_load().rule_for(supplier="okmall", brand="Nike")
    assert (rule.scope, rule.brand) == (RuleScope.BRAND, "Nike")


def test_disabled_rules_are_skipped_and_no_rule_is_a_clear_error() -> None:
    _rule(brand="Nike", undercut_jpy=3, enabled=False)
    book = pricing_rules_load()
    assert len(book) == 0
    with pytest.raises(PricingRuleMissing, match="supplier='okmall' brand='Nike'"):
        book.rule_for(supplier="okmall", brand="Nike")


def test_rules_load_in_one_query_and_inputs_need_none() -> None:
    _four_scopes()
    with CaptureQueriesContext(connection) as loading:
        book = pricing_rules_load()
    with CaptureQueriesContext(connection) as pricing:
        for n in range(200):
            book.input_for(
                supplier="okmall",
                brand=f"brand{n % 7}",
                cost_krw=100_000 + n,
                competitor_price_jpy=None,
                krw_per_jpy=Decimal("9.2"),
            )
    assert (len(loading), len(pricing)) == (1, 0)


def test_input_carries_every_rule_figure() -> None:
    _rule(
        brand="Nike",
        shipping_krw=Decimal("18400.00"),
        buyma_fee_rate=Decimal("0.10"),
        duty_rate=Decimal("0.05"),
        duty_jpy=Decimal(300),
        target_margin_kind="yen",
        target_margin=Decimal(3000),
        minimum_margin=Decimal("0.08"),
        undercut_jpy=50,
        rounding_step_jpy=100,
        rounding_direction="nearest",
        suspend_when_uncompetitive=True,
    )
    rule = PricingRule.objects.get()
    inp = pricing_rules_load().input_for(
        supplier="x", brand="NIKE", cost_krw=92_000, competitor_price_jpy=15_000, krw_per_jpy=9
    )
    assert inp.shipping_krw == Decimal(18_400)
    assert (inp.buyma_fee_rate, inp.duty_rate, inp.duty_jpy) == (
        Decimal("0.1"),
        Decimal("0.05"),
        Decimal(300),
    )
    assert inp.target_margin == MarginYen(Decimal(3000))
    assert inp.minimum_margin == MarginRate(Decimal("0.08"))
    assert inp.rounding == Rounding(step_jpy=100, direction=RoundingDirection.NEAREST)
    assert (inp.undercut_jpy, inp.suspend_when_uncompetitive) == (50, True)
    assert (inp.cost_krw, inp.krw_per_jpy, inp.competitor_price_jpy) == (92_000, 9, 15_000)
    # Stored as 0.1000 / 18400.00, shown without the column's trailing zeros.
    assert inp.as_dict()["buyma_fee_rate"] == "0.1"
    assert inp.as_dict()["shipping_krw"] == "18400"
    assert rule.scope == RuleScope.BRAND


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"buyma_fee_rate": Decimal("1.2")}, "buyma_fee_rate", "must be in [0, 1)"),
        ({"duty_rate": Decimal("0.95")}, "duty_rate", "nothing of the price would be left"),
        ({"shipping_krw": Decimal(-1)}, "shipping_krw", "must be >= 0"),
        ({"target_margin": Decimal("0.95")}, "target_margin", "must be < 1 - buyma_fee_rate"),
        ({"minimum_margin": Decimal("1.5")}, "minimum_margin", "must be in [0, 1)"),
        (
            {"minimum_margin_kind": "yen", "minimum_margin": Decimal(-5)},
            "minimum_margin",
            "must be >= 0",
        ),
        ({"rounding_step_jpy": 0}, "rounding_step_jpy", ">= 1"),
        ({"rounding_direction": "sideways"}, "rounding_direction", "sideways"),
    ],
)
def test_a_rule_pricing_input_would_refuse_does_not_save(
    overrides: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _rule(brand="Nike", **overrides)
    assert field in caught.value.message_dict
    assert any(words in m for m in caught.value.message_dict[field])
    assert not PricingRule.objects.exists()


def test_brand_differing_only_in_case_is_refused() -> None:
    _rule(brand="Nike")
    with pytest.raises(ValidationError) as caught:
        _rule(brand="NIKE")
    assert "brand" in caught.value.message_dict or "__all__" in caught.value.message_dict
    _rule(supplier="okmall", brand="NIKE")  # another scope: fine


def test_a_rule_broken_in_the_database_fails_only_its_items() -> None:
    _rule()
    broken = _rule(brand="Nike")
    PricingRule.objects.filter(pk=broken.pk).update(buyma_fee_rate=Decimal("0.95"))
    book = pricing_rules_load()
    with pytest.raises(PricingInputError, match=rf"pricing rule {broken.pk} \(brand=Nike\)"):
        book.input_for(
            supplier="s", brand="Nike", cost_krw=1000, competitor_price_jpy=None, krw_per_jpy=9
        )
    assert book.input_for(
        supplier="s", brand="Puma", cost_krw=1000, competitor_price_jpy=None, krw_per_jpy=9
    )


def test_bad_item_input_names_the_field() -> None:
    _rule()
    book = pricing_rules_load()
    with pytest.raises(PricingInputError, match="cost_krw: must be > 0"):
        book.input_for(
            supplier="s", brand="b", cost_krw=0, competitor_price_jpy=None, krw_per_jpy=9
        )
    with pytest.raises(PricingInputError, match="krw_per_jpy: must be a Decimal or int, got float"):
        book.input_for(
            supplier="s", brand="b", cost_krw=100, competitor_price_jpy=None, krw_per_jpy=9.2
        )


def test_pricing_defaults_ensure_is_idempotent_and_keeps_edits() -> None:
    rule, created = pricing_defaults_ensure()
    assert created and rule.scope == RuleScope.DEFAULT
    assert (rule.buyma_fee_rate, rule.shipping_krw) == (Decimal("0.077"), Decimal(15_000))
    rule.full_clean()  # the documented figures pass the model's own checks

    PricingRule.objects.filter(pk=rule.pk).update(undercut_jpy=77, enabled=False)
    again, created_again = pricing_defaults_ensure()
    assert (again.pk, created_again, again.undercut_jpy, again.enabled) == (
        rule.pk,
        False,
        77,
        False,
    )
    assert PricingRule.objects.count() == 1
    assert not FxRate.objects.exists()  # no rate is ever made up


def test_decision_record_shows_why_this_price() -> None:
    pricing_defaults_ensure()
    fx = fx_rate_set(Decimal("9.2"), date(2026, 11, 1), "bank notice")
    book = pricing_rules_load()
    rule = book.rule_for(supplier="okmall", brand="Nike")
    inp = book.input_for(
        supplier="okmall",
        brand="Nike",
        cost_krw=Decimal(150_000),
        competitor_price_jpy=22_000,
        krw_per_jpy=fx.krw_per_jpy,
    )
    decision = decide_price(inp)
    competitor = {
        "price_jpy": 22_000,
        "seller_id": "2002",
        "fetched_at": datetime(2026, 11, 2, 3, 0, tzinfo=UTC),
        "cached": False,
    }
    record = decision_record(decision, pricing_rule=rule, fx_rate=fx, competitor=competitor)

    assert json.loads(json.dumps(record)) == record  # JSON-safe as it is
    # (150,000 + 15,000) / 9.2 = 17,934.78; kept 0.923; floor 17,934.78 / 0.823 = 21,791.9
    # -> 21,800; target / 0.723 = 24,806 -> 24,810; 22,000 - 10 = 21,990 >= floor.
    assert record["price_jpy"] == 21_990
    assert record["rule"] == PriceRule.UNDERCUT_COMPETITOR.value
    assert (record["floor_price_jpy"], record["target_price_jpy"]) == (21_800, 24_810)
    assert record["undercut_price_jpy"] == 21_990
    assert "undercut" in record["reason"]
    assert record["margin_jpy"] == f"{decision.margin_jpy:f}"
    assert record["margin_rate"] == f"{decision.margin_rate:f}"
    assert record["fixed_cost_jpy"] == "17934.78"
    inputs = record["inputs"]
    assert inputs["cost_krw"] == "150000"
    assert inputs["krw_per_jpy"] == "9.2"
    assert inputs["buyma_fee_rate"] == "0.077"
    assert inputs["competitor_price_jpy"] == 22_000
    assert inputs["target_margin"] == {"kind": "rate", "value": "0.2", "text": "20% of the price"}
    assert inputs["minimum_margin"]["value"] == "0.1"
    assert inputs["rounding_step_jpy"] == 10 and inputs["rounding_direction"] == "up"
    assert record["pricing_rule"] == {
        "id": rule.id,
        "scope": "default",
        "supplier": "",
        "brand": "",
    }
    assert record["fx_rate"] == {
        "krw_per_jpy": "9.2",
        "valid_from": "2026-11-01",
        "source": "bank notice",
    }
    assert record["competitor"]["fetched_at"] == "2026-11-02T03:00:00+00:00"
    assert record["schema"] == 1


def test_decision_record_without_context_is_still_complete() -> None:
    _rule(target_margin_kind="yen", target_margin=Decimal(2500))
    inp = pricing_rules_load().input_for(
        supplier="s", brand="b", cost_krw=92_000, competitor_price_jpy=None, krw_per_jpy=9
    )
    record = decision_record(decide_price(inp))
    assert json.loads(json.dumps(record)) == record
    assert record["inputs"]["target_margin"]["kind"] == "yen"
    assert record["pricing_rule"] is record["fx_rate"] is record["competitor"] is None
