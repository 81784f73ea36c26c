"""Kind ``mall`` against okmall and W Concept served on 127.0.0.1 from the real saved pages.

``MallSite`` (mall_server.py) serves the unmodified pages in fixtures/malls/ and counts what a
site would notice: connections in use at once, session cookies, the User-Agent. The contract
suite runs on pages relabelled per id (each listed product reads as its own product). The
behaviour tests also read the unmodified pages, where every id gets the same saved product,
which the parser must refuse to store under another id. Time is faked where the delay
matters; elsewhere the delay is 0 and every timeout is 2 s or less.
"""

from __future__ import annotations

import json
import random
import re
import threading

import pytest

from suppliers.connectors import (
    ConfigError,
    ConnectorConfig,
    SourceError,
    StockInfo,
    SupplierOption,
    connector_for,
    kinds,
)
from suppliers.connectors.mall import MallConnector
from suppliers.connectors.testing import ConnectorContract, read_all, source_ids
from suppliers.tests.mall_server import SAVED, MallSite, edit, rendered_search, saved_page

NIKE = "나이키(NIKE)"
NIKE_LISTING = "/products/list?brand=%EB%82%98%EC%9D%B4%ED%82%A4%28NIKE%29"
# The first cards of the saved okmall listing, in page order.
OKMALL_IDS = ["753625", "814101", "727797", "742110", "770398", "478656", "448644", "727423"]
WCONCEPT_IDS = ["307698365", "306000081", "306000082", "306000083", "306000084", "306000085"]
KEYWORD = "754443"
PROXY_USER = "mall-proxy-user"
PROXY_PASSWORD = "px-7d41c9e0b2"
WRONG_PASSWORD = "px-wrong-55e1a0"


