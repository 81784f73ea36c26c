"""Publishing listings against the local BUYMA contract server: the real client over HTTP on
127.0.0.1, the real validator on both sides, no mocks."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from markets.buyma.api import PRODUCTS_PATH, TOKEN_PATH, VARIANTS_PATH, BuymaClient
from markets.listing import ListingOption, ListingRejected, ListingVariant, MarketUnavailable
from markets.models import Listing, ListingRequest
from markets.publish import unavailable_error
from markets.selectors import listing_requests
from markets.services import (
    listing_publish,
    listing_publish_many,
    market_account_create,
    market_account_credentials,
)

from .conftest import SETTINGS, make_content, sold_out

pytestmark = pytest.mark.django_db


def product_hits(server) -> list[tuple[str, str, int]]:
    return [h for h in server.hits if h[1] in (PRODUCTS_PATH, VARIANTS_PATH)]


def test_create_update_stock_price_suspend(buyma_server, buyma_account):
    content = make_content()
    decision = {"rule": "undercut", "competitor": 15900, "price": 15800}
    result = listing_publish(account=buyma_account, content=content, price_decision=decision)
    assert result.action == "created", result.error
    listing = Listing.objects.get(reference_number=content.reference_number)
    assert listing.status == "pending" and listing.request_uid.startswith("req-")
    assert listing.price == 15800 and listing.price_decision == decision
    assert listing.fixed["name"] == content.name
    assert buyma_server.creates[content.reference_number] == 1
    held = buyma_server.products[content.reference_number]
    assert held["buying_shop_name"] == "NIKE正規販売店" and held["duty"] == "included"

    changed = dataclasses.replace(content, comments="新しい説明文です。", name="別の名前にしたい")
    result = listing_publish(account="shop", content=changed)
    assert result.action == "updated", result.error
    assert held["comments"] == "新しい説明文です。"
    assert held["name"] == content.name  # fixed once published: never sent on update
    update_body = buyma_server.bodies[-1][1]["product"]
    assert "name" not in update_body and update_body["reference_number"] == "okm-814101"

    restocked = dataclasses.replace(
        changed,
        variants=(
            ListingVariant((("color", "ブラック"), ("size", "26cm")), "stock_in_hand", 2),
            ListingVariant((("color", "ブラック"), ("size", "27cm")), "out_of_stock"),
        ),
    )
    result = listing_publish(account="shop", content=restocked, mode="partial")
    assert result.action == "stock", result.error
    assert buyma_server.bodies[-1][0] == VARIANTS_PATH
    assert held["variants"][0] == {
        "options": [{"type": "color", "value": "ブラック"}, {"type": "size", "value": "26cm"}],
        "stock_type": "stock_in_hand",
        "stocks": 2,
    }

    cheaper = dataclasses.replace(restocked, price=15500)
    result = listing_publish(account="shop", content=cheaper, mode="partial")
    assert result.action == "price" and held["price"] == 15500

    assert listing_publish(account="shop", content=cheaper, mode="partial").action == "unchanged"

    result = listing_publish(account="shop", content=cheaper, suspend=True)
    assert result.action == "suspended" and held["status"] == "suspended"
    assert Listing.objects.get(pk=listing.pk).status == "suspended"

    result = listing_publish(account="shop", content=sold_out(cheaper))
    assert result.action == "stock" and held["status"] == "soldout"
    listing.refresh_from_db()
    assert listing.status == "out_of_stock" and listing.stock["available"] == 0

    kinds = [r.kind for r in listing_requests(listing)]
    assert kinds == ["create", "update", "stock", "price", "suspend", "stock"]
    assert all(r.status_code == 201 and not r.dry_run for r in listing_requests(listing))
    assert buyma_server.duplicates == 0


def test_same_content_twice_sends_one_request(buyma_server, buyma_account):
    content = make_content()
    assert listing_publish(account=buyma_account, content=content).action == "created"
    assert listing_publish(account=buyma_account, content=content).action == "unchanged"
    assert listing_publish(account=buyma_account, content=content, mode="partial").action == (
        "unchanged"
    )
    assert len(product_hits(buyma_server)) == 1
    assert ListingRequest.objects.count() == 1


def test_partial_never_creates(buyma_server, buyma_account):
    result = listing_publish(account=buyma_account, content=make_content(), mode="partial")
    assert result.action == "skipped" and result.listing is None
    result = listing_publish(account=buyma_account, content=sold_out(make_content()))
    assert result.action == "skipped"  # a sold-out product is not listed
    assert result.error and "out of stock" in result.error
    assert product_hits(buyma_server) == [] and Listing.objects.count() == 0


def test_expired_token_is_refreshed_and_stored_encrypted(buyma_server, buyma_account, caplog):
    caplog.set_level("DEBUG")
    before = market_account_credentials(buyma_account)
    buyma_server.expire_access_tokens()
    assert listing_publish(account=buyma_account, content=make_content()).action == "created"
    assert [h[1:] for h in buyma_server.hits] == [
        (PRODUCTS_PATH, 401),
        (TOKEN_PATH, 200),
        (PRODUCTS_PATH, 201),
    ]
    buyma_account.refresh_from_db()
    after = market_account_credentials(buyma_account)
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] != before["refresh_token"]  # rotated: the old one is dead
    assert after["client_secret"] == before["client_secret"]
    assert before["access_token"] not in buyma_account.credentials_encrypted
    from markets.services import market_client

    with market_client(buyma_account) as client:
        shown = caplog.text + repr(buyma_account) + repr(client)
    for secret in (*before.values(), *after.values()):
        if len(secret) > 12:
            assert secret not in shown

    # A token past its expiry time is refreshed before the call, without a 401.
    buyma_server.hits.clear()
    buyma_server.expire_access_tokens()
    from markets.services import market_account_update_credentials

    market_account_update_credentials(
        account=buyma_account, values={"token_expires_at": "2020-01-01T00:00:00+00:00"}
    )
    changed = make_content(comments="説明を変えました。")
    assert listing_publish(account=buyma_account, content=changed).action == "updated"
    assert [h[1:] for h in buyma_server.hits] == [(TOKEN_PATH, 200), (PRODUCTS_PATH, 201)]


def test_a_refused_refresh_is_an_auth_error_without_secrets(buyma_server, db):
    from markets.listing import MarketAuthError

    tokens = buyma_server.issue_tokens()
    account = market_account_create(
        name="stale",
        settings={**SETTINGS, "base_url": buyma_server.base_url},
        credentials={**tokens, "refresh_token": "rt-revoked"},
        dry_run=False,
    )
    buyma_server.expire_access_tokens()
    with pytest.raises(MarketAuthError) as caught:
        listing_publish(account=account, content=make_content())
    assert "invalid_grant" in str(caught.value)
    for secret in (tokens["access_token"], tokens["client_secret"], "rt-revoked"):
        assert secret not in str(caught.value)
    listing = Listing.objects.get()
    assert "invalid_grant" in listing.last_error
    assert listing.create_sent_at is not None  # unknown outcome: never created twice


def test_a_body_the_contract_refuses_is_failed_and_recorded_not_sent(buyma_server, buyma_account):
    content = make_content(images=())
    result = listing_publish(account=buyma_account, content=content)
    assert result.action == "failed"
    assert result.error == "rejected: images: can't be blank"
    listing = Listing.objects.get()
    assert listing.status == "failed" and listing.create_sent_at is None
    request = ListingRequest.objects.get()
    assert request.status_code is None and request.result["sent"] is False
    assert request.error == result.error
    assert product_hits(buyma_server) == []
    # The same refused content is not tried again; a corrected one is.
    assert listing_publish(account=buyma_account, content=content).action == "unchanged"
    assert listing_publish(account=buyma_account, content=make_content()).action == "created"


def test_a_422_from_buyma_fails_that_listing_and_the_batch_goes_on(buyma_server, buyma_account):
    first, second = make_content("okm-1"), make_content("okm-2")
    listing_publish_many(buyma_account, [first, second])
    new_colour = dataclasses.replace(
        first,
        options=(*first.options, ListingOption("color", "ホワイト", 2, 2)),
        variants=(
            *first.variants,
            ListingVariant((("color", "ホワイト"), ("size", "26cm")), "stock_in_hand", 1),
        ),
    )
    results = listing_publish_many(
        buyma_account, [new_colour, dataclasses.replace(second, price=9900)], "partial"
    )
    # The stock API cannot add a colour: BUYMA's 422 names the variant; the next one goes on.
    assert [r.action for r in results] == ["failed", "price"]
    assert "variants[2].options[0]: color 'ホワイト' is not one of" in results[0].error
    failed = ListingRequest.objects.filter(kind="stock").get()
    assert failed.status_code == 422 and failed.result["errors"]
    listing = Listing.objects.get(reference_number="okm-1")
    assert listing.status == "pending" and "ホワイト" in listing.last_error
    # A full run sends the new colour with the whole product.
    assert listing_publish(account=buyma_account, content=new_colour).action == "updated"
    assert len(buyma_server.products["okm-1"]["options"]) == 4


def test_422_names_the_fields_and_fixed_fields_are_refused(buyma_server):
    tokens = buyma_server.issue_tokens()
    from datetime import date

    from markets.buyma import payload

    body = payload.product_create(make_content(), SETTINGS, today=date.today())
    with BuymaClient(base_url=buyma_server.base_url, credentials=tokens) as client:
        accepted = client.product_post(body)
        assert accepted.status_code == 201 and accepted.request_uid
        with pytest.raises(ListingRejected) as caught:
            client.product_post(body)  # a second create of the same reference number
        assert caught.value.errors == {"reference_number": ["has already been taken"]}
        product_id = buyma_server.products["okm-814101"]["id"]
        with pytest.raises(ListingRejected) as caught:
            client.product_post(
                {"control": "publish", "id": product_id, "name": "名前を変える", "price": 100}
            )
        assert list(caught.value.errors) == ["name"]
        assert "cannot be changed once published" in str(caught.value)
        assert caught.value.status_code == 422
        assert buyma_server.products["okm-814101"]["price"] == 15800  # nothing applied
        with pytest.raises(ListingRejected) as caught:
            client.product_post({"control": "publish", "price": 100})
        assert "identity_requirements" in caught.value.errors


def test_429_is_waited_for_within_the_bound(buyma_server, buyma_account, settings):
    settings.YOOINI_MARKET_MAX_WAIT = 1
    buyma_server.throttle(times=1, retry_after=0.2)
    assert listing_publish(account=buyma_account, content=make_content()).action == "created"
    assert [h[2] for h in product_hits(buyma_server)] == [429, 201]


def test_429_beyond_the_bound_raises_retryable_and_records(buyma_server, buyma_account, settings):
    settings.YOOINI_MARKET_MAX_WAIT = 1
    buyma_server.throttle(times=1, retry_after=30)
    with pytest.raises(MarketUnavailable) as caught:
        listing_publish(account=buyma_account, content=make_content())
    assert caught.value.retry_after == 30
    request = ListingRequest.objects.get()
    assert request.status_code == 429 and "rate limited" in request.error
    # The daily budget: Retry-After of an hour, raised at once.
    buyma_server.budget = 0
    with pytest.raises(MarketUnavailable) as caught:
        listing_publish(account=buyma_account, content=make_content("okm-2"))
    assert caught.value.retry_after == 3600
    # Later, with room again, the first listing is sent once (as an update-or-create).
    buyma_server.budget = None
    assert listing_publish(account=buyma_account, content=make_content()).action == "created"
    assert buyma_server.creates["okm-814101"] == 1


def test_a_passing_5xx_is_tried_again_and_a_lasting_one_raises_retryable(
    buyma_server, buyma_account
):
    buyma_server.fail_next(503)
    assert listing_publish(account=buyma_account, content=make_content()).action == "created"
    assert [h[2] for h in product_hits(buyma_server)] == [503, 201]

    buyma_server.fail_next(503, times=3)
    with pytest.raises(MarketUnavailable) as caught:
        listing_publish(account=buyma_account, content=make_content("okm-2"))
    assert caught.value.status_code == 503
    assert ListingRequest.objects.order_by("-id").first().status_code == 503
    assert buyma_server.duplicates == 0


def test_an_unavailable_listing_waits_and_the_others_go_on(buyma_server, buyma_account):
    buyma_server.fail_next(503, times=3)  # the first content's three tries
    results = listing_publish_many(buyma_account, [make_content("okm-1"), make_content("okm-2")])
    assert [r.action for r in results] == ["unavailable", "created"]
    assert unavailable_error(results).status_code == 503
    assert buyma_server.creates == {"okm-2": 1}
    results = listing_publish_many(buyma_account, [make_content("okm-1"), make_content("okm-2")])
    assert [r.action for r in results] == ["created", "unchanged"]
    assert buyma_server.duplicates == 0


class Crash(BaseException):
    """A process killed mid-call: nothing after it runs (not an Exception, so not caught)."""


class CrashingTransport(httpx.BaseTransport):
    """Sends the request for real, then dies before the answer is read (``after=True``), or
    dies before sending it (``after=False``)."""

    def __init__(self, *, after: bool) -> None:
        self.after = after
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == PRODUCTS_PATH and not self.after:
            raise Crash("killed before sending")
        response = self.inner.handle_request(request)
        if request.url.path == PRODUCTS_PATH:
            response.read()
            raise Crash("killed after the server received the create")
        return response


@pytest.mark.parametrize("after", [True, False], ids=["after-send", "before-send"])
def test_a_crash_mid_create_never_creates_twice(buyma_server, buyma_account, after):
    content = make_content()
    with pytest.raises(Crash):
        listing_publish(
            account=buyma_account, content=content, transport=CrashingTransport(after=after)
        )
    listing = Listing.objects.get()
    assert listing.status == "pending" and listing.create_sent_at is not None
    intent = ListingRequest.objects.get()
    assert intent.kind == "create" and intent.status_code is None
    assert buyma_server.creates[content.reference_number] == (1 if after else 0)

    result = listing_publish(account="shop", content=content)  # the rerun
    assert result.action in ("updated", "created"), result.error
    assert buyma_server.creates[content.reference_number] == 1
    assert buyma_server.duplicates == 0
    sent = [b["product"] for path, b in buyma_server.bodies if path == PRODUCTS_PATH]
    # The rerun asks for an update by reference number first, never a second create.
    assert "name" not in sent[1 if after else 0]
    log = [(r.kind, r.status_code) for r in listing_requests(listing)]
    if after:
        assert log == [("create", None), ("update", 201)]
    else:
        assert log == [("create", None), ("update", 422), ("create", 201)]
    assert listing_publish(account="shop", content=content).action == "unchanged"


def test_a_create_of_a_known_reference_number_switches_to_update(buyma_server, buyma_account):
    content = make_content()
    assert listing_publish(account=buyma_account, content=content).action == "created"
    Listing.objects.all().delete()  # our memory lost, BUYMA still has the product
    result = listing_publish(account=buyma_account, content=content)
    assert result.action == "updated" and result.detail["switched"] == "create->update"
    assert buyma_server.creates[content.reference_number] == 1
    log = [(r.kind, r.status_code) for r in ListingRequest.objects.order_by("id")]
    assert log == [("create", 422), ("update", 201)]


def test_dry_run_records_the_full_body_and_sends_nothing(buyma_server, db):
    account = market_account_create(
        name="dry",
        settings={**SETTINGS, "base_url": buyma_server.base_url},
        credentials=buyma_server.issue_tokens(),
    )
    assert account.dry_run is True  # the default
    content = make_content()
    result = listing_publish(account=account, content=content, price_decision={"p": 1})
    assert result.action == "created" and result.detail == {"dry_run": True}
    listing = Listing.objects.get()
    assert listing.status == "dry_run" and listing.price_decision == {"p": 1}
    request = ListingRequest.objects.get()
    assert request.dry_run and request.kind == "create" and request.status_code is None
    body = request.body["product"]
    assert body["name"] == content.name and body["reference_number"] == "okm-814101"
    assert "access_token" not in str(request.body)
    assert listing_publish(account=account, content=content).action == "unchanged"
    again = dataclasses.replace(content, price=14000)
    assert listing_publish(account=account, content=again, mode="partial").action == "price"
    bad = dataclasses.replace(content, reference_number="okm-bad", images=("nope",))
    result = listing_publish(account=account, content=bad)
    assert result.action == "failed" and "images[0].path" in result.error
    assert Listing.objects.get(reference_number="okm-bad").status == "failed"
    assert buyma_server.hits == []


def test_missing_settings_fail_every_listing_with_the_reason(buyma_server, db):
    account = market_account_create(name="bare", settings={"buyer_id": "1"})
    results = listing_publish_many(account, [make_content("a-1"), make_content("a-2")])
    assert [r.action for r in results] == ["failed", "failed"]
    assert "'buying_area_id' is missing" in results[0].error


def test_dry_run_batch_is_a_few_queries(db, django_assert_max_num_queries):
    account = market_account_create(name="bulk", settings=SETTINGS)
    contents = [make_content(f"okm-{i}", price=10000 + i) for i in range(600)]
    decisions = [{"i": i} for i in range(600)]
    with django_assert_max_num_queries(60):
        results = listing_publish_many(account, contents, "full", decisions)
    assert {r.action for r in results} == {"created"}
    assert Listing.objects.filter(status="dry_run").count() == 600
    assert ListingRequest.objects.filter(dry_run=True).count() == 600
    with django_assert_max_num_queries(3):
        results = listing_publish_many(account, contents, "full", decisions)
    assert {r.action for r in results} == {"unchanged"}
    changed = [dataclasses.replace(c, price=c.price + 1) for c in contents[:10]]
    results = listing_publish_many(account, changed, "partial", {"okm-3": {"new": True}})
    assert {r.action for r in results} == {"price"}
    stored = Listing.objects.get(reference_number="okm-3")
    assert stored.price == 10004 and stored.price_decision == {"new": True}
    assert stored.stock["variants"] == 2 and stored.status == "dry_run"


def test_suspend_flags_per_content_and_duplicates_in_a_batch(db):
    account = market_account_create(name="flags", settings=SETTINGS)
    a, b = make_content("f-1"), make_content("f-2")
    listing_publish_many(account, [a, b])
    results = listing_publish_many(account, [a, b, a], suspend=[True, False, False])
    assert [r.action for r in results] == ["suspended", "unchanged", "failed"]
    assert "twice in one batch" in results[2].error
    with pytest.raises(ValueError, match="mode must be one of"):
        listing_publish_many(account, [a], "sometimes")


class AnswersOnDisk(httpx.BaseTransport):
    """At each create, how many answers the database holds (what a crash would leave)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.answered_at_call: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == PRODUCTS_PATH:
            answered = ListingRequest.objects.exclude(status_code=None).count()
            self.answered_at_call.append(answered)
        return self.inner.handle_request(request)


def test_every_answer_is_on_disk_before_the_next_call(buyma_server, buyma_account):
    contents = [make_content(f"okm-81410{i}") for i in range(3)]
    transport = AnswersOnDisk()
    results = listing_publish_many(account=buyma_account, contents=contents, transport=transport)
    assert [r.action for r in results] == ["created"] * 3
    # Before call k: the k intents before it and their answers, and its own intent.
    assert transport.answered_at_call == [0, 1, 2]
    assert ListingRequest.objects.filter(status_code=None).count() == 0  # the last, at the end
    assert set(Listing.objects.values_list("status", flat=True)) == {"pending"}
