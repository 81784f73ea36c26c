"""The four-market sample the pipeline tests share: 30 sample products, the mall and the four
markets' contract servers in this process (so tests read their counters), configured as
``yooini sample --markets`` configures them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from orchestrator.loading import workflows_load
from pipelines.sample.catalog import SampleCatalog
from pipelines.sample.markets import MARKETS, markets_served
from pipelines.sample.server import SampleServer
from pipelines.sample_run import live_accounts_configure, sample_configure


@contextlib.contextmanager
def four_market_sample(settings, tmp_path, mall_class=SampleServer) -> Iterator[SampleServer]:
    """The mall server, with ``accounts`` (the live account names) and ``markets`` (the
    contract servers by kind) set on it."""
    workflows_load()
    settings.YOOINI_VAR_DIR = tmp_path
    settings.YOOINI_MEDIA_ROOT = tmp_path / "media"
    settings.YOOINI_MARKET_TIMEOUT = 0.5
    settings.YOOINI_CREDENTIALS_KEY = ""  # the sample makes its own under var/
    catalog = SampleCatalog.generate(products=30, brands=4, seed=5)
    with (
        mall_class(catalog, media_root=tmp_path / "media") as server,
        markets_served(MARKETS, tmp_path / "markets") as markets,
    ):
        settings.YOOINI_MEDIA_ALLOWED_HOSTS = [f"127.0.0.1:{server.server_address[1]}"]
        settings.YOOINI_MEDIA_PUBLIC_URL = f"{server.base_url}/media/"
        sample_configure(server.base_url, list(catalog.brands))
        server.accounts = live_accounts_configure(markets, server.base_url)
        server.markets = {kind: market.server for kind, market in markets.items()}
        yield server
