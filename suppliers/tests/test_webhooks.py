"""The supplier webhook against a real server (pytest-django's ``live_server``) and a sender
that signs with httpx, as a supplier would: no test client, no mocks.

The sender computes the HMAC itself (from the documented recipe), not with the code under
test, so a mistake in ``webhook_signature`` cannot hide behind the same mistake here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest
from cryptography.fernet import Fernet

from orchestrator.models import Event
from source_data.models import SourceData
from suppliers.models import Supplier, WebhookDelivery
from suppliers.services import supplier_create, supplier_set_credentials

SECRET = "whsec-7c1e9b04d2a8f356"
OLD_SECRET = "whsec-0a5d3e8b61c4f927"
EVENT = "supplier.product.received"

GOOD = {"id": "W1", "name": "웹훅 상품", "price": "12,000원", "stock": 3}
BAD = {"id": "W2", "name": "문의 상품", "price": "문의"}


@pytest.fixture(autouse=True)
def credentials_key(settings):
    settings.YOOINI_CREDENTIALS_KEY = Fernet.generate_key().decode()


@pytest.fixture
def server(live_server) -> str:
    """The live server's address as bound (127.0.0.1), not the "localhost" of its url."""
    host, port = live_server.thread.httpd.server_address[:2]
    assert host == "127.0.0.1"
    return f"http://{host}:{port}"


@pytest.fixture
def supplier(live_server):
    return supplier_create(name="pushy", kind="webhook", credentials={"webhook_secret": SECRET})


@pytest.fixture
def hook(server, supplier):
    return f"{server}/hooks/suppliers/{supplier.name}/"


def send(
    url: str,
    body: dict | bytes,
    *,
    secret: str = SECRET,
    event_id: str | None = None,
    timestamp: int | None = None,
    signature: str | None = None,
    headers: dict | None = None,
) -> httpx.Response:
    """POST ``body`` signed as the docs say: HMAC-SHA256 of "<timestamp>.<event id>.<body>"."""
    content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    event_id = event_id or f"evt-{uuid.uuid4().hex}"
    digest = hmac.new(
        secret.encode(), f"{stamp}.{event_id}.".encode() + content, hashlib.sha256
    ).hexdigest()
    sent = {
        "Content-Type": "application/json",
        "X-Yooini-Timestamp": stamp,
        "X-Yooini-Event-Id": event_id,
        "X-Yooini-Signature": signature if signature is not None else f"sha256={digest}",
        **(headers or {}),
    }
    return httpx.post(url, content=content, headers={k: v for k, v in sent.items() if v})


def events() -> list[Event]:
    return list(Event.objects.filter(type=EVENT).order_by("id"))


def test_a_signed_delivery_is_stored_then_processed_and_announced(hook, supplier):
    body = {"products": [GOOD, BAD]}
    response = send(hook, body, event_id="evt-1")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == "accepted" and answer["created"] == 1
    assert answer["rejected"] == [
        {"row": "W2", "column": "price", "value": "문의", "reason": "price not a number"}
    ]

    delivery = WebhookDelivery.objects.get()
    assert delivery.supplier == supplier and delivery.event_id == "evt-1"
    assert json.loads(delivery.body) == body and delivery.status == "processed"
    assert delivery.rejected == answer["rejected"] and delivery.result["rejected_count"] == 1
    (event,) = events()
    assert event.payload == {"supplier": "pushy", "delivery": delivery.pk, "event_id": "evt-1"}

    stored = SourceData.objects.get(source_system="pushy", source_id="W1", is_current=True)
    assert stored.source_type == "supplier_product" and stored.raw["price"] == 12000
    assert stored.batch_id == f"webhook:{delivery.pk}"
    assert not SourceData.objects.filter(source_id="W2").exists()


def test_a_single_product_body_is_accepted_too(hook):
    response = send(hook, {"product": {**GOOD, "price": 9900}})
    assert response.status_code == 200 and response.json()["created"] == 1


