"""CompetitorLookup against a real HTTP server on 127.0.0.1 serving BUYMA-like search pages.

The pages are built like the saved ones in fixtures/buyma (``ul.product_list`` of
``li.product`` with ``.Price_Txt`` and ``.product_Buyer``). Time is the engine's manual clock,
so retry waits and polite delays are checked without being waited for.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from markets.buyma.competitors import CompetitorLookup, CompetitorLookupError, CompetitorQuote
from pricing.models import CompetitorPrice

pytestmark = pytest.mark.django_db

OWN = "1001"
Offer = tuple[str, int, str, bool]  # item id, price, buyer id, used


def search_html(offers: list[Offer]) -> str:
    items = "".join(
        f"""<li class="product">
  <a href="/item/{item}/"><img alt="item {item}"/></a>
  {'<span class="product_used_tag">中古</span>' if used else ""}
  <span class="Price_Txt">¥{price:,}</span>
  <p class="product_Buyer"><a href="/buyer/{buyer}.html">seller {buyer}</a></p>
</li>"""
        for item, price, buyer, used in offers
    )
    return (
        "<!DOCTYPE html><html><head><title>検索結果</title></head><body>"
        f'<div class="ResultSummary">検索結果 {len(offers):,}件</div>'
        f'<ul class="product_list">{items}</ul></body></html>'
    )


class BuymaSearch:
    """``GET /r/-O3/{keywords}/``: the page of ``pages[keywords]`` (an offer list or raw HTML),
    a zero-result page for unknown keywords; ``faults[keywords]`` are answered first, one per
    request, as (status, headers). ``hits`` counts requests per keywords."""

    def __init__(self) -> None:
        self.pages: dict[str, list[Offer] | str] = {}
        self.faults: dict[str, deque[tuple[int, dict[str, str]]]] = {}
        self.stall: dict[str, float] = {}
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.app = self  # type: ignore[attr-defined]
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def answer(self, path: str) -> tuple[int, dict[str, str], str]:
        if not (path.startswith("/r/-O3/") and path.endswith("/")):
            return 404, {}, "<html><body>not found</body></html>"
        keywords = unquote(path[len("/r/-O3/") : -1])
        with self.lock:
            self.hits[keywords] += 1
            queue = self.faults.get(keywords)
            fault = queue.popleft() if queue else None
        if keywords in self.stall:
            time.sleep(self.stall[keywords])
        if fault:
            return fault[0], fault[1], "<html><body>busy</body></html>"
        page = self.pages.get(keywords, [])
        return 200, {}, page if isinstance(page, str) else search_html(page)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        app: BuymaSearch = self.server.app  # type: ignore[attr-defined]
        status, headers, text = app.answer(urlsplit(self.path).path)
        body = text.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and left

    def log_message(self, format: str, *args: object) -> None:
        """Silent."""


@pytest.fixture
def buyma() -> Iterator[BuymaSearch]:
    server = BuymaSearch()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
    server.thread.join(timeout=5)


@pytest.fixture
def lookup(buyma: BuymaSearch, manual_clock) -> Iterator[CompetitorLookup]:
    with CompetitorLookup(buyma.url, own_buyer_id=OWN, delay_seconds=0, timeout=2) as made:
        yield made


def test_cheapest_rival_new_item_own_and_used_left_out(
    buyma: BuymaSearch, lookup: CompetitorLookup, manual_clock
) -> None:
    buyma.pages["DD1391-100"] = [
        ("100", 8_000, "3003", True),  # used: not a rival of a new item
        ("101", 9_000, OWN, False),  # ours
        ("102", 9_800, "2002", False),
        ("103", 12_000, "4004", False),
    ]
    quote = lookup.cheapest(["DD1391-100"])["DD1391-100"]
    assert quote == CompetitorQuote(
        model_number="DD1391-100",
        price_jpy=9_800,
        seller_id="2002",
        item_url="https://www.buyma.com/item/102/",
        search_url=f"{buyma.url}/r/-O3/DD1391-100/",
        fetched_at=manual_clock.now(),
    )
    assert quote.competitor_price() == 9_800
    row = CompetitorPrice.objects.get()
    assert (row.model_number, row.price_jpy, row.seller_id, row.error) == (
        "DD1391-100",
        9_800,
        "2002",
        "",
    )
    assert row.fetched_at == manual_clock.now()


def test_nobody_else_sells_it(buyma: BuymaSearch, lookup: CompetitorLookup) -> None:
    buyma.pages["ONLY-OURS"] = [("1", 9_000, OWN, False)]
    quotes = lookup.cheapest(["ONLY-OURS", "NOWHERE"])  # NOWHERE: a zero-result page
    for quote in quotes.values():
        assert (quote.price_jpy, quote.error, quote.ok) == (None, None, True)
        assert quote.competitor_price() is None
    assert set(CompetitorPrice.objects.values_list("model_number", "price_jpy")) == {
        ("ONLY-OURS", None),
        ("NOWHERE", None),
    }


def test_fresh_rows_are_used_without_a_request(
    buyma: BuymaSearch, lookup: CompetitorLookup, manual_clock
) -> None:
    buyma.pages["A-1"] = [("1", 10_000, "2002", False)]
    buyma.pages["B-2"] = [("2", 20_000, "2002", False)]
    first = lookup.cheapest(["A-1", "B-2"])
    assert lookup.requests == 2 and not first["A-1"].cached

    manual_clock.advance(59 * 60)
    buyma.pages["A-1"] = [("1", 9_000, "2002", False)]  # BUYMA changed; the cache is still young
    again = lookup.cheapest(["A-1", " a-1 ", "B-2"])  # case and spaces do not matter
    assert lookup.requests == 2 and sum(buyma.hits.values()) == 2
    assert again["A-1"].cached and again["A-1"].price_jpy == 10_000
    assert again[" a-1 "].model_number == " a-1 " and again[" a-1 "].price_jpy == 10_000

    manual_clock.advance(2 * 60)  # now older than max_age: fetched again and overwritten
    late = lookup.cheapest(["a-1"])
    assert lookup.requests == 3 and not late["a-1"].cached and late["a-1"].price_jpy == 9_000
    assert CompetitorPrice.objects.count() == 2  # one row per model number, not a history
    assert CompetitorPrice.objects.get(model_number="A-1").price_jpy == 9_000


def test_429_then_success_honours_retry_after(
    buyma: BuymaSearch, lookup: CompetitorLookup, manual_clock
) -> None:
    buyma.pages["R-1"] = [("1", 10_000, "2002", False)]
    buyma.faults["R-1"] = deque([(429, {"Retry-After": "7"}), (503, {})])
    start = manual_clock.now()
    quote = lookup.cheapest(["R-1"])["R-1"]
    assert (quote.price_jpy, quote.error) == (10_000, None)
    assert buyma.hits["R-1"] == 3
    # 7 s asked by the server, then the default backoff of 2 s * 2**1 for the 503.
    assert manual_clock.now() - start == timedelta(seconds=7 + 4)


def test_server_that_keeps_failing_is_an_error_for_that_model_only(
    buyma: BuymaSearch, lookup: CompetitorLookup
) -> None:
    buyma.faults["DOWN"] = deque([(503, {})] * 10)
    buyma.pages["UP"] = [("1", 10_000, "2002", False)]
    quotes = lookup.cheapest(["DOWN", "UP"])
    assert buyma.hits["DOWN"] == 4  # 1 + 3 retries, bounded
    assert quotes["DOWN"].error == f"HTTP 503 from {buyma.url}/r/-O3/DOWN/ after 4 attempt(s)"
    assert quotes["UP"].price_jpy == 10_000
    with pytest.raises(CompetitorLookupError, match="competitor price of 'DOWN' unknown"):
        quotes["DOWN"].competitor_price()
    assert CompetitorPrice.objects.get(model_number="DOWN").error.startswith("HTTP 503")
    # A failed look-up is never served from the cache: the next run asks again.
    buyma.faults["DOWN"].clear()
    assert lookup.cheapest(["DOWN"])["DOWN"].ok
    assert buyma.hits["DOWN"] == 5


def test_retry_after_too_long_gives_up_at_once(buyma: BuymaSearch, manual_clock) -> None:
    buyma.faults["SLOW"] = deque([(429, {"Retry-After": "3600"})])
    with CompetitorLookup(buyma.url, own_buyer_id=OWN, delay_seconds=0) as lookup:
        quote = lookup.cheapest(["SLOW"])["SLOW"]
    assert buyma.hits["SLOW"] == 1
    assert "asking to wait 3600 s, more than max_retry_after=120 s" in quote.error


def test_unparsable_page_is_recorded_as_an_error(
    buyma: BuymaSearch, lookup: CompetitorLookup
) -> None:
    buyma.pages["LOGIN"] = "<html><body><form id='login'>ログイン</form></body></html>"
    buyma.pages["CHANGED"] = (
        '<div class="ResultSummary">検索結果 3件</div><ul class="product_list">'
        '<li class="product"><div class="new-layout">¥9,000</div></li></ul>'
    )
    buyma.pages["FINE"] = [("1", 10_000, "2002", False)]
    quotes = lookup.cheapest(["LOGIN", "CHANGED", "FINE"])
    assert quotes["LOGIN"].error.startswith(f"unreadable search page {buyma.url}/r/-O3/LOGIN/: ")
    assert "not a BUYMA search-result page" in quotes["LOGIN"].error
    assert "none could be read" in quotes["CHANGED"].error
    assert quotes["LOGIN"].price_jpy is None and not quotes["LOGIN"].ok
    assert quotes["FINE"].price_jpy == 10_000
    stored = dict(CompetitorPrice.objects.values_list("model_number", "error"))
    assert stored["FINE"] == "" and "unreadable" in stored["LOGIN"]


def test_not_found_and_timeouts_are_errors(buyma: BuymaSearch, manual_clock) -> None:
    buyma.stall["HANG"] = 1.0
    with CompetitorLookup(
        buyma.url + "/elsewhere", own_buyer_id=OWN, delay_seconds=0, timeout=0.2, retries=1
    ) as lookup:
        assert lookup.cheapest(["X"])["X"].error.startswith("HTTP 404 from ")
    with CompetitorLookup(
        buyma.url, own_buyer_id=OWN, delay_seconds=0, timeout=0.2, retries=1
    ) as lookup:
        started = time.monotonic()
        quote = lookup.cheapest(["HANG"])["HANG"]
        assert time.monotonic() - started < 3
    assert quote.error.startswith("ReadTimeout") and "after 2 attempt(s)" in quote.error


def test_stops_asking_when_buyma_is_down(buyma: BuymaSearch, manual_clock) -> None:
    for n in range(5):
        buyma.faults[f"M{n}"] = deque([(503, {})])
    with CompetitorLookup(
        buyma.url, own_buyer_id=OWN, delay_seconds=0, retries=0, give_up_after=2
    ) as lookup:
        quotes = lookup.cheapest([f"M{n}" for n in range(5)])
    assert sum(buyma.hits.values()) == 2
    assert all(q.error for q in quotes.values())
    assert quotes["M4"].error.startswith("not requested: the 2 look-ups before it failed")
    assert CompetitorPrice.objects.count() == 2  # what was not asked is not stored


def test_polite_delay_between_requests(buyma: BuymaSearch, manual_clock) -> None:
    start = manual_clock.now()
    with CompetitorLookup(buyma.url, own_buyer_id=OWN, delay_seconds=1.5) as lookup:
        lookup.cheapest(["P1", "P2", "P3"])
    assert manual_clock.now() - start == timedelta(seconds=3)  # between, not before


def test_batch_costs_a_few_queries_not_one_per_model(
    buyma: BuymaSearch, lookup: CompetitorLookup
) -> None:
    models = [f"Q-{n}" for n in range(60)]
    for n, model in enumerate(models):
        buyma.pages[model] = [(str(n), 1_000 + n, "2002", False)]
    with CaptureQueriesContext(connection) as fetching:
        quotes = lookup.cheapest(models)
    assert [quotes[m].price_jpy for m in models] == [1_000 + n for n in range(60)]
    assert len(fetching) <= 6  # the cache read and one bulk upsert (plus savepoints)
    with CaptureQueriesContext(connection) as cached:
        assert all(q.cached for q in lookup.cheapest(models).values())
    assert len(cached) == 1


def test_bad_arguments_say_what_and_where(buyma: BuymaSearch, settings, manual_clock) -> None:
    with CompetitorLookup(buyma.url, own_buyer_id=[OWN], delay_seconds=0) as lookup:
        with pytest.raises(TypeError, match="not a str"):
            lookup.cheapest("DD1391-100")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"model_numbers\[1\] must be a str, got int 42"):
            lookup.cheapest(["OK", 42])  # type: ignore[list-item]
        quotes = lookup.cheapest(["", "X" * 201, "/#?"])
    assert quotes[""].error == "model number is empty"
    assert quotes["X" * 201].error == "model number is longer than 200 characters"
    assert "no usable keyword" in quotes["/#?"].error
    assert sum(buyma.hits.values()) == 0 and not CompetitorPrice.objects.exists()

    settings.YOOINI_BUYMA_OWN_BUYER_IDS = ""
    with pytest.raises(ValueError, match="own_buyer_id is required"):
        CompetitorLookup(buyma.url)
    settings.YOOINI_BUYMA_OWN_BUYER_IDS = "1001, 1002"
    with CompetitorLookup(buyma.url, delay_seconds=0) as lookup:
        assert lookup.own_buyer_ids == {"1001", "1002"}
    with pytest.raises(ValueError, match="base_url must be http"):
        CompetitorLookup("www.buyma.com", own_buyer_id=OWN)


def test_quote_record_is_json_ready(buyma: BuymaSearch, lookup: CompetitorLookup) -> None:
    buyma.pages["J-1"] = [("1", 10_000, "2002", False)]
    record = lookup.cheapest(["J-1"])["J-1"].as_record()
    assert json.loads(json.dumps(record)) == record
    assert record["price_jpy"] == 10_000 and record["fetched_at"].startswith("2026-01-27T03:00")
