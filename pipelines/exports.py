"""The listing contents of one account as the next run would publish them (for exports)."""

from __future__ import annotations

import dataclasses

from markets.listing import ListingContent
from markets.models import MarketAccount
from media.storage import storage_get

from .market_products import Preparers
from .models import MarketProduct
from .products import product_unavailable
from .steps.register import not_ready_reason


def account_contents(account: MarketAccount) -> tuple[list[ListingContent], int]:
    """(contents of every product ready on ``account``, how many others are waiting)."""
    preparer = Preparers()[account.market]
    storage = storage_get()
    contents, waiting = [], 0
    states = MarketProduct.objects.filter(account=account).select_related("product")
    for state in states.order_by("product__supplier", "product__source_id").iterator():
        row = state.product
        if not_ready_reason(row, state):
            waiting += 1
            continue
        content = preparer.content(
            state.draft,
            state.texts,
            state.price,
            [storage.public_url(key) for key in row.images],
            gone=product_unavailable(row),
            settings=account.settings,
        )
        contents.append(dataclasses.replace(content, source_key=row.key))
    return contents, waiting
