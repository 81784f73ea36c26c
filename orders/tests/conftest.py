"""Fixtures of the order tests: a live Coupang account on the local order server, an ownerclan
supplier on its local GraphQL server, and one product of that supplier listed on the account."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from markets.contract import ListingState, Operation, connector_for
from markets.coupang.order_testing import CoupangOrderServer
from markets.coupang.tests.conftest import config_for, make_content
from markets.models import Listing, ListingStatus
from markets.services import market_account_create
from markets.testing import send
from orchestrator.core.clock import get_clock
from suppliers.connectors.contract import SupplierOption, SupplierRecord
from suppliers.services import supplier_create, supplier_records_upsert
from suppliers.tests.local_servers import OwnerclanApi

USERNAME, PASSWORD = "seller-kim", "pw-9f2e7c41b0"
SUPPLIER = "oc"
ITEM = "W000001"
REFERENCE = f"{SUPPLIER}-{ITEM}"
BUYER_NAME, BUYER_PHONE = "김구매", "0502-1234-5678"
BUYER_ADDRESS = "서울특별시 중구 세종대로 110 3층"


def ownerclan_item(stock: int = 5) -> dict:
    return {
        "key": ITEM,
        "name": "오너클랜 스니커즈",
        "price": 50000,
        "status": "available",
        "options": [
            {
                "key": f"{ITEM}-{i}",
                "price": 50000,
                "quantity": stock,
                "optionAttributes": [{"name": "색상", "value": colour}],
            }
            for i, colour in enumerate(("블랙", "화이트"))
        ],
    }


@pytest.fixture(autouse=True)
def credentials_key(settings, tmp_path):
    settings.YOOINI_CREDENTIALS_KEY = Fernet.generate_key().decode()
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def ownerclan():
    with OwnerclanApi(username=USERNAME, password=PASSWORD, items=[ownerclan_item()]) as server:
        server.stall_seconds = 1.5
        yield server


@pytest.fixture
def market():
    with CoupangOrderServer() as server:
        with connector_for(config_for(server)) as listings:
            content = make_content(REFERENCE)
            send(listings, Operation.CREATE, content, ListingState(REFERENCE))
        yield server


@pytest.fixture
def account(db, market):
    config = config_for(market, timeout=1.0)
    return market_account_create(
        name="live-coupang",
        market="coupang",
        dry_run=False,
        settings=dict(config.settings),
        credentials=dict(config.credentials),
    )


@pytest.fixture
def supplier(db, ownerclan):
    supplier = supplier_create(
        name=SUPPLIER,
        kind="ownerclan",
        settings={
            "auth_url": f"{ownerclan.url}/auth",
            "graphql_url": f"{ownerclan.url}/v1/graphql",
            "timeout": 1.0,
            "max_retries": 0,
        },
        credentials={"username": USERNAME, "password": PASSWORD},
    )
    record = SupplierRecord(
        source_id=ITEM,
        name="오너클랜 스니커즈",
        price=50000,
        options=tuple(
            SupplierOption(name=colour, key=f"{ITEM}-{i}", stock=5, attributes=(("색상", colour),))
            for i, colour in enumerate(("블랙", "화이트"))
        ),
    )
    supplier_records_upsert(supplier_name=SUPPLIER, records=[record])
    return supplier


@pytest.fixture
def listing(account, supplier):
    now = get_clock().now()
    return Listing.objects.create(
        account=account,
        reference_number=REFERENCE,
        source_key=f"{SUPPLIER}:{ITEM}",
        external_id="1",
        currency="KRW",
        status=ListingStatus.PUBLISHED,
        created_at=now,
        updated_at=now,
    )
