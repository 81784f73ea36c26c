"""Coupang against the shared market contract suite, on the local contract server."""

from __future__ import annotations

from markets.testing import MarketContract


class TestCoupangContract(MarketContract):
    """Fixtures ``server``, ``connector``, ``broken_connector``, ``secrets`` and ``content``
    come from this folder's conftest."""

    def market_view(self, server, reference_number: str) -> dict:
        return server.view(reference_number)
