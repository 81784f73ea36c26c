"""BUYMA through the shared market contract suite, against the local BUYMA server."""

from __future__ import annotations

import pytest

from markets.buyma.testing import BuymaContractServer
from markets.contract import MarketConfig, connector_for
from markets.testing import MarketContract
from markets.tests.conftest import SETTINGS, make_content


class TestBuymaContract(MarketContract):
    @pytest.fixture
    def server(self):
        with BuymaContractServer() as server:
            yield server

    @pytest.fixture
    def credentials(self, server):
        return server.issue_tokens()

    @pytest.fixture
    def connector(self, server, credentials):
        config = MarketConfig(
            kind="buyma",
            account="shop",
            settings={**SETTINGS, "base_url": server.base_url},
            credentials=credentials,
            max_wait=0.5,
        )
        with connector_for(config) as connector:
            yield connector

    @pytest.fixture
    def broken_connector(self, server, credentials):
        refused = {**credentials, "access_token": "not-a-token-we-issued", "refresh_token": "nope"}
        config = MarketConfig(
            kind="buyma",
            account="shop",
            settings={**SETTINGS, "base_url": server.base_url},
            credentials=refused,
        )
        with connector_for(config) as connector:
            yield connector

    @pytest.fixture
    def secrets(self, credentials):
        return [v for v in credentials.values() if len(v) >= 8]

    @pytest.fixture
    def content(self):
        return make_content()

    def market_view(self, server, reference_number):
        with server.lock:
            held = server.products[reference_number]
            available = [v for v in held["variants"] if v["stock_type"] != "out_of_stock"]
            return {
                "price": held["price"],
                "stock": len(available) if held.get("order_quantity", 1) else 0,
                "on_sale": held["status"] == "public",
            }
