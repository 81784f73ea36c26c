"""``yooini listings``: the JSON document and the human table."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from markets.services import listing_publish, market_account_create

from .conftest import SETTINGS, make_content

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("listings", *args, stdout=out)
    return out.getvalue()


def test_json_lists_listings_with_their_request_log():
    account = market_account_create(name="dry", settings=SETTINGS)
    listing_publish(account=account, content=make_content(), price_decision={"rule": "target"})
    listing_publish(account=account, content=make_content(price=14000), mode="partial")
    listing_publish(account=account, content=make_content("okm-2", images=()))
    documents = json.loads(run("--json"))
    assert [d["reference_number"] for d in documents] == ["okm-2", "okm-814101"]
    first = documents[1]
    assert first["market"] == "buyma" and first["account"] == "dry"
    assert first["status"] == "dry_run" and first["price"] == 14000
    assert first["external_id"] is None and first["stock"]["variants"] == 2
    assert first["price_decision"] == {"rule": "target"}
    assert [(r["kind"], r["dry_run"], r["method"], r["path"]) for r in first["requests"]] == [
        ("create", True, "POST", "/api/v1/products.json"),
        ("price", True, "POST", "/api/v1/products.json"),
    ]
    assert set(first["requests"][0]) >= {"kind", "at", "status_code", "result"}
    failed = json.loads(run("--json", "--status", "failed"))
    assert [d["reference_number"] for d in failed] == ["okm-2"]
    assert "images" in failed[0]["last_error"]
    assert json.loads(run("--json", "--market", "coupang")) == []  # a market with none
    with pytest.raises(CommandError, match="--market 'other' is unknown; one of: buyma"):
        run("--json", "--market", "other")
    with pytest.raises(CommandError, match="--account 'nobody' is unknown; one of: dry"):
        run("--json", "--account", "nobody")


def test_table_for_humans():
    account = market_account_create(name="dry", settings=SETTINGS)
    listing_publish(account=account, content=make_content())
    text = run("--requests")
    assert "okm-814101" in text and "dry_run" in text and "¥15,800" in text
    assert "create" in text and "/api/v1/products.json" in text
