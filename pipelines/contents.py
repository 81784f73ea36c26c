"""One product's listing content on one account, as the market's preparer makes it from the
product's state there (draft, texts, price) and its stored images. REGISTER publishes it; the
exports and the bulk actions of the product page rebuild it the same way."""

from __future__ import annotations

import dataclasses

from markets.contract import Preparer
from markets.listing import ListingContent
from markets.models import MarketAccount
from media.storage import Storage

from .models import MarketProduct, PipelineProduct
from .products import product_unavailable


def product_content(
    row: PipelineProduct,
    state: MarketProduct,
    account: MarketAccount,
    preparer: Preparer,
    storage: Storage,
) -> ListingContent:
    content = preparer.content(
        state.draft,
        state.texts,
        state.price,
        [storage.public_url(key) for key in row.images],
        gone=product_unavailable(row),
        settings=account.settings,
    )
    return dataclasses.replace(content, source_key=row.key)
