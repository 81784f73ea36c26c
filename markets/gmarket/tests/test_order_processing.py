"""order_processing on a live Gmarket / Auction account, against the local ESM order server and
the local ownerclan server: an order of each site collected once, confirmed, bought once,
dispatched once with the supplier's tracking number (its parcel company mapped to ESM's
number)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from markets.contract import ListingState, Operation, connector_for
from markets.gmarket.order_testing import GmarketOrderServer
from markets.models import Listing, ListingStatus
from markets.services import market_account_create
from markets.testing import send
from orders import processing
from orders.models import LineStatus, OrderLine
from orders.purchase import request_key

# The order tests' supplier side: the local ownerclan server, its supplier, the credentials key.
from orders.tests.conftest import (  # noqa: F401
    ITEM,
    REFERENCE,
    SUPPLIER,
    credentials_key,
    ownerclan,
    supplier,
)
from pipelines.order_processing import order_partitions

from .conftest import config_for, make_content

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def market():
    with GmarketOrderServer(stall_seconds=0.5) as server:
        with connector_for(config_for(server)) as listings:
            send(listings, Operation.CREATE, make_content(REFERENCE), ListingState(REFERENCE))
        yield server


@pytest.fixture
def account(db, market):
    config = config_for(market, settings={"delivery_company_codes": {"CJGLS": 10013}})
    return market_account_create(
        name="live-gmarket",
        market="gmarket",
        dry_run=False,
        settings=dict(config.settings),
        credentials=dict(config.credentials),
    )


@pytest.fixture
def listing(account, supplier):  # noqa: F811
    now = timezone.now()
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


def run_steps(account, *, run: str) -> dict:
    suppliers = processing.SupplierConnectors()
    try:
        with processing.order_connector(account) as connector:
            return {
                "collect": processing.collect(account, connector),
                "acknowledge": processing.acknowledge(account, connector),
                "purchase": processing.purchase(account, suppliers, run=run),
                "tracking": processing.tracking(account, connector, suppliers),
            }
    finally:
        suppliers.close()


def test_the_account_is_a_partition_of_order_processing(account):
    assert "live-gmarket" in order_partitions({})


def test_an_order_of_each_site_goes_round_once(account, listing, market, ownerclan):  # noqa: F811
    on_gmarket = market.place(REFERENCE)
    on_auction = market.place(REFERENCE, quantity=2, site="auction")
    counts = run_steps(account, run="r1")
    assert counts["collect"]["created"] == 2
    assert counts["acknowledge"] == {"acknowledged": 2}
    assert counts["purchase"] == {"placed": 2}
    assert market.status_of(on_gmarket) == market.status_of(on_auction) == 2
    lines = {line.market_line_id: line for line in OrderLine.objects.all()}
    assert set(lines) == {on_gmarket, on_auction}
    assert lines[on_auction].quantity == 2
    for line in lines.values():
        assert ownerclan.purchases[request_key(line)] == 1

    for order in list(ownerclan.orders.values()):
        ownerclan.ship(order["key"], "CJGLS", f"6400{order['key'][-8:]:0>8}")
    counts = run_steps(account, run="r2")
    assert counts["tracking"] == {"shipped": 2}
    assert market.invoices_of(on_gmarket) == market.invoices_of(on_auction) == 1
    assert all(line.status == LineStatus.SHIPPED for line in OrderLine.objects.all())

    again = run_steps(account, run="r3")
    assert again["purchase"] == {} and again["tracking"] == {}
    assert again["collect"]["created"] == 0
    assert ownerclan.duplicates == 0 and OrderLine.objects.count() == 2


def test_the_sample_orders_on_gmarket_through_its_server(account, listing, market):
    from types import SimpleNamespace

    from pipelines.sample.orders import orders_place

    served = {"gmarket": SimpleNamespace(server=None, settings={"base_url": market.base_url})}
    assert orders_place(served, ["live-gmarket"], 2) == {"gmarket": "live-gmarket"}
    placed = sorted(market.orders.values(), key=lambda order: order["OrderNo"])
    assert [order["OutGoodsNo"] for order in placed] == [REFERENCE, REFERENCE]
    assert placed[0]["ReceiverName"] != placed[1]["ReceiverName"], "a made-up buyer each"
