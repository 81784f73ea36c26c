"""The sample's buyers: ``yooini sample --markets ... --orders N`` has the local market servers
that take orders (their ``place``) order N of the products listed on them, round robin over
markets and listings, each with a made-up buyer. ``order_processing`` then collects,
acknowledges and buys them (the sample's suppliers have no order API: their order sheets)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from markets.contract_server import SAMPLE_ORDERS_PATH
from markets.models import Listing, ListingStatus
from markets.orders import Buyer

# The sample markets whose servers take orders (their order APIs are built).
ORDER_MARKETS = ("coupang", "smartstore", "gmarket")

BUYERS = (
    Buyer("김민준", "0502-1111-2222", "서울특별시 중구 세종대로 110 3층", "04524"),
    Buyer("이서연", "0503-3333-4444", "부산광역시 해운대구 우동 1234", "48094"),
    Buyer("박지호", "0504-5555-6666", "대전광역시 서구 둔산로 100", "35242"),
)


def orders_place(served: Mapping[str, Any], accounts: Sequence[str], count: int) -> dict[str, str]:
    """Place ``count`` orders on the served markets that take them, on the products listed by
    ``accounts``; the account of each market that got orders, by market. Each order goes to
    the market's server over HTTP (``SAMPLE_ORDERS_PATH``): it may run in another process."""
    shelves = {}
    for kind, market in served.items():
        if kind not in ORDER_MARKETS:
            continue
        references = list(
            Listing.objects.filter(
                account__market=kind,
                account__name__in=accounts,
                status__in=(ListingStatus.PUBLISHED, ListingStatus.PENDING),
            )
            .order_by("reference_number")
            .values_list("reference_number", flat=True)
        )
        if references:
            shelves[kind] = (market.settings["base_url"], references)
    placed = {}
    kinds = sorted(shelves)
    for n in range(count if kinds else 0):
        kind = kinds[n % len(kinds)]
        base_url, references = shelves[kind]
        reference = references[(n // len(kinds)) % len(references)]
        _place(base_url, reference, BUYERS[n % len(BUYERS)])
        placed[kind] = placed.get(kind, 0) + 1
    return {
        kind: name
        for kind in placed
        for name in accounts
        if Listing.objects.filter(account__name=name, account__market=kind).exists()
    }


def _place(base_url: str, reference_number: str, buyer: Buyer) -> None:
    body = {"reference_number": reference_number, "quantity": 1, "buyer": buyer.as_dict()}
    response = httpx.post(base_url + SAMPLE_ORDERS_PATH, json=body, timeout=10)
    if response.status_code != 200:
        raise RuntimeError(f"the sample market at {base_url} took no order: {response.text[:200]}")
