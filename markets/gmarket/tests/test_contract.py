"""The shared market contract, run against the local ESM contract server."""

from __future__ import annotations

from markets.testing import MarketContract


class TestGmarketContract(MarketContract):
    def market_view(self, server, reference_number: str) -> dict:
        return server.view(reference_number)
