"""Migration 0002 (pricing per market): BUYMA's rules and yen rates keep every value under the
new names, and it goes back as long as only BUYMA has rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pricing import MarginAmount, MarginRate, decide_price
from pricing.services import pricing_rules_load

BEFORE = [("pricing", "0001_initial")]
AFTER = [("pricing", "0002_pricing_per_market")]


def _migrate(target: list[tuple[str, str]]):
    """Migrate the pricing app to ``target``; returns the models as they are there."""
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    executor.loader.build_graph()
    return executor.loader.project_state(target).apps


@pytest.fixture
def at_0001():
    apps = _migrate(BEFORE)
    yield apps
    call_command("migrate", "pricing", verbosity=0)


def _old_rows(apps) -> None:
    rule = apps.get_model("pricing", "PricingRule")
    rule.objects.create(
        supplier="",
        brand="",
        shipping_krw=Decimal("18400.00"),
        buyma_fee_rate=Decimal("0.0550"),
        duty_rate=Decimal("0.0500"),
        duty_jpy=Decimal("300.00"),
        target_margin_kind="yen",
        target_margin=Decimal("3000.0000"),
        minimum_margin_kind="rate",
        minimum_margin=Decimal("0.1000"),
        undercut_jpy=20,
        rounding_step_jpy=100,
        rounding_direction="nearest",
        suspend_when_uncompetitive=True,
        note="the okmall figures",
    )
    rule.objects.create(
        supplier="okmall",
        brand="Nike",
        shipping_krw=Decimal(15_000),
        buyma_fee_rate=Decimal("0.077"),
        target_margin=Decimal("0.2"),
        minimum_margin_kind="yen",
        minimum_margin=Decimal(1500),
        undercut_jpy=10,
        rounding_step_jpy=10,
    )
    apps.get_model("pricing", "FxRate").objects.create(
        krw_per_jpy=Decimal("9.35"), valid_from=date(2026, 11, 1), source="bank"
    )


@pytest.mark.django_db(transaction=True)
def test_0002_keeps_buyma_rules_and_rates_and_goes_back(at_0001) -> None:
    _old_rows(at_0001)

    apps = _migrate(AFTER)

    rules = {r.supplier: r for r in apps.get_model("pricing", "PricingRule").objects.all()}
    default, nike = rules[""], rules["okmall"]
    assert (default.market, default.currency) == (nike.market, nike.currency) == ("buyma", "JPY")
    assert (default.fee_rate, default.duty_rate, default.duty) == (
        Decimal("0.055"),
        Decimal("0.05"),
        Decimal(300),
    )
    assert (default.undercut, default.rounding_step, default.rounding_direction) == (
        20,
        100,
        "nearest",
    )
    assert (default.target_margin_kind, default.target_margin) == ("amount", Decimal(3000))
    assert (default.shipping_krw, default.suspend_when_uncompetitive) == (Decimal(18_400), True)
    assert default.note == "the okmall figures"
    assert (nike.minimum_margin_kind, nike.minimum_margin) == ("amount", Decimal(1500))
    fx = apps.get_model("pricing", "FxRate").objects.get()
    assert (fx.quote, fx.krw_per_unit, fx.valid_from) == ("JPY", Decimal("9.35"), date(2026, 11, 1))

    # Today's code prices with the migrated rows as it priced with the old ones.
    book = pricing_rules_load()
    inputs = book.input_for(
        market="buyma",
        supplier="okmall",
        brand="NIKE",
        cost_krw=150_000,
        competitor_price=None,
        krw_per_unit=fx.krw_per_unit,
    )
    assert (inputs.fee_rate, inputs.currency, inputs.undercut) == (Decimal("0.077"), "JPY", 10)
    assert inputs.minimum_margin == MarginAmount(Decimal(1500))
    assert inputs.target_margin == MarginRate(Decimal("0.2"))
    assert decide_price(inputs).price % 10 == 0

    old = _migrate(BEFORE)

    rules = {r.supplier: r for r in old.get_model("pricing", "PricingRule").objects.all()}
    default = rules[""]
    assert (default.buyma_fee_rate, default.duty_jpy, default.undercut_jpy) == (
        Decimal("0.055"),
        Decimal(300),
        20,
    )
    assert (default.rounding_step_jpy, default.target_margin_kind) == (100, "yen")
    assert rules["okmall"].minimum_margin_kind == "yen"
    assert old.get_model("pricing", "FxRate").objects.get().krw_per_jpy == Decimal("9.35")


@pytest.mark.django_db(transaction=True)
def test_0002_does_not_go_back_over_rules_of_other_markets(at_0001) -> None:
    _old_rows(at_0001)
    apps = _migrate(AFTER)
    rule = apps.get_model("pricing", "PricingRule")
    coupang = rule.objects.get(supplier="")
    coupang.pk = None
    coupang.market, coupang.currency = "coupang", "KRW"
    coupang.save()

    with pytest.raises(RuntimeError, match=r"other markets or currencies exist \(coupang\)"):
        _migrate(BEFORE)

    assert rule.objects.filter(market="coupang").exists()  # nothing was dropped
