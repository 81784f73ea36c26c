"""The pricing admin: rules are validated as PricingInput validates; competitor prices are read-only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pricing.models import CompetitorPrice, PricingRule
from pricing.services import DEFAULT_RULE

pytestmark = pytest.mark.django_db


def _form(**overrides: object) -> dict[str, object]:
    data = {k: v for k, v in DEFAULT_RULE.items() if not isinstance(v, bool)}
    data.update({"supplier": "", "brand": "Nike", "enabled": "on", **overrides})
    return {k: str(v) for k, v in data.items()}


def test_add_a_brand_rule(admin_client) -> None:
    response = admin_client.post("/admin/pricing/pricingrule/add/", _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = PricingRule.objects.get()
    assert (rule.brand, rule.buyma_fee_rate, rule.enabled) == ("Nike", Decimal("0.077"), True)
    listing = admin_client.get("/admin/pricing/pricingrule/").content.decode()
    assert "brand=Nike" in listing and "20%" in listing


def test_an_impossible_margin_is_shown_on_its_field(admin_client) -> None:
    response = admin_client.post("/admin/pricing/pricingrule/add/", _form(target_margin="0.95"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "must be < 1 - buyma_fee_rate - duty_rate" in errors["target_margin"][0]
    assert not PricingRule.objects.exists()


def test_competitor_prices_cannot_be_added(admin_client) -> None:
    assert admin_client.get("/admin/pricing/competitorprice/add/").status_code == 403
    assert admin_client.get("/admin/pricing/competitorprice/").status_code == 200
    assert not CompetitorPrice.objects.exists()
