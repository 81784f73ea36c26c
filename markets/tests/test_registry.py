"""The market registry: built-in kinds, kinds registered by a plugin, unknown kinds refused
with the known ones named, and accounts only for known kinds."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ValidationError

from markets.buyma.market import MARKET as BUYMA
from markets.contract import UnknownMarket, kinds, market_kind, register, unregister


def test_every_built_in_market_is_found_with_its_capabilities():
    assert {"buyma", "smartstore", "coupang", "gmarket"} <= set(kinds())
    currencies = {kind: market_kind(kind).capabilities.currency for kind in kinds()}
    assert currencies["buyma"] == "JPY"
    assert {currencies[k] for k in ("smartstore", "coupang", "gmarket")} == {"KRW"}


def test_a_plugin_market_registers_and_an_unknown_one_is_named():
    plugin = dataclasses.replace(BUYMA, kind="plugin-market", label="A plugin")
    register(plugin)
    try:
        assert "plugin-market" in kinds() and market_kind("plugin-market") is plugin
        with pytest.raises(ValueError, match="already registered"):
            register(plugin)
    finally:
        unregister("plugin-market")
    with pytest.raises(UnknownMarket, match="known: .*coupang"):
        market_kind("plugin-market")


@pytest.mark.django_db
def test_an_account_needs_a_known_market():
    from markets.services import market_account_create

    with pytest.raises(ValidationError, match="unknown market"):
        market_account_create(name="nowhere", market="nowhere")
    assert market_account_create(name="cp", market="coupang").market == "coupang"
