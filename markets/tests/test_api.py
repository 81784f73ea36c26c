"""Listings over the REST API; no credential ever leaves the server."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from markets.services import listing_publish, market_account_create
from source_data.services import source_data_upsert_many
from source_data.tests.factories import product

from .conftest import SETTINGS, make_content

pytestmark = pytest.mark.django_db

CLIENT_SECRET = "cs-live-7f3e9b21d4a6"
ACCESS_TOKEN = "at-live-5c8d0e2f1a9b"


@pytest.fixture
def listed():
    account = market_account_create(
        name="tokyo",
        market="buyma",
        settings=SETTINGS,
        credentials={"client_secret": CLIENT_SECRET, "access_token": ACCESS_TOKEN},
        dry_run=True,
    )
    decision = {"rule": "target", "price_jpy": 15800, "fx_rate": {"krw_per_jpy": "9.4"}}
    listing_publish(account=account, content=make_content("okm-814101"), price_decision=decision)
    listing_publish(account=account, content=make_content("okm-814102"))
    source_data_upsert_many([product("814101", system="okmall")])
    return account


def test_list_and_filter_listings(api_as, listed):
    viewer = api_as("viewer")
    page = viewer.get("/api/listings/").json()
    assert page["count"] == 2
    first = page["results"][0]
    assert first["reference_number"] == "okm-814101" and first["account"] == "tokyo"
    assert first["status"] == "dry_run" and first["dry_run_account"] is True
    assert viewer.get("/api/listings/?account=tokyo&status=dry_run").json()["count"] == 2
    assert viewer.get("/api/listings/?account=elsewhere").json()["count"] == 0
    assert viewer.get("/api/listings/?status=published").json()["count"] == 0
    found = viewer.get("/api/listings/?q=OKM-814102").json()["results"]
    assert [r["reference_number"] for r in found] == ["okm-814102"]
    assert viewer.get("/api/listings/?status=bogus").status_code == 400


def test_detail_has_the_price_decision_source_and_requests(api_as, listed):
    viewer = api_as("viewer")
    listing_id = viewer.get("/api/listings/?q=814101").json()["results"][0]["id"]
    detail = viewer.get(f"/api/listings/{listing_id}/").json()
    assert detail["price_decision"]["fx_rate"] == {"krw_per_jpy": "9.4"}
    assert detail["price"] == 15800
    assert detail["source_data_id"] is not None
    assert detail["requests"] and detail["requests"][0]["dry_run"] is True
    assert detail["requests"][0]["body"]  # what would have been sent
    assert viewer.get("/api/listings/999999999/").status_code == 404


def test_no_credential_appears_in_any_answer(api_as, listed):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials_encrypted FROM yooini_market_account WHERE id = %s", [listed.pk]
        )
        (ciphertext,) = cursor.fetchone()
    assert ciphertext and CLIENT_SECRET not in ciphertext
    viewer = api_as("admin")
    listing_id = viewer.get("/api/listings/").json()["results"][0]["id"]
    urls = [
        "/api/listings/",
        f"/api/listings/{listing_id}/",
        "/api/listings/?q=okm",
        "/api/source-data/",
        "/api/events/?limit=500",
        "/api/batches/",
        "/api/orchestrator/status",
        "/api/schema/",
    ]
    for url in urls:
        response = viewer.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for secret in (CLIENT_SECRET, ACCESS_TOKEN, ciphertext, "credentials_encrypted"):
            assert secret not in text, (url, secret[:8])
    detail = json.dumps(viewer.get(f"/api/listings/{listing_id}/").json())
    assert "credentials" not in detail
