"""SmartStore against the shared market contract suite, over real HTTP to the local server."""

from __future__ import annotations

from markets.testing import MarketContract


class TestSmartStoreContract(MarketContract):
    def market_view(self, server, reference_number: str) -> dict:
        view = server.view(reference_number)
        return {"price": view["price"], "stock": view["stock"], "on_sale": view["on_sale"]}
