"""The safety stock and what counts as sold out (``pipelines.stock``)."""

from __future__ import annotations

import pytest

from pipelines.stock import (
    SafetyStockError,
    facts_with_safety_stock,
    safety_stock,
    sold_out,
)
from suppliers.models import Supplier


def test_the_suppliers_setting_wins_over_the_global_one(settings):
    settings.YOOINI_SAFETY_STOCK = 3
    assert safety_stock(Supplier(name="a", settings={})) == 3
    assert safety_stock(Supplier(name="a", settings={"safety_stock": 0})) == 0
    assert safety_stock(Supplier(name="a", settings={"safety_stock": "5"})) == 5
    assert safety_stock(None) == 3


@pytest.mark.parametrize("value", [-1, "-1", 1.5, "a few", True, [2]])
def test_a_safety_stock_that_is_not_a_count_names_the_supplier_and_the_setting(value):
    with pytest.raises(SafetyStockError, match=r"supplier acme: setting safety_stock must be"):
        safety_stock(Supplier(name="acme", settings={"safety_stock": value}))


def test_sold_out_at_or_below_the_safety_stock_or_when_the_supplier_says_so():
    assert sold_out(True, 2, 2) and sold_out(True, 0, 0) and sold_out(False, 9, 0)
    assert not sold_out(True, 3, 2) and not sold_out(True, None, 5)
    assert sold_out(False, None, 0)


def test_facts_count_their_variants_against_the_safety_stock():
    def facts(*stocks):
        variants = [
            {"color": "", "size": str(i), "sold_out": s == 0, "stock": s}
            for i, s in enumerate(stocks)
        ]
        return {"sold_out": False, "variants": variants}

    assert facts_with_safety_stock(facts(1, 1), 2)["sold_out"] is True
    assert facts_with_safety_stock(facts(2, 1), 2)["sold_out"] is False
    assert facts_with_safety_stock(facts(1, None), 5)["sold_out"] is False  # count unknown
    assert facts_with_safety_stock(facts(0, 0), 0)["sold_out"] is False  # normalize decides
