"""Resources the commerce pipelines share: one limit each across workflows, batches and
processes (the engine keeps them in the database)."""

from orchestrator import resource

# BUYMA's public search pages: crawled politely, one reader at a time.
BUYMA_SEARCH = resource("buyma-search", concurrency=1).name
# BUYMA's API: 5,000 calls an hour per account; one writer keeps the order of updates simple.
BUYMA_API = resource("buyma-api", concurrency=1).name
# Image downloads and conversion: CPU-bound beside the database.
IMAGES = resource("images", concurrency=2).name
