"""The forecast against series smoothed by hand, and what it suggests."""

from __future__ import annotations

import pytest

from reports.forecast import Suggestion, smoothed_level, stock_outlook


def test_level_of_a_hand_computed_series():
    # alpha 0.5 over 4, 2, 6, 0:  4 -> 0.5*2+0.5*4 = 3 -> 0.5*6+0.5*3 = 4.5 -> 0.5*0+0.5*4.5 = 2.25
    assert smoothed_level([4, 2, 6, 0], alpha=0.5) == pytest.approx(2.25)
    # alpha 0.3 over 10, 0, 0:  10 -> 7 -> 4.9
    assert smoothed_level([10, 0, 0], alpha=0.3) == pytest.approx(4.9)
    # alpha 1 is the last value; a constant series is itself
    assert smoothed_level([1, 5, 3], alpha=1) == 3
    assert smoothed_level([2, 2, 2, 2], alpha=0.3) == pytest.approx(2)
    assert smoothed_level([]) == 0


def test_alpha_out_of_range_is_refused():
    with pytest.raises(ValueError, match="alpha must be in"):
        smoothed_level([1, 2], alpha=0)


def test_restock_when_stock_covers_less_than_the_horizon():
    # level of 3, 3, 3 is 3 a day; 12 on hand cover 4 days (< 7)
    outlook = stock_outlook([3, 3, 3], 12, listed_days=3)
    assert outlook.suggestion is Suggestion.RESTOCK
    assert outlook.days_of_cover == pytest.approx(4)
    assert "cover 4.0 days" in outlook.reason
    # 30 on hand cover 10 days: nothing to do
    assert stock_outlook([3, 3, 3], 30, listed_days=3).suggestion is Suggestion.NONE


def test_sold_out_with_demand_and_delist_when_dead():
    assert stock_outlook([0, 2, 2], 0, listed_days=3).suggestion is Suggestion.SOLD_OUT
    dead = stock_outlook([0] * 30, 5, listed_days=45)
    assert dead.suggestion is Suggestion.DELIST and dead.reason == "no sale in 30 days"
    # listed for less than the window: too new to call dead
    assert stock_outlook([0] * 30, 5, listed_days=10).suggestion is Suggestion.NONE
    # stock not counted by the market (None): no cover, no suggestion but delist
    assert stock_outlook([1, 1], None, listed_days=2).suggestion is Suggestion.NONE
