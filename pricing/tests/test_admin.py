"""The pricing admin: rules are validated as PricingInput validates, per market; competitor
prices are read-only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pricing.models import CompetitorPrice, PricingRule
from pricing.services import DEFAULT_RULES

pytestmark = pytest.mark.django_db


def _form(market: str = "buyma", **overrides: object) -> dict[str, object]:
    defaults = DEFAULT_RULES.get(market, DEFAULT_RULES["buyma"])
    data = {k: v for k, v in defaults.items() if not isinstance(v, bool)}
    data.update({"market": market, "supplier": "", "brand": "Nike", "enabled": "on", **overrides})
    return {k: str(v) for k, v in data.items()}


def test_add_a_brand_rule(admin_client) -> None:
    response = admin_client.post("/admin/pricing/pricingrule/add/", _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = PricingRule.objects.get()
    assert (rule.market, rule.brand, rule.fee_rate, rule.enabled) == (
        "buyma",
        "Nike",
        Decimal("0.077"),
        True,
    )
    listing = admin_client.get("/admin/pricing/pricingrule/").content.decode()
    assert "brand=Nike" in listing and "20%" in listing


def test_add_a_rule_of_a_market_in_won_with_a_fixed_margin(admin_client) -> None:
    form = _form("coupang", minimum_margin_kind="amount", minimum_margin="15000")
    response = admin_client.post("/admin/pricing/pricingrule/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = PricingRule.objects.get()
    assert (rule.market, rule.currency, rule.rounding_step) == ("coupang", "KRW", 10)
    listing = admin_client.get("/admin/pricing/pricingrule/?market=coupang").content.decode()
    assert "₩15,000" in listing


def test_an_impossible_margin_is_shown_on_its_field(admin_client) -> None:
    response = admin_client.post("/admin/pricing/pricingrule/add/", _form(target_margin="0.95"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "must be < 1 - fee_rate - duty_rate" in errors["target_margin"][0]
    assert not PricingRule.objects.exists()


def test_an_unknown_market_is_shown_on_its_field(admin_client) -> None:
    response = admin_client.post("/admin/pricing/pricingrule/add/", _form(market="amazon"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "unknown market 'amazon'" in errors["market"][0]
    assert not PricingRule.objects.exists()


def test_competitor_prices_cannot_be_added(admin_client) -> None:
    assert admin_client.get("/admin/pricing/competitorprice/add/").status_code == 403
    assert admin_client.get("/admin/pricing/competitorprice/").status_code == 200
    assert not CompetitorPrice.objects.exists()
