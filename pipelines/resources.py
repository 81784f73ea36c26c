"""Resources the commerce pipelines share: one limit each across workflows, batches and
processes (the engine keeps them in the database)."""

from orchestrator import resource

# BUYMA's public search pages: crawled politely, one reader at a time.
BUYMA_SEARCH = resource("buyma-search", concurrency=1).name
# BUYMA's API: 5,000 calls an hour per account; one writer keeps the order of updates simple.
BUYMA_API = resource("buyma-api", concurrency=1).name
# Image downloads and conversion: CPU-bound beside the database.
IMAGES = resource("images", concurrency=2).name
# Every market's API from product_sync's register cells: the connectors pace their own calls
# to each market's published rate; two cells at once keep the order of updates per unit.
MARKETS_API = resource("markets-api", concurrency=2).name
