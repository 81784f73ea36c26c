"""Sample sources for running the BUYMA pipeline offline: a mall, BUYMA searches, a feed.

``SampleCatalog.generate(products, brands, seed)`` makes a deterministic catalogue of fashion
products; ``SampleServer(catalog)`` serves it on 127.0.0.1 as okmall pages (which the
project's own okmall parsers and mall connector read), product photos, BUYMA's price-ascending
search pages and one Excel supplier feed. Nothing here touches the network beyond loopback.
"""

from __future__ import annotations

from pipelines.sample.buyma_pages import OWN_BUYER_ID, render_search
from pipelines.sample.catalog import (
    BRANDS,
    Brand,
    BuymaListing,
    BuymaSearch,
    SampleCatalog,
    SampleOption,
    SampleProduct,
    changed_ids,
    competitor,
    outside_vocabulary,
)
from pipelines.sample.feed import (
    FEED_COLUMNS,
    FEED_HEADER,
    FEED_PATH,
    bad_row_ids,
    feed_xlsx_bytes,
    sample_feed_catalog,
    write_feed_xlsx,
)
from pipelines.sample.images import image_bytes
from pipelines.sample.okmall_pages import (
    image_url,
    listing_path,
    product_path,
    render_listing,
    render_product,
)
from pipelines.sample.server import SampleServer

__all__ = [
    "BRANDS",
    "FEED_COLUMNS",
    "FEED_HEADER",
    "FEED_PATH",
    "OWN_BUYER_ID",
    "Brand",
    "BuymaListing",
    "BuymaSearch",
    "SampleCatalog",
    "SampleOption",
    "SampleProduct",
    "SampleServer",
    "bad_row_ids",
    "changed_ids",
    "competitor",
    "feed_xlsx_bytes",
    "image_bytes",
    "image_url",
    "listing_path",
    "outside_vocabulary",
    "product_path",
    "render_listing",
    "render_product",
    "render_search",
    "sample_feed_catalog",
    "write_feed_xlsx",
]
