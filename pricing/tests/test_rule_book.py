"""Stored pricing rules: validation, precedence by market and scope, the defaults of every
market, the decision record."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from markets.contract import MarketCapabilities, MarketKind, register, unregister
from pricing import MarginAmount, MarginRate, PriceRule, PricingInputError, Rounding, decide_price
from pricing.models import FxRate, PricingRule, RuleScope
from pricing.rounding import RoundingDirection
from pricing.selectors import fx_rate_on
from pricing.services import (
    DEFAULT_RULES,
    PricingRuleMissing,
    decision_record,
    fx_rate_set,
    pricing_defaults_ensure,
    pricing_rule_save,
    pricing_rules_load,
)

pytestmark = pytest.mark.django_db

MARKETS = ("buyma", "smartstore", "coupang", "gmarket")


def _rule(
    supplier: str = "", brand: str = "", *, market: str = "buyma", **overrides: object
) -> PricingRule:
    defaults = DEFAULT_RULES.get(market, DEFAULT_RULES["buyma"])
    values = {**defaults, "market": market, "supplier": supplier, "brand": brand}
    return pricing_rule_save(rule=PricingRule(**{**values, **overrides}))


def _four_scopes(market: str = "buyma") -> None:
    _rule(market=market, undercut=1)
    _rule(supplier="okmall", market=market, undercut=2)
    _rule(brand="Nike", market=market, undercut=3)
    _rule(supplier="okmall", brand="Nike", market=market, undercut=4)


def _input(book, market: str = "buyma", supplier: str = "s", brand: str = "b", **item: object):
    values = {"cost_krw": 100_000, "competitor_price": None, "krw_per_unit": Decimal("9.2")}
    if market != "buyma":
        values["krw_per_unit"] = 1
    return book.input_for(market=market, supplier=supplier, brand=brand, **{**values, **item})


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
@pytest.mark.parametrize("market", ["buyma", "coupang"])
def test_most_specific_rule_of_the_market_wins(
    market: str, supplier: str, brand: str, undercut: int, scope: str
) -> None:
    _four_scopes(market)
    book = pricing_rules_load()
    assert book.rule_for(market=market, supplier=supplier, brand=brand).scope == scope
    assert _input(book, market, supplier, brand).undercut == undercut


def test_brand_beats_supplier_for_the_same_item() -> None:
    # default < supplier < brand: with no supplier+brand rule the brand rule is used.
    _rule(undercut=1)
    _rule(supplier="okmall", undercut=2)
    _rule(brand="Nike", undercut=3)
    rule = pricing_rules_load().rule_for(market="buyma", supplier="okmall", brand="Nike")
    assert (rule.scope, rule.brand) == (RuleScope.BRAND, "Nike")


def test_a_rule_never_applies_to_another_market() -> None:
    _rule(market="buyma", undercut=10)
    _rule(supplier="okmall", brand="Nike", market="buyma", undercut=7)
    _rule(market="coupang", undercut=100)
    _rule(market="smartstore", brand="Nike", undercut=300)
    book = pricing_rules_load()

    coupang = book.rule_for(market="coupang", supplier="okmall", brand="Nike")
    assert (coupang.market, coupang.scope, coupang.currency) == ("coupang", "default", "KRW")
    assert _input(book, "coupang", "okmall", "Nike").undercut == 100
    assert _input(book, "smartstore", "okmall", "NIKE").undercut == 300
    assert _input(book, "buyma", "okmall", "Nike").undercut == 7
    buyma = _input(book, "buyma", "x", "y")
    assert (buyma.undercut, buyma.currency, buyma.rounding.step) == (10, "JPY", 10)
    with pytest.raises(PricingRuleMissing, match="market='gmarket'") as caught:
        book.rule_for(market="gmarket", supplier="okmall", brand="Nike")
    assert caught.value.market == "gmarket"
    assert "no enabled default rule for market 'gmarket'" in str(caught.value)


def test_the_same_scope_may_have_a_rule_in_every_market() -> None:
    for market in MARKETS:
        _rule(brand="Nike", market=market)
    assert PricingRule.objects.filter(brand="Nike").count() == 4
    with pytest.raises(ValidationError):
        _rule(brand="Nike", market="coupang")  # but one per market


def test_disabled_rules_are_skipped_and_no_rule_is_a_clear_error() -> None:
    _rule(brand="Nike", undercut=3, enabled=False)
    book = pricing_rules_load()
    assert len(book) == 0
    with pytest.raises(PricingRuleMissing, match="market='buyma' supplier='okmall' brand='Nike'"):
        book.rule_for(market="buyma", supplier="okmall", brand="Nike")


def test_rules_load_in_one_query_and_inputs_need_none() -> None:
    _four_scopes("buyma")
    _four_scopes("coupang")
    with CaptureQueriesContext(connection) as loading:
        book = pricing_rules_load()
    with CaptureQueriesContext(connection) as pricing:
        for n in range(200):
            market = ("buyma", "coupang")[n % 2]
            _input(book, market, "okmall", f"brand{n % 7}", cost_krw=100_000 + n)
    assert (len(loading), len(pricing)) == (1, 0)


def test_input_carries_every_rule_figure() -> None:
    _rule(
        brand="Nike",
        shipping_krw=Decimal("18400.00"),
        fee_rate=Decimal("0.10"),
        duty_rate=Decimal("0.05"),
        duty=Decimal(300),
        target_margin_kind="amount",
        target_margin=Decimal(3000),
        minimum_margin=Decimal("0.08"),
        undercut=50,
        rounding_step=100,
        rounding_direction="nearest",
        suspend_when_uncompetitive=True,
    )
    rule = PricingRule.objects.get()
    inp = pricing_rules_load().input_for(
        market="buyma",
        supplier="x",
        brand="NIKE",
        cost_krw=92_000,
        competitor_price=15_000,
        krw_per_unit=9,
    )
    assert inp.shipping_krw == Decimal(18_400)
    assert (inp.fee_rate, inp.duty_rate, inp.duty) == (
        Decimal("0.1"),
        Decimal("0.05"),
        Decimal(300),
    )
    assert inp.target_margin == MarginAmount(Decimal(3000))
    assert inp.minimum_margin == MarginRate(Decimal("0.08"))
    assert inp.rounding == Rounding(step=100, direction=RoundingDirection.NEAREST)
    assert (inp.undercut, inp.suspend_when_uncompetitive) == (50, True)
    assert (inp.cost_krw, inp.krw_per_unit, inp.competitor_price) == (92_000, 9, 15_000)
    assert inp.currency == "JPY"
    # Stored as 0.1000 / 18400.00, shown without the column's trailing zeros.
    assert inp.as_dict()["fee_rate"] == "0.1"
    assert inp.as_dict()["shipping_krw"] == "18400"
    assert rule.scope == RuleScope.BRAND


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"fee_rate": Decimal("1.2")}, "fee_rate", "must be in [0, 1)"),
        ({"duty_rate": Decimal("0.95")}, "duty_rate", "nothing of the price would be left"),
        ({"shipping_krw": Decimal(-1)}, "shipping_krw", "must be >= 0"),
        ({"target_margin": Decimal("0.95")}, "target_margin", "must be < 1 - fee_rate"),
        ({"minimum_margin": Decimal("1.5")}, "minimum_margin", "must be in [0, 1)"),
        (
            {"minimum_margin_kind": "amount", "minimum_margin": Decimal(-5)},
            "minimum_margin",
            "must be in [0, 1,000,000,000]",
        ),
        ({"rounding_step": 0}, "rounding_step", ">= 1"),
        ({"rounding_direction": "sideways"}, "rounding_direction", "sideways"),
        ({"market": "amazon"}, "market", "unknown market 'amazon'"),
        ({"market": ""}, "market", "blank"),
        ({"currency": "yen"}, "currency", "ISO 4217"),
        # BUYMA declares its prices in yen: a rule in won would be listed 9 times too cheap.
        ({"currency": "KRW"}, "currency", "buyma sells in JPY, not KRW"),
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


@pytest.fixture
def market_in_tens_of_dollars():
    """A market that declares dollar prices in steps of 10, registered for one test."""
    capabilities = MarketCapabilities(currency="USD", language="en", price_step=10)
    register(
        MarketKind(
            kind="dollarmart",
            label="Dollar mart",
            capabilities=capabilities,
            connector=lambda config: None,  # type: ignore[arg-type,return-value]
            preparer=lambda: None,  # type: ignore[arg-type,return-value]
        )
    )
    yield "dollarmart"
    unregister("dollarmart")


def test_a_rule_follows_what_its_market_declares(market_in_tens_of_dollars: str) -> None:
    market = market_in_tens_of_dollars
    with pytest.raises(ValidationError) as caught:
        _rule(market=market, currency="USD", rounding_step=5, undercut=10)
    assert caught.value.message_dict["rounding_step"] == [
        "dollarmart takes prices in multiples of 10: 5 is not one"
    ]
    rule = _rule(market=market, currency="USD", rounding_step=20, undercut=10)
    assert pricing_rules_load().rule_for(market=market, supplier="", brand="").id == rule.pk


def test_brand_differing_only_in_case_is_refused() -> None:
    _rule(brand="Nike")
    with pytest.raises(ValidationError) as caught:
        _rule(brand="NIKE")
    assert "brand" in caught.value.message_dict or "__all__" in caught.value.message_dict
    _rule(supplier="okmall", brand="NIKE")  # another scope: fine
    _rule(brand="NIKE", market="coupang")  # another market: fine


def test_a_rule_broken_in_the_database_fails_only_its_items() -> None:
    _rule()
    broken = _rule(brand="Nike")
    PricingRule.objects.filter(pk=broken.pk).update(fee_rate=Decimal("0.95"))
    book = pricing_rules_load()
    with pytest.raises(PricingInputError, match=rf"pricing rule {broken.pk} \(buyma brand=Nike\)"):
        _input(book, brand="Nike", cost_krw=1000)
    assert _input(book, brand="Puma", cost_krw=1000)


def test_bad_item_input_names_the_field() -> None:
    _rule()
    _rule(market="coupang")
    book = pricing_rules_load()
    with pytest.raises(PricingInputError, match="cost_krw: must be > 0"):
        _input(book, cost_krw=0)
    with pytest.raises(
        PricingInputError, match="krw_per_unit: must be a Decimal or int, got float"
    ):
        _input(book, krw_per_unit=9.2)
    # The yen rate handed to a market in won by mistake.
    with pytest.raises(PricingInputError, match="krw_per_unit: must be 1 when the currency is KRW"):
        _input(book, "coupang", krw_per_unit=Decimal("9.2"))


def test_pricing_defaults_ensure_creates_every_market_once_and_keeps_edits() -> None:
    created = pricing_defaults_ensure()
    assert sorted(rule.market for rule in created) == sorted(MARKETS)
    assert set(DEFAULT_RULES) == set(MARKETS)
    by_market = {rule.market: rule for rule in PricingRule.objects.all()}
    assert all(rule.scope == RuleScope.DEFAULT for rule in by_market.values())
    for rule in by_market.values():
        rule.full_clean()  # the documented figures pass the model's own checks
    figures = {
        m: (r.currency, r.fee_rate, r.shipping_krw, r.rounding_step, r.undercut)
        for m, r in by_market.items()
    }
    assert figures == {
        "buyma": ("JPY", Decimal("0.077"), Decimal(15_000), 10, 10),
        "smartstore": ("KRW", Decimal("0.0663"), Decimal(3_000), 100, 100),
        "coupang": ("KRW", Decimal("0.1155"), Decimal(3_000), 10, 100),
        "gmarket": ("KRW", Decimal("0.13"), Decimal(3_000), 100, 100),
    }

    coupang = by_market["coupang"]
    PricingRule.objects.filter(pk=coupang.pk).update(undercut=77, enabled=False)
    PricingRule.objects.filter(market="gmarket").delete()
    again = pricing_defaults_ensure()
    assert [rule.market for rule in again] == ["gmarket"]  # only the missing one
    coupang.refresh_from_db()
    assert (coupang.undercut, coupang.enabled) == (77, False)
    assert pricing_defaults_ensure() == []
    assert PricingRule.objects.count() == 4
    assert not FxRate.objects.exists()  # no rate is ever made up


def test_every_default_rule_prices_an_item_in_its_currency() -> None:
    pricing_defaults_ensure()
    book = pricing_rules_load()
    for market in MARKETS:
        rule = book.rule_for(market=market, supplier="okmall", brand="Nike")
        rate = Decimal("9.2") if rule.currency == "JPY" else 1
        decision = decide_price(_input(book, market, "okmall", "Nike", krw_per_unit=rate))
        assert decision.currency == rule.currency
        assert decision.price % DEFAULT_RULES[market]["rounding_step"] == 0
        assert decision.margin_rate >= Decimal("0.20")


def test_decision_record_shows_why_this_price() -> None:
    pricing_defaults_ensure()
    fx = fx_rate_set(Decimal("9.2"), date(2026, 11, 1), "bank notice")
    book = pricing_rules_load()
    rule = book.rule_for(market="buyma", supplier="okmall", brand="Nike")
    inp = book.input_for(
        market="buyma",
        supplier="okmall",
        brand="Nike",
        cost_krw=Decimal(150_000),
        competitor_price=22_000,
        krw_per_unit=fx.krw_per_unit,
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
    assert (record["price"], record["currency"]) == (21_990, "JPY")
    assert record["rule"] == PriceRule.UNDERCUT_COMPETITOR.value
    assert (record["floor_price"], record["target_price"]) == (21_800, 24_810)
    assert record["undercut_price"] == 21_990
    assert "undercut" in record["reason"]
    assert record["margin"] == f"{decision.margin:f}"
    assert record["margin_rate"] == f"{decision.margin_rate:f}"
    assert record["fixed_cost"] == "17934.78"
    inputs = record["inputs"]
    assert inputs["cost_krw"] == "150000"
    assert inputs["krw_per_unit"] == "9.2"
    assert inputs["fee_rate"] == "0.077"
    assert inputs["competitor_price"] == 22_000
    assert inputs["currency"] == "JPY"
    assert inputs["target_margin"] == {"kind": "rate", "value": "0.2", "text": "20% of the price"}
    assert inputs["minimum_margin"]["value"] == "0.1"
    assert inputs["rounding_step"] == 10 and inputs["rounding_direction"] == "up"
    assert record["pricing_rule"] == {
        "id": rule.id,
        "market": "buyma",
        "currency": "JPY",
        "scope": "default",
        "supplier": "",
        "brand": "",
    }
    assert record["fx_rate"] == {
        "currency": "JPY",
        "krw_per_unit": "9.2",
        "valid_from": "2026-11-01",
        "source": "bank notice",
    }
    assert record["competitor"]["fetched_at"] == "2026-11-02T03:00:00+00:00"
    assert record["schema"] == 2


def test_decision_record_of_a_market_in_won() -> None:
    pricing_defaults_ensure()
    day = date(2026, 11, 1)
    rate = fx_rate_on(day, currency="KRW")  # no row needed, none is written
    book = pricing_rules_load()
    inputs = book.input_for(
        market="coupang",
        supplier="okmall",
        brand="NIKE",
        cost_krw=129_000,
        competitor_price=None,
        krw_per_unit=rate.krw_per_unit,
    )
    decision = decide_price(inputs)
    rule = book.rule_for(market="coupang", supplier="okmall", brand="NIKE")
    record = decision_record(decision, pricing_rule=rule, fx_rate=rate, competitor=None)

    assert json.loads(json.dumps(record)) == record
    # (129,000 + 3,000) / (1 - 0.1155 - 0.20) = 192,841.49 -> 192,850 (10-won steps)
    assert (record["price"], record["currency"]) == (192_850, "KRW")
    assert record["fx_rate"] == {
        "currency": "KRW",
        "krw_per_unit": "1",
        "valid_from": "2026-11-01",
        "source": "",
    }
    assert record["pricing_rule"]["market"] == "coupang"
    assert not FxRate.objects.exists()


def test_decision_record_refuses_the_rate_of_another_currency() -> None:
    pricing_defaults_ensure()
    yen = fx_rate_set(Decimal("9.2"), date(2026, 11, 1))
    book = pricing_rules_load()
    decision = decide_price(_input(book, "coupang"))
    with pytest.raises(ValueError, match="the decision is in KRW but the FX rate is KRW/JPY"):
        decision_record(decision, fx_rate=yen)


def test_decision_record_without_context_is_still_complete() -> None:
    _rule(target_margin_kind="amount", target_margin=Decimal(2500))
    record = decision_record(decide_price(_input(pricing_rules_load(), cost_krw=92_000)))
    assert json.loads(json.dumps(record)) == record
    assert record["inputs"]["target_margin"] == {
        "kind": "amount",
        "value": "2500",
        "text": "¥2,500",
    }
    assert record["pricing_rule"] is record["fx_rate"] is record["competitor"] is None
