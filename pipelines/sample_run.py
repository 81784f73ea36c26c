"""The bundled sample, ready to run: its state between runs and the configuration it needs.

``yooini sample`` serves the sample mall (``pipelines.sample``) on 127.0.0.1 and runs the
``buyma`` workflow on it. What has to survive between two runs is kept in
``$YOOINI_VAR_DIR/sample/state.json``: the catalog's size and seed, the price changes asked
for so far (the catalog is rebuilt from them, so it is the same catalog every run) and the
port, so that every URL the pipeline stored (product pages, images) stays the same and a rerun
changes nothing.

The configuration is written only where missing (suppliers, brand units, a BUYMA account in
dry run, an FX rate, the default pricing rule, BUYMA's master data): a person's edits in the
admin survive, and a test may point the account at a contract server instead.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import models

from markets.buyma.master import buyma_master_ensure
from markets.models import MarketAccount
from markets.services import market_account_create, market_account_save
from pricing.models import FxRate
from pricing.services import fx_rate_set, pricing_defaults_ensure
from suppliers.models import Supplier
from suppliers.services import supplier_brand_add, supplier_create, supplier_save

from .sample.buyma_pages import OWN_BUYER_ID
from .sample.catalog import SampleCatalog
from .sample.feed import FEED_COLUMNS, FEED_PATH

MALL = "sample-okmall"
FEED = "sample-feed"
ACCOUNT = "sample-buyma"
UNITS = f"{MALL},{FEED}"
LIVE_PREFIX = "live-"  # the sample's live account per market: live-coupang, ...
# Bought in Seoul, shipped from Korea by the Korean post (BUYMA master data ids).
SAMPLE_ACCOUNT_SETTINGS = {
    "buyer_id": OWN_BUYER_ID,
    "buying_area_id": 2002003001,
    "shipping_area_id": 2002003000,
    "shipping_method_ids": [608],
    "buying_shop_name": "okmall",
}
SAMPLE_FX = ("9.40", date(2026, 1, 1))  # won per yen, a plausible rate for the sample only


@dataclass
class SampleState:
    products: int = 1000
    seed: int = 7
    port: int = 0
    # The share of products repriced by each ``--reprice`` so far, in order.
    reprices: list[float] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> SampleState:
        if path.exists():
            return cls(**json.loads(path.read_text()))
        return cls()

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2))

    def catalog(self) -> SampleCatalog:
        catalog = SampleCatalog.generate(products=self.products, seed=self.seed)
        for generation, fraction in enumerate(self.reprices, start=1):
            catalog = catalog.repriced(fraction=fraction, generation=generation)
        return catalog

    def free_port(self) -> int:
        """The port of earlier runs, or a free one picked now."""
        if not self.port:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
        return self.port


@contextlib.contextmanager
def sample_served(state: SampleState, media: Path) -> Iterator[str]:
    """Serve the sample of ``state`` from a child process on its port; yields the base URL.

    The catalog is rebuilt in the child from the state, so it is the one this process sees.
    """
    port = state.free_port()
    command = [
        sys.executable,
        "-m",
        "pipelines.sample.serve",
        "--port",
        str(port),
        "--products",
        str(state.products),
        "--seed",
        str(state.seed),
        "--reprices",
        ",".join(str(share) for share in state.reprices),
        "--own-buyer-id",
        OWN_BUYER_ID,
        "--media-root",
        str(media),
    ]
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    try:
        _wait_for_port(port, child)
        yield f"http://127.0.0.1:{port}"
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


def _wait_for_port(port: int, child: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if child.poll() is not None:
            raise OSError(f"the sample server stopped at start (exit {child.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise OSError(f"the sample server did not listen on 127.0.0.1:{port}") from None
            time.sleep(0.05)


def state_path() -> Path:
    return Path(settings.YOOINI_VAR_DIR) / "sample" / "state.json"


class SampleBusy(Exception):
    """Another ``yooini sample`` holds this var directory's sample."""


