"""Which market accounts a run lists on: every enabled one, or the one ``--param account``
names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markets.models import MarketAccount
from suppliers.connectors import ConfigError


def market_accounts(params: Mapping[str, Any], *, market: str | None = None) -> list[MarketAccount]:
    query = MarketAccount.objects.filter(enabled=True)
    if market:
        query = query.filter(market=market)
    name = params.get("account")
    if name:
        query = query.filter(name=name)
    accounts = list(query.order_by("name"))
    if not accounts:
        wanted = f"account {name!r}" if name else f"{market or 'market'} account"
        raise ConfigError(f"no enabled {wanted}: create one in the admin (Markets)")
    return accounts