@pytest.mark.parametrize(
    "tamper",
    [
        {"secret": "whsec-not-the-right-one"},
        {"signature": "sha256=" + "0" * 64},
        {"signature": ""},  # header left out
        {"headers": {"X-Yooini-Timestamp": ""}},
    ],
    ids=["wrong secret", "forged", "no signature", "no timestamp"],
)
def test_a_bad_or_missing_signature_is_401_and_stores_nothing(hook, tamper):
    response = send(hook, {"products": [GOOD]}, **tamper)
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists() and not events()


def test_a_signed_body_changed_in_transit_is_refused(hook):
    stamp, event_id = int(time.time()), "evt-x"
    original = json.dumps({"products": [GOOD]}).encode()
    digest = hmac.new(
        SECRET.encode(), f"{stamp}.{event_id}.".encode() + original, hashlib.sha256
    ).hexdigest()
    changed = json.dumps({"products": [{**GOOD, "price": 1}]}).encode()
    response = send(hook, changed, timestamp=stamp, event_id=event_id, signature=f"sha256={digest}")
    assert response.status_code == 401
    # The event id is signed: the same delivery under a fresh id does not verify either.
    response = send(hook, original, timestamp=stamp, event_id="evt-y", signature=f"sha256={digest}")
    assert response.status_code == 401


# Well outside the 300 s window: a future timestamp shrinks toward it while the request travels.
@pytest.mark.parametrize("offset", [-330, 330])
def test_a_timestamp_outside_the_window_is_401(hook, offset):
    response = send(hook, {"products": [GOOD]}, timestamp=int(time.time()) + offset)
    assert response.status_code == 401 and "window" in response.json()["error"]
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("stamp", [999_999_999_999, 253_402_300_800])  # past the year 9999
def test_a_signed_timestamp_no_date_can_hold_is_401_not_500(hook, stamp):
    response = send(hook, {"products": [GOOD]}, timestamp=stamp)
    assert response.status_code == 401 and "window" in response.json()["error"]
    assert not WebhookDelivery.objects.exists()