class FakeTime:
    """A clock that only ``sleep`` moves; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def _settings(site: MallSite, **extra) -> dict:
    return {
        "mall": site.mall,
        "base_url": site.url,
        "brands": [NIKE] if site.mall == "okmall" else [KEYWORD],
        "delay_seconds": [0, 0],
        "max_products_per_read": 5,
        "timeout": 2,
        "max_retries": 1,
        "backoff_seconds": 0.01,
        "max_wait_seconds": 1,
        **extra,
    }


def _proxied(site: MallSite, password: str, **extra) -> tuple[dict, dict]:
    host = "www.okmall.test" if site.mall == "okmall" else "www.wconcept.test"
    proxy = f"http://{PROXY_USER}:{password}@127.0.0.1:{site.httpd.server_address[1]}"
    return _settings(site, base_url=f"http://{host}", **extra), {"proxy": proxy}


def _everything(connector):
    pages = read_all(connector)
    records = [record for page in pages for record in page.records]
    rejected = [row for page in pages for row in page.rejected]
    return pages, records, rejected


# --- the shared contract, through an authenticated proxy ----------------------------------


class TestOkmallContract(ConnectorContract):
    # The first 7 listed products (3 reads of at most 5 pages), one of them a broken page.
    expected_count = 6

    @pytest.fixture
    def site(self):
        with MallSite(
            "okmall",
            relabel=True,
            broken={OKMALL_IDS[2]},
            proxy_auth=f"{PROXY_USER}:{PROXY_PASSWORD}",
        ) as site:
            yield site

    @pytest.fixture
    def extra(self):
        return {"max_products_per_brand": 7, "max_products_per_read": 3}

    @pytest.fixture
    def connector(self, site, extra):
        settings, credentials = _proxied(site, PROXY_PASSWORD, **extra)
        with connector_for("mall", settings, credentials) as connector:
            yield connector

    @pytest.fixture
    def broken_connector(self, site, extra):
        settings, credentials = _proxied(site, WRONG_PASSWORD, **extra)
        with connector_for("mall", settings, credentials) as connector:
            yield connector

    @pytest.fixture
    def secrets(self):
        return [PROXY_PASSWORD, WRONG_PASSWORD, f"{PROXY_USER}:{WRONG_PASSWORD}"]

    def test_every_request_went_through_the_proxy(self, connector, site):
        connector.read(None)
        hosts = {hit.host for hit in site.requests()}
        assert hosts == {"www.okmall.test" if site.mall == "okmall" else "www.wconcept.test"}
        assert all(hit.status == 200 for hit in site.requests())


class TestWconceptContract(TestOkmallContract):
    expected_count = 5

    @pytest.fixture
    def site(self):
        with MallSite(
            "wconcept",
            listings={KEYWORD: [rendered_search(WCONCEPT_IDS)]},
            relabel=True,
            broken={WCONCEPT_IDS[3]},
            proxy_auth=f"{PROXY_USER}:{PROXY_PASSWORD}",
        ) as site:
            yield site

    @pytest.fixture
    def extra(self):
        return {"max_products_per_read": 2}


# --- what the parsers read from the real pages ---------------------------------------------


def test_okmall_unmodified_pages_give_the_saved_product_and_refuse_it_under_other_ids():
    with MallSite("okmall") as site:
        settings = _settings(site, max_products_per_brand=3, max_products_per_read=3)
        with connector_for("mall", settings) as connector:
            result = connector.read(None)

    assert result.done and result.next_cursor is None
    [record] = result.records
    assert record.source_id == "753625"
    assert record.name == "[NIKE]남성 나이키 드라이 핏 페이서 하프 짚 (FQ2494-010)"
    assert record.price == 56000
    assert record.stock is None  # on sale, no counts shown
    assert record.category == ("ACTIVITY·LIFE", "액티비티", "러닝", "상의")
    assert len(record.images) == 10 and record.images[0].startswith("https://okimg.okmall.com/")
    assert record.options[0] == SupplierOption(
        name="Black / S",
        key="2234429",
        price=56000,
        stock=None,
        attributes=(("색상", "Black"), ("사이즈", "S")),
    )
    assert [o.key for o in record.options] == ["2234429", "2234430", "2234431"]
    raw = record.raw
    assert (raw["brand"], raw["model_number"], raw["list_price"]) == ("NIKE", "FQ2494-010", 79000)
    assert raw["sold_out"] is False and raw["options"][0]["sold_out"] is False
    assert raw["extras"]["skus_not_in_option_table"] == ["2234432", "2234433"]
    # The server gave product 753625's page for the next two ids: the parser says so.
    assert [(r.row, r.column) for r in result.rejected] == [
        ("814101", "product_id"),
        ("727797", "product_id"),
    ]
    assert "the page is product 753625, the URL asks for 814101" in result.rejected[0].reason


def test_wconcept_rendered_search_and_the_saved_product_page():
    listing = rendered_search(["307698365", "306000081"])
    with (
        MallSite("wconcept", listings={KEYWORD: [listing]}) as site,
        connector_for("mall", _settings(site)) as connector,
    ):
        result = connector.read(None)

    assert result.done
    [record] = result.records
    assert record.source_id == "307698365"
    assert record.price == 3709000
    assert record.category == ("여성", "해외브랜드", "가방", "숄더백")
    assert record.options == (
        SupplierOption(
            name="BLACK / One measurement (OS)",
            key="28081171",
            stock=None,
            attributes=(("색상", "BLACK"), ("사이즈", "One measurement (OS)")),
        ),
    )
    assert (record.raw["brand"], record.raw["model_number"]) == (
        "BOTTEGA VENETA",
        "754443V3IV18425",
    )
    assert [(r.row, r.column) for r in result.rejected] == [("306000081", "product_id")]


def test_wconcept_server_html_without_cards_stops_the_read_instead_of_reading_nothing():
    with MallSite("wconcept") as site, connector_for("mall", _settings(site)) as connector:
        with pytest.raises(SourceError, match=r"cannot read the listing of '754443' \(items\)"):
            connector.read(None)
        check = connector.check()
    assert not check.ok and "53 products" in check.message


def test_an_empty_search_ends_its_brand_and_the_next_brand_follows():
    empty = saved_page("wconcept/wconcept_search_no.html")
    listings = {"FQ2494-010": [empty], KEYWORD: [rendered_search(["307698365"])]}
    with MallSite("wconcept", listings=listings) as site:
        settings = _settings(site, brands=["FQ2494-010", KEYWORD])
        with connector_for("mall", settings) as connector:
            pages = read_all(connector)
        searched = [hit.target for hit in site.requests("/search")]

    assert [(len(p.records), p.done) for p in pages] == [(0, False), (1, True)]
    assert searched == [
        "/search?keyword=FQ2494-010&type=direct",
        "/search?keyword=754443&type=direct",
    ]


# --- crawling ------------------------------------------------------------------------------


def test_a_broken_or_vanished_product_page_is_rejected_and_the_crawl_goes_on():
    with MallSite("okmall", relabel=True, broken={"727797"}, gone={"770398"}) as site:
        settings = _settings(site, max_products_per_brand=6, max_products_per_read=4)
        with connector_for("mall", settings) as connector:
            pages, records, rejected = _everything(connector)

    assert [r.source_id for r in records] == ["753625", "814101", "742110", "478656"]
    broken, vanished = rejected
    assert (broken.row, broken.column) == ("727797", "ld+json Product")
    assert broken.reason == "cannot read ld+json Product: no Product ld+json block"
    assert broken.value.startswith("/products/view?no=727797")
    assert vanished.row == "770398" and "HTTP 404" in vanished.reason
    assert len(pages) == 2


def test_a_page_that_breaks_the_parser_is_one_rejected_product_and_the_crawl_goes_on():
    saved = saved_page(SAVED["okmall"]["product"])
    bad_image, deep, dear, *_ = OKMALL_IDS[1:]
    pages = {
        # urljoin raises ValueError on this link: the image is left out, the product kept.
        bad_image: edit(saved, '"image": [', '"image": ["http://[bad-host/x.jpg", ', count=1),
        # json.loads raises RecursionError: the block is unreadable, the page has no Product.
        deep: edit(
            saved, '"sku": 753625,', '"deep": ' + "[" * 100_000 + "]" * 100_000 + ",", count=1
        ),
        # An option at 10**20 won: beyond the bounds, so the product is rejected.
        dear: edit(saved, 'sprice="56000"', 'sprice="100000000000000000000"', count=1),
    }
    pages = {i: page.replace("753625", i) for i, page in pages.items()}
    with MallSite("okmall", relabel=True, product_pages=pages) as site:
        settings = _settings(site, max_products_per_brand=5)
        with connector_for("mall", settings) as connector:
            _, records, rejected = _everything(connector)

    assert [r.source_id for r in records] == [OKMALL_IDS[0], bad_image, OKMALL_IDS[4]]
    assert not any("bad-host" in url for url in records[1].images) and records[1].images
    assert [(r.row, r.column) for r in rejected] == [(deep, "ld+json Product"), (dear, "options")]
    assert rejected[1].reason == "option price is above the limit of 1,000,000,000 won"


def test_the_cursor_is_plain_json_and_a_fresh_instance_resumes_mid_listing():
    with MallSite("okmall", relabel=True) as site:
        settings = _settings(site, max_products_per_brand=5, max_products_per_read=2)
        with connector_for("mall", settings) as connector:
            first = connector.read(None)
        cursor = json.loads(json.dumps(first.next_cursor))
        with connector_for("mall", settings) as fresh:
            rest = read_all(fresh, cursor)

    assert cursor["brand"] == NIKE and cursor["listing"] == NIKE_LISTING
    assert cursor["next"] is None and cursor["taken"] == 5  # the brand's cap is reached
    assert [product_id for product_id, _ in cursor["pending"]] == OKMALL_IDS[2:5]
    assert cursor["pending"][0][1].startswith("/products/view?no=727797&")
    assert source_ids(rest) == OKMALL_IDS[2:5]
    assert len(site.requests("/products/list")) == 1  # the resumed read fetched no listing


def test_listing_pages_are_followed_until_one_has_no_next_link():
    saved = saved_page(SAVED["okmall"]["listing"])
    last = edit(saved, 'class="nextPage"', "")
    everything = re.findall(r'data-productno="(\d+)"', saved, re.IGNORECASE)
    with MallSite("okmall", listings={NIKE: [saved, last]}, gone=everything) as site:
        with connector_for("mall", _settings(site, max_products_per_read=80)) as connector:
            first = connector.read(None)
            second = connector.read(first.next_cursor)
        listings = [hit.target for hit in site.requests("/products/list")]

    # The real next link points at www.okmall.com; the crawl follows it on its own base_url.
    following = (
        f"{NIKE_LISTING}&search_keyword=&detail_search_keyword=&orgin_p=1&page=2&prev_data=731328"
    )
    assert first.next_cursor["next"] == following and first.next_cursor["pending"] == []
    assert listings == [NIKE_LISTING, following]
    assert second.done
    assert len(first.rejected) == len(second.rejected) == 80  # every product page "gone" (fast)


def test_brands_are_read_in_order_each_to_its_cap():
    with MallSite("okmall", relabel=True) as site:
        settings = _settings(
            site,
            brands=[NIKE, "아디다스(ADIDAS)"],
            max_products_per_brand=2,
            max_products_per_read=2,
        )
        with connector_for("mall", settings) as connector:
            pages = read_all(connector)
        listings = [hit.target for hit in site.requests("/products/list")]

    assert [(source_ids([p]), p.done) for p in pages] == [
        (OKMALL_IDS[:2], False),
        (OKMALL_IDS[:2], True),  # the server lists the same cards for every brand
    ]
    assert listings == [
        NIKE_LISTING,
        "/products/list?brand=%EC%95%84%EB%94%94%EB%8B%A4%EC%8A%A4%28ADIDAS%29",
    ]


def test_a_cursor_the_settings_do_not_match_is_refused():
    with MallSite("okmall") as site, connector_for("mall", _settings(site)) as connector:
        with pytest.raises(ConfigError, match="no longer list"):
            connector.read({"brand": "퓨마(PUMA)", "next": None, "pending": []})
        with pytest.raises(ConfigError, match="not a cursor"):
            connector.read({"pending": "nonsense"})
        assert site.requests() == []


# --- politeness ----------------------------------------------------------------------------


def test_one_connection_a_new_session_every_n_requests_and_a_browser_user_agent():
    with MallSite("okmall", relabel=True) as site:
        settings = _settings(
            site, session_refresh_every=4, max_products_per_brand=10, max_products_per_read=10
        )
        with connector_for("mall", settings) as connector:
            connector.read(None)
        hits = site.requests()

    assert len(hits) == 11 and site.max_connections_in_use() == 1
    # A request without a cookie is the start of a session; the server then sets one.
    assert [hit.session for hit in hits] == [
        None, "s1", "s1", "s1", None, "s2", "s2", "s2", None, "s3", "s3",
    ]  # fmt: skip
    connections = [hit.connection for hit in hits]
    assert [connections.index(c) for c in dict.fromkeys(connections)] == [0, 4, 8]
    assert all(hit.user_agent.startswith("Mozilla/5.0 (") for hit in hits)


def test_two_threads_on_one_connector_still_use_one_connection():
    with MallSite("okmall", relabel=True) as site:
        with connector_for("mall", _settings(site)) as connector:
            results: list[dict] = []
            threads = [
                threading.Thread(target=lambda k=keys: results.append(connector.read_stock(k)))
                for keys in (OKMALL_IDS[:4], OKMALL_IDS[4:])
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=10)
        assert len(site.requests()) == 8 and site.max_connections_in_use() == 1
    assert sorted(key for found in results for key in found) == sorted(OKMALL_IDS)


def test_the_delay_between_requests_is_random_within_the_range_and_counts_time_passed():
    fake = FakeTime()
    with MallSite("okmall", relabel=True) as site:
        settings = _settings(site, delay_seconds=[1.2, 2.5], max_products_per_read=5)
        config = ConnectorConfig(kind="mall", settings=settings)
        with MallConnector(
            config, sleep=fake.sleep, clock=fake.clock, rng=random.Random(7)
        ) as connector:
            connector.read(None)  # the listing and 5 products: 6 requests, 5 pauses
            pauses = list(fake.sleeps)
            fake.now += 60  # a minute passes: the next request has waited enough already
            connector.read_stock(["753625"])
            capabilities = connector.capabilities

    assert len(pauses) == 5 and all(1.2 <= p <= 2.5 for p in pauses)
    assert len(set(pauses)) == 5
    assert fake.sleeps == pauses
    assert capabilities.rate_limit == pytest.approx(1 / 1.85)


def test_429_and_503_are_retried_by_the_transport_through_the_same_sleep():
    fake = FakeTime()
    faults = ((429, {"Retry-After": "1"}), (503, {}))
    with MallSite("okmall", relabel=True, faults=faults) as site:
        config = ConnectorConfig(kind="mall", settings=_settings(site, max_retries=2))
        with MallConnector(config, sleep=fake.sleep, clock=fake.clock) as connector:
            result = connector.read(None)
        statuses = [hit.status for hit in site.requests()]

    assert statuses[:3] == [429, 503, 200]
    assert source_ids([result]) == OKMALL_IDS[:5]
    assert fake.sleeps[0] == 1.0 and 0 < fake.sleeps[1] <= 0.02  # Retry-After, then backoff


# --- stock ---------------------------------------------------------------------------------


def test_read_stock_follows_the_parsers_sold_out_rules():
    sold_out_id = OKMALL_IDS[1]
    page = edit(
        saved_page(SAVED["okmall"]["product"]),
        "https://schema.org/InStock",
        "https://schema.org/OutOfStock",
    ).replace("753625", sold_out_id)
    with MallSite("okmall", relabel=True, product_pages={sold_out_id: page}) as site:
        with connector_for("mall", _settings(site)) as connector:
            stock = connector.read_stock(["753625", sold_out_id, "999999", "not-an-id", "753625"])
        asked = [hit.target for hit in site.requests()]

    assert stock == {
        "753625": StockInfo(available=True, quantity=None, price=56000),
        sold_out_id: StockInfo(available=False, quantity=0, price=56000),
    }
    # "not-an-id" cannot be an okmall id: never requested. 999999 is unknown: 404, left out.
    assert asked == [f"/products/view?no={i}" for i in ("753625", sold_out_id, "999999")]


# --- settings ------------------------------------------------------------------------------


def test_mall_is_a_built_in_kind_with_polite_defaults():
    assert "mall" in kinds()
    with connector_for("mall", {"mall": "okmall", "brands": [NIKE]}) as connector:
        assert isinstance(connector, MallConnector)
        assert connector.capabilities.page_size == 20
        assert connector.capabilities.rate_limit == pytest.approx(1 / 1.85)
        assert connector.capabilities.supports_stock and not connector.capabilities.incremental
        assert "okmall" in repr(connector)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mall": "gmarket"}, "unknown mall 'gmarket'; known malls: okmall, wconcept"),
        ({"brands": []}, "at least one brand"),
        ({"brands": NIKE}, "a list of names"),
        ({"delay_seconds": [2.5, 1.2]}, "min <= max"),
        ({"delay_seconds": "slow"}, r"\[min, max\]"),
        ({"session_refresh_every": 0}, "session_refresh_every"),
        ({"max_products_per_read": "10"}, "max_products_per_read"),
        ({"max_products_per_brand": 0}, "max_products_per_brand"),
        ({"base_url": "https://www.okmall.com/products"}, "base_url must be"),
        ({"base_url": "ftp://www.okmall.com"}, "base_url must be"),
    ],
)
def test_bad_settings_are_refused(change, message):
    with pytest.raises(ConfigError, match=message):
        connector_for("mall", {"mall": "okmall", "brands": [NIKE], **change})
