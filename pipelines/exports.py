"""The listing contents of one account as the next run would publish them (for exports)."""

from __future__ import annotations

from markets.listing import ListingContent
from markets.models import MarketAccount
from media.storage import storage_get

from .contents import product_content
from .market_products import Preparers
from .models import MarketProduct
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
        contents.append(product_content(row, state, account, preparer, storage))
    return contents, waiting