def test_a_signed_body_nested_100000_deep_is_400_not_500(hook):
    response = send(hook, b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400 and "deeper" in response.json()["error"]
    deep = {"products": [{**GOOD, "extra": json.loads("[" * 500 + "]" * 500)}]}
    response = send(hook, deep)
    assert response.status_code == 400 and "deeper" in response.json()["error"]
    assert not WebhookDelivery.objects.exists()


def test_a_lone_surrogate_rejects_its_product_and_the_delivery_is_processed(hook):
    # "\ud83d" (half an emoji) in JSON text: valid JSON, but no UTF-8 character.
    broken = {**GOOD, "id": "W3", "name": "\ud83d 반쪽 이모지"}
    broken_brand = {**GOOD, "id": "W4", "brand": "\udc00"}
    # U+0000 too (found by the property tests on PostgreSQL): no text column can hold it.
    nul_id = {**GOOD, "id": "\u0000"}
    body = json.dumps({"products": [GOOD, broken, broken_brand, nul_id]}).encode()
    assert b"\\ud83d" in body
    response = send(hook, body, event_id="evt-surrogate")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == "accepted" and answer["created"] == 1
    assert [(r["row"], r["column"]) for r in answer["rejected"]] == [
        ("W3", "name"),
        ("\\x00", "id"),
        ("W4", "raw"),
    ]
    reasons = [r["reason"] for r in answer["rejected"]]
    assert "broken character" in reasons[0] and "broken character" in reasons[2]
    assert "NUL" in reasons[1]
    assert WebhookDelivery.objects.get().status == "processed" and len(events()) == 1
    assert SourceData.objects.filter(source_id="W1", is_current=True).exists()


def test_a_replay_is_answered_duplicate_and_done_once(hook):
    body = {"products": [GOOD]}
    first = send(hook, body, event_id="evt-same")
    again = send(hook, body, event_id="evt-same")
    assert first.status_code == 200 and again.status_code == 200
    assert again.json() == {"status": "duplicate", "delivery": first.json()["delivery"]}
    assert WebhookDelivery.objects.count() == 1 and len(events()) == 1
    assert SourceData.objects.filter(source_id="W1").count() == 1

    reused = send(hook, {"products": [{**GOOD, "price": 500}]}, event_id="evt-same")
    assert reused.status_code == 409
    assert WebhookDelivery.objects.count() == 1 and len(events()) == 1


def test_a_delivery_stored_but_not_processed_is_finished_by_the_retry(hook, supplier):
    # As if the process died between storing the delivery and processing it.
    body = json.dumps({"products": [GOOD]}).encode()
    stamp = int(time.time())
    WebhookDelivery.objects.create(
        supplier=supplier,
        event_id="evt-crash",
        signed_at=datetime.fromtimestamp(stamp, tz=UTC),
        received_at=datetime.fromtimestamp(stamp, tz=UTC),
        body=body.decode(),
        body_sha256=hashlib.sha256(body).hexdigest(),
    )
    assert not events()
    response = send(hook, body, event_id="evt-crash", timestamp=stamp)
    assert response.status_code == 200 and response.json()["status"] == "duplicate"
    assert WebhookDelivery.objects.get().status == "processed" and len(events()) == 1
    assert SourceData.objects.filter(source_id="W1", is_current=True).exists()


def test_unknown_disabled_and_malformed(server, hook, supplier):
    base = f"{server}/hooks/suppliers"
    assert send(f"{base}/nobody/", {"products": [GOOD]}).status_code == 404
    assert send(hook, b"not json at all").status_code == 400
    assert send(hook, {"items": [GOOD]}).status_code == 400  # no products
    assert send(hook, b"\xff\xfe bytes").status_code == 400
    assert send(hook, {"products": [GOOD]}, event_id="e" * 201).status_code == 400
    assert httpx.get(hook).status_code == 405
    Supplier.objects.filter(pk=supplier.pk).update(enabled=False)
    assert send(hook, {"products": [GOOD]}).status_code == 404
    assert not WebhookDelivery.objects.exists()


def test_the_previous_secret_still_verifies_during_a_rotation(hook, supplier):
    supplier_set_credentials(
        supplier=supplier,
        credentials={"webhook_secret": SECRET, "webhook_secret_previous": OLD_SECRET},
    )
    assert send(hook, {"products": [GOOD]}, secret=OLD_SECRET).status_code == 200
    supplier_set_credentials(supplier=supplier, credentials={"webhook_secret": SECRET})
    assert send(hook, {"products": [GOOD]}, secret=OLD_SECRET).status_code == 401


def test_a_supplier_without_a_webhook_secret_has_no_webhook(server):
    supplier_create(name="pull-only", kind="webhook", credentials={"token": "abc12345"})
    url = f"{server}/hooks/suppliers/pull-only/"
    assert send(url, {"products": [GOOD]}).status_code == 404


def test_the_secret_is_in_no_answer_and_no_log(hook, caplog):
    caplog.set_level(logging.DEBUG)
    answers = [
        send(hook, {"products": [GOOD, BAD]}, event_id="evt-log"),
        send(hook, {"products": [GOOD, BAD]}, event_id="evt-log"),
        send(hook, {"products": [GOOD]}, secret="whsec-wrong-0000"),
        send(hook, {"products": [GOOD]}, timestamp=1),
        send(hook, b"{"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 401, 401, 400]
    for answer in answers:
        shown = answer.text + json.dumps(dict(answer.headers))
        assert SECRET not in shown
    assert caplog.records, "the webhook logs what it refused"
    assert SECRET not in caplog.text


def test_a_missing_credentials_key_is_503_not_a_crash(hook, settings, caplog):
    settings.YOOINI_CREDENTIALS_KEY = ""
    response = send(hook, {"products": [GOOD]})
    assert response.status_code == 503 and not WebhookDelivery.objects.exists()
    assert "YOOINI_CREDENTIALS_KEY" in caplog.text and SECRET not in caplog.text


def test_the_same_delivery_sent_at_once_is_stored_and_announced_once(hook):
    body, stamp = {"products": [GOOD, {**GOOD, "id": "W3"}]}, int(time.time())
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(
            pool.map(lambda _: send(hook, body, event_id="evt-race", timestamp=stamp), range(4))
        )
    assert [a.status_code for a in answers] == [200] * 4
    assert sorted(a.json()["status"] for a in answers).count("accepted") == 1
    assert WebhookDelivery.objects.count() == 1 and len(events()) == 1
    assert SourceData.objects.filter(source_system="pushy").count() == 2