@contextlib.contextmanager
def sample_lock(folder: Path) -> Iterator[None]:
    """Hold the sample of ``folder`` for one run. A second ``yooini sample`` at the same time
    would share its state, its port and its batch (or race it creating the configuration):
    it gets ``SampleBusy`` instead. An OS file lock: a killed run releases it."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "a+b") as handle:
        try:
            _lock(handle)
        except OSError:
            raise SampleBusy(
                f"another `yooini sample` is running on {folder.parent}; wait for it to end"
            ) from None
        yield


def _lock(handle) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def sample_configure(base_url: str, brands: list[str]) -> None:
    """Suppliers, brand units, a dry-run BUYMA account, FX, pricing and master data for the
    sample served at ``base_url`` (created where missing; the URLs always follow the server)."""
    buyma_master_ensure()
    pricing_defaults_ensure()
    if not FxRate.objects.exists():
        fx_rate_set(SAMPLE_FX[0], SAMPLE_FX[1], source="sample")
    mall_settings = {
        "mall": "okmall",
        "brands": list(brands),
        "base_url": base_url,
        "delay_seconds": [0, 0],
        "max_products_per_read": 50,
    }
    Supplier.objects.filter(name__in=[MALL, FEED]).update(enabled=True)  # off between runs
    _supplier(MALL, "mall", mall_settings)
    for brand in brands:
        supplier_brand_add(supplier=MALL, brand=brand)
    _supplier(FEED, "excel", {"source": f"{base_url}{FEED_PATH}", "columns": FEED_COLUMNS})
    supplier_brand_add(supplier=FEED, brand="", label="all")
    account = MarketAccount.objects.filter(name=ACCOUNT).first()
    if account is None:
        account = market_account_create(
            name=ACCOUNT,
            market="buyma",
            dry_run=True,
            settings=dict(SAMPLE_ACCOUNT_SETTINGS),
            credentials={},
        )
    account.enabled = True
    account.settings = {
        **SAMPLE_ACCOUNT_SETTINGS,
        **account.settings,
        "search_base_url": base_url,
        "search_delay_seconds": 0,
    }
    market_account_save(account=account)


def sample_disarm() -> list[str]:
    """Disable what the sample set up against its own servers, as they stop: its suppliers
    and its market accounts point at ports nobody listens on once the command ends, and the
    scheduled runs of ``serve`` (buyma hourly, inventory_sync, order_processing) would call
    them into connection errors and open breakers. The next ``yooini sample`` enables them
    again. Returns the names disabled."""
    suppliers = list(
        Supplier.objects.filter(name__in=[MALL, FEED], enabled=True).values_list("name", flat=True)
    )
    Supplier.objects.filter(name__in=suppliers).update(enabled=False)
    sample_accounts = MarketAccount.objects.filter(enabled=True).filter(
        models.Q(name=ACCOUNT) | models.Q(name__startswith=LIVE_PREFIX)
    )
    accounts = list(sample_accounts.values_list("name", flat=True))
    MarketAccount.objects.filter(name__in=accounts).update(enabled=False)
    return sorted(suppliers + accounts)


def sample_run_settings(port: int, base_url: str) -> dict:
    """What the sample's batch carries to every process that runs its stages (a Celery worker
    started before the run too): the sample server is on loopback, which the image fetcher
    refuses by default (SSRF guard), so exactly that server is allowed; and listings need
    http(s) image URLs, so without a configured public URL the sample server serves the
    stored images."""
    run = {"YOOINI_MEDIA_ALLOWED_HOSTS": [f"127.0.0.1:{port}"]}
    if not settings.YOOINI_MEDIA_PUBLIC_URL and settings.YOOINI_MEDIA_STORAGE == "local":
        run["YOOINI_MEDIA_PUBLIC_URL"] = f"{base_url}/media/"
    return run


def _supplier(name: str, kind: str, wanted: dict) -> Supplier:
    supplier = Supplier.objects.filter(name=name).first()
    if supplier is None:
        return supplier_create(name=name, kind=kind, settings=wanted)
    supplier.settings = {**supplier.settings, **wanted}
    return supplier_save(supplier=supplier)


# The seller's own details per sample market, beyond what its server hands out ({base_url}:
# the sample's own server, which also serves BUYMA's search pages for competitor prices).
LIVE_SELLER: dict[str, dict] = {
    "buyma": {
        **SAMPLE_ACCOUNT_SETTINGS,
        "search_base_url": "{base_url}",
        "search_delay_seconds": 0,
    },
}


def live_accounts_configure(served: dict, base_url: str) -> list[str]:
    """A live account per served market (``live-<kind>``), pointing at its server as it runs
    now (the port changes from run to run); credentials are set when the account is made.
    Returns the account names."""
    sample_credentials_key()
    names = []
    for kind, market in served.items():
        settings_now, credentials = market.settings, market.credentials
        name = f"{LIVE_PREFIX}{kind}"
        extra = {
            key: value.replace("{base_url}", base_url) if isinstance(value, str) else value
            for key, value in LIVE_SELLER.get(kind, {}).items()
        }
        account = MarketAccount.objects.filter(name=name).first()
        if account is None:
            account = market_account_create(
                name=name,
                market=kind,
                dry_run=False,
                settings={**extra, **settings_now},
                credentials=credentials,
            )
        account.enabled = True
        account.settings = {**extra, **account.settings, **settings_now}
        market_account_save(account=account)
        names.append(name)
    return names


def sample_credentials_key() -> None:
    """Live accounts keep credentials, encrypted with ``YOOINI_CREDENTIALS_KEY``. Without one
    in the environment the sample makes its own, kept in ``var/sample/credentials.key`` (for
    the sample's accounts only: a real deployment sets the variable, for every process)."""
    if settings.YOOINI_CREDENTIALS_KEY:
        return
    path = Path(settings.YOOINI_VAR_DIR) / "sample" / "credentials.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    settings.YOOINI_CREDENTIALS_KEY = path.read_text().strip()
