"""BUYMA's asynchronous results, delivered by the contract server to a real server
(pytest-django's ``live_server``) and signed as BUYMA signs them: no test client, no mocks.

The signature the tests send is computed here from the documented recipe (base64 of the
HMAC-SHA256 of the raw body), not with the code under test."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import pytest

from markets.models import Listing, ListingRequest
from markets.services import listing_publish
from markets.webhooks import webhook_signature

from .conftest import WEBHOOK_SECRET, make_content


@pytest.fixture
def hook(live_server, settings, buyma_account) -> str:
    settings.ROOT_URLCONF = "markets.tests.urls"
    host, port = live_server.thread.httpd.server_address[:2]
    return f"http://{host}:{port}/hooks/buyma/{buyma_account.name}/"


def post(url: str, event: str, payload: dict, secret: str = WEBHOOK_SECRET) -> httpx.Response:
    body = json.dumps(payload).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return httpx.post(
        url,
        content=body,
        headers={"X-Buyma-Event": event, "X-Buyma-Hmac-Sha256": signature.decode()},
        timeout=5,
    )


def test_create_result_publishes_the_listing_once(buyma_server, buyma_account, hook):
    content = make_content()
    listing_publish(account=buyma_account, content=content)
    queued = list(buyma_server.webhooks)
    assert buyma_server.deliver_webhooks(hook) == [200]
    listing = Listing.objects.get()
    held = buyma_server.products[content.reference_number]
    assert listing.status == "published" and listing.external_id == str(held["id"])
    create = ListingRequest.objects.get(kind="create")
    assert create.result["outcome"]["event"] == "product/create"
    # BUYMA redelivers (no 200 seen in time): nothing is applied twice.
    event, body = queued[0]
    again = httpx.post(
        hook,
        content=body,
        headers={"X-Buyma-Event": event, "X-Buyma-Hmac-Sha256": buyma_server.sign(body)},
        timeout=5,
    )
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert ListingRequest.objects.filter(kind="webhook").count() == 1

    # The next update goes by BUYMA's id, and its result keeps the listing published.
    listing_publish(account=buyma_account, content=make_content(comments="説明を更新。"))
    assert buyma_server.bodies[-1][1]["product"]["id"] == held["id"]
    assert buyma_server.deliver_webhooks(hook) == [200]
    listing.refresh_from_db()
    assert listing.status == "published" and listing.last_error == ""


def test_fail_to_create_marks_failed_with_the_errors(buyma_server, buyma_account, hook):
    content = make_content()
    buyma_server.fail_async(content.reference_number, {"category_id": ["カテゴリが不正です"]})
    assert listing_publish(account=buyma_account, content=content).action == "created"
    assert buyma_server.deliver_webhooks(hook) == [200]
    listing = Listing.objects.get()
    assert listing.status == "failed" and listing.create_sent_at is None
    assert "category_id: カテゴリが不正です" in listing.last_error
    # Same content: not sent again. Changed content: a new create (BUYMA holds nothing).
    assert listing_publish(account=buyma_account, content=content).action == "unchanged"
    fixed = make_content(category_id=3474)
    assert listing_publish(account=buyma_account, content=fixed).action == "created"
    assert buyma_server.creates[content.reference_number] == 1


def test_automatic_delivery_after_the_answer(live_server, settings, db):
    from markets.buyma.testing import BuymaContractServer
    from markets.services import market_account_create

    from .conftest import SETTINGS

    settings.ROOT_URLCONF = "markets.tests.urls"
    host, port = live_server.thread.httpd.server_address[:2]
    url = f"http://{host}:{port}/hooks/buyma/auto/"
    with BuymaContractServer(webhook_url=url, auto_deliver=True) as server:
        account = market_account_create(
            name="auto",
            settings={**SETTINGS, "base_url": server.base_url},
            credentials=server.issue_tokens(),  # no webhook_secret: the client secret signs
            dry_run=False,
        )
        listing_publish(account=account, content=make_content())
    assert server.delivered == [("product/create", 200)]
    assert Listing.objects.get().status == "published"


def test_refusals(buyma_server, buyma_account, hook):
    listing_publish(account=buyma_account, content=make_content())
    payload = {"id": 1, "reference_number": "okm-814101", "status": "public"}
    assert post(hook, "product/create", payload, secret="wrong").status_code == 401
    bare = httpx.post(hook, content=b"{}", headers={"X-Buyma-Event": "product/create"})
    assert bare.status_code == 401
    assert post(hook.replace("/shop/", "/nobody/"), "product/create", payload).status_code == 404
    assert Listing.objects.get().status == "pending"
    unknown = post(hook, "product/create", {**payload, "reference_number": "not-ours"})
    assert unknown.status_code == 200 and unknown.json()["status"] == "ignored"
    order = post(hook, "order/create", {"id": 5})
    assert order.json()["status"] == "ignored"
    assert ListingRequest.objects.filter(kind="webhook").count() == 0
    suspended = post(hook, "product/update", {**payload, "status": "buyer_suspended"})
    assert suspended.json()["status_now"] == "suspended"


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        json.dumps(
            {
                "reference_number": "okm-814101",
                "a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
            }
        ).encode(),
        b'{"reference_number": "okm-814101", "status": "public", "name": "\\ud83d"}',
        b'{"reference_number": "okm-814101", "status": "public", "name": "a\\u0000b"}',
    ],
    ids=["100000-deep", "nested", "lone-surrogate", "nul"],
)
def test_a_signed_body_nobody_means_is_a_400(buyma_server, buyma_account, hook, body):
    listing_publish(account=buyma_account, content=make_content())
    answer = httpx.post(
        hook,
        content=body,
        headers={
            "X-Buyma-Event": "product/update",
            "X-Buyma-Hmac-Sha256": webhook_signature(WEBHOOK_SECRET, body),
            "Content-Type": "application/json",
        },
    )
    assert answer.status_code == 400
    assert Listing.objects.get().status == "pending"
