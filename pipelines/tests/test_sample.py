"""The sample sources: a deterministic catalogue whose pages the project's own parsers read.

Everything runs for real: pages go through ``suppliers.malls.okmall`` and
``markets.buyma.search_page``, the crawl through the ``mall`` connector and the feed through
the ``excel`` connector, over a server on 127.0.0.1. No database.
"""

from __future__ import annotations

import io
import re
import socket
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from markets.buyma.search_page import cheapest_competitor, parse_search_page, search_url
from pipelines.sample import (
    BRANDS,
    FEED_COLUMNS,
    OWN_BUYER_ID,
    SampleCatalog,
    SampleServer,
    bad_row_ids,
    changed_ids,
    feed_xlsx_bytes,
    image_bytes,
    listing_path,
    outside_vocabulary,
    product_path,
    render_listing,
    render_product,
    render_search,
    sample_feed_catalog,
    write_feed_xlsx,
)
from pipelines.sample.catalog import MAX_PRICE, MIN_PRICE, OFF_VOCABULARY, RIVAL_BUYERS
from suppliers.connectors import connector_for
from suppliers.connectors.testing import read_all
from suppliers.malls import okmall
from suppliers.malls.sites import site_for

BASE = "http://127.0.0.1:9"  # pages rendered without a server link here; never fetched


@pytest.fixture(scope="module")
def catalog() -> SampleCatalog:
    return SampleCatalog.generate(products=1000, brands=12, seed=7)


@pytest.fixture(scope="module")
def server(catalog: SampleCatalog) -> Iterator[SampleServer]:
    with SampleServer(catalog) as running:
        yield running


@pytest.fixture
def fresh_server(catalog: SampleCatalog) -> Iterator[SampleServer]:
    """A server of its own, for tests that swap its catalogue."""
    with SampleServer(catalog) as running:
        yield running


def _spread(items: list, count: int) -> list:
    """``count`` items spread evenly over ``items`` (deterministic)."""
    step = max(1, len(items) // count)
    return items[::step][:count]


# --- the catalogue --------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_catalogue(catalog: SampleCatalog) -> None:
    again = SampleCatalog.generate(products=1000, brands=12, seed=7)
    assert again.products == catalog.products
    other = SampleCatalog.generate(products=1000, brands=12, seed=8)
    assert other.products != catalog.products


def test_catalogue_has_a_thousand_products_over_twelve_brands(catalog: SampleCatalog) -> None:
    assert len(catalog) == 1000
    assert catalog.brands == tuple(brand.okmall_name for brand in BRANDS[:12])
    assert catalog.brands[0] == "나이키(NIKE)"
    per_brand = Counter(product.brand for product in catalog)
    assert set(per_brand) == set(catalog.brands)
    assert min(per_brand.values()) >= 60
    assert sum(len(catalog.products_of(brand)) for brand in catalog.brands) == 1000
    ids = [product.product_id for product in catalog]
    assert len(set(ids)) == len(ids)
    assert all(site_for("okmall").is_product_id(product_id) for product_id in ids)
    assert len({product.model_number for product in catalog}) == 1000
    thirteen = SampleCatalog.generate(products=200, brands=13)
    assert thirteen.brands[-1] == "몽클레르(MONCLER)"
    assert thirteen.products_of("몽클레르(MONCLER)")


def test_products_look_like_okmall_products(catalog: SampleCatalog) -> None:
    for product in catalog:
        assert MIN_PRICE <= product.price <= MAX_PRICE and product.price % 100 == 0
        assert product.list_price > product.price
        assert re.fullmatch(r"\d\d(SS|FW)", product.season)
        assert product.name.endswith(f" ({product.model_number})")
        assert re.search(r"\d", product.model_number) and len(product.model_number) >= 4
        assert product.category[0] in {"MEN", "WOMEN", "UNISEX"} and len(product.category) >= 3
        assert 2 <= len(product.image_ids) <= 5
        assert len({option.sku for option in product.options}) == len(product.options)
        sizes = {option.size for option in product.options}
        if product.product_type in {"백팩", "지갑", "볼캡", "벨트"}:
            assert sizes == {"FREE"}
        if product.product_type == "스니커즈":
            assert all(230 <= int(size) <= 290 and int(size) % 5 == 0 for size in sizes)
        if product.product_type == "반팔 티셔츠":
            assert sizes <= {"S", "M", "L", "XL", "95", "100", "105", "110"}
    prices = sorted(product.price for product in catalog)
    assert prices[0] < 60_000 and prices[-1] > 900_000  # cheap tees to luxury coats


def test_some_products_and_some_options_are_sold_out(catalog: SampleCatalog) -> None:
    sold_out = [product for product in catalog if product.sold_out]
    assert 20 <= len(sold_out) <= 90  # about 5%
    assert all(product.stock == 0 and product.available_sizes == () for product in sold_out)
    partly = [p for p in catalog if not p.sold_out and any(o.sold_out for o in p.options)]
    assert len(partly) >= 100


def test_names_use_only_the_vocabulary_except_a_few(catalog: SampleCatalog) -> None:
    outside = {
        p.product_id: outside_vocabulary(p.name) for p in catalog if outside_vocabulary(p.name)
    }
    assert 1 <= len(outside) <= 3
    assert set(outside) == set(catalog.off_vocabulary_ids())
    assert all(words == tuple(OFF_VOCABULARY.split()) for words in outside.values())


def test_a_large_catalogue_is_generated_fast() -> None:
    """10,000 products in a few seconds of this process's CPU (which other work on the
    machine does not inflate, as it does wall time)."""
    started = time.process_time()
    big = SampleCatalog.generate(products=10_000, brands=13, seed=7)
    used = time.process_time() - started
    assert len(big) == 10_000 and len(big.brands) == 13
    assert used < 5, f"10,000 products took {used:.2f} s of CPU"


def test_images_are_shared_between_products(catalog: SampleCatalog) -> None:
    uses = Counter(image for product in catalog for image in product.image_ids)
    for brand in catalog.brand_info:
        guide = f"{brand.slug}-size-guide"
        assert uses[guide] == len(catalog.products_of(brand.okmall_name))
    details = [image for image, count in uses.items() if image.endswith("-detail")]
    assert details and all(uses[image] >= 2 for image in details)  # colour variants
    assert sum(count for count in uses.values()) > len(uses) + 1000


# --- okmall pages ---------------------------------------------------------------------------


def test_product_pages_parse_with_the_okmall_parser(catalog: SampleCatalog) -> None:
    chosen = _spread(list(catalog.products), 40)
    chosen += [p for p in catalog if p.sold_out][:5] + [
        catalog[i] for i in catalog.off_vocabulary_ids()
    ]
    for product in chosen:
        url = BASE + product_path(product.product_id)
        html = render_product(catalog, product.product_id, BASE)
        assert len(html) < 20_000
        parsed = okmall.parse_product(html, url)
        brand = catalog.brand_of(product)
        assert parsed.product_id == product.product_id
        assert parsed.name == f"[{brand.name_en}]{product.name}"
        assert (parsed.brand, parsed.extras["brand_kr"]) == (brand.name_en, brand.name_kr)
        assert parsed.model_number == product.model_number
        assert (parsed.price, parsed.list_price, parsed.currency) == (
            product.price,
            product.list_price,
            "KRW",
        )
        assert parsed.category == product.category
        assert parsed.extras["season"] == product.season
        assert parsed.image_urls == tuple(f"{BASE}/images/{i}.jpg" for i in product.image_ids)
        assert parsed.sold_out is product.sold_out
        on_sale = [o for o in product.options if not o.sold_out]
        assert [(o.option_code, o.color, o.size, o.sold_out) for o in parsed.options] == [
            (o.sku, o.color, o.size, False) for o in on_sale
        ]
        gone = tuple(o.sku for o in product.options if o.sold_out)
        assert parsed.extras.get("skus_not_in_option_table", ()) == gone
    assert render_product(catalog, "1", BASE) is None


def test_listing_pages_chain_and_cards_show_price_and_sizes(catalog: SampleCatalog) -> None:
    brand = catalog.brands[4]
    expected = catalog.products_of(brand)
    url = BASE + listing_path(brand)
    seen = []
    pages = 0
    while url is not None:
        query = dict(re.findall(r"[?&](brand|page)=([^&]*)", url))
        page = int(query.get("page", 1))
        html = render_listing(catalog, brand, page, BASE, per_page=30)
        listing = okmall.parse_listing(html, url)
        assert listing.total_count == len(expected)
        seen.extend(listing.items)
        url = listing.next_page_url
        pages += 1
    assert pages == -(-len(expected) // 30)
    assert [item.product_id for item in seen] == [p.product_id for p in expected]
    for item, product in zip(seen, expected, strict=True):
        assert item.url == BASE + product_path(product.product_id)
        assert item.price == product.price
        assert item.sizes == product.available_sizes
    assert render_listing(catalog, brand, pages + 1, BASE, per_page=30) is None
    nobody = okmall.parse_listing(render_listing(catalog, "없는브랜드", 1, BASE), BASE)
    assert (nobody.items, nobody.total_count, nobody.next_page_url) == ((), 0, None)


def test_a_card_lists_sizes_like_okmall() -> None:
    html = render_listing(SampleCatalog.generate(products=50, brands=1), "나이키(NIKE)", 1, BASE)
    sizes = re.findall(r'<span class="t_size" name="shortProductOpt">([^<]*)</span>', html)
    assert len(sizes) == 50
    assert all(re.fullmatch(r"(\S+ , )*\S+ |", text) for text in sizes)
    assert re.search(r'<span class="okmall_price" val="\d+">[\d,]+<', html)


def test_one_brand_crawled_through_the_mall_connector(
    catalog: SampleCatalog, server: SampleServer
) -> None:
    brand = catalog.brands[1]
    expected = {p.product_id: p for p in catalog.products_of(brand)}
    assert any(p.sold_out for p in expected.values())
    before = server.hits
    connector = connector_for(
        "mall",
        {"mall": "okmall", "brands": [brand], "base_url": server.base_url, "delay_seconds": [0, 0]},
        {},
    )
    try:
        pages = read_all(connector)
    finally:
        connector.close()
    records = [record for page in pages for record in page.records]
    assert [r for page in pages for r in page.rejected] == []
    assert sorted(r.source_id for r in records) == sorted(expected)
    for record in records:
        product = expected[record.source_id]
        assert record.price == product.price
        assert record.raw["sold_out"] is product.sold_out
        assert (record.stock == 0) is product.sold_out
        assert record.raw["model_number"] == product.model_number
    after = server.hits
    assert after["product"] - before["product"] == len(expected)
    assert after["listing"] - before["listing"] == -(-len(expected) // 60)


def test_a_product_taken_off_the_mall_answers_404(
    catalog: SampleCatalog, fresh_server: SampleServer
) -> None:
    brand = catalog.brands[2]
    gone = catalog.products_of(brand)[10].product_id  # listed on page 1, fetched after read 1
    settings = {
        "mall": "okmall",
        "brands": [brand],
        "base_url": fresh_server.base_url,
        "delay_seconds": [0, 0],
        "max_products_per_read": 5,
    }
    connector = connector_for("mall", settings, {})
    try:
        first = connector.read(None)  # the listing and 5 products, before the product goes
        fresh_server.catalog = catalog.without([gone])
        assert httpx.get(fresh_server.base_url + product_path(gone)).status_code == 404
        rest = read_all(connector, first.next_cursor)
        stock = connector.read_stock([gone, catalog.products_of(brand)[1].product_id])
    finally:
        connector.close()
    rejected = [r for page in [first, *rest] for r in page.rejected]
    assert [r.row for r in rejected] == [gone]
    assert gone not in stock and len(stock) == 1


# --- BUYMA search pages ---------------------------------------------------------------------


def test_buyma_search_pages_parse_and_our_listing_is_left_out(catalog: SampleCatalog) -> None:
    outcomes = Counter()
    for product in catalog:
        search = catalog.competitor(product)
        outcomes[search.outcome] += 1
        offers = parse_search_page(render_search(catalog, product.model_number, OWN_BUYER_ID))
        assert [o.price_jpy for o in offers] == sorted(o.price_jpy for o in offers)
        assert [o.item_id for o in offers] == [item.item_id for item in search.listings]
        ours = [o for o in offers if o.buyer_id == OWN_BUYER_ID]
        assert len(ours) == sum(item.own for item in search.listings)
        assert [o.used for o in offers] == [item.used for item in search.listings]
        rival = cheapest_competitor(offers, own_buyer_ids=[OWN_BUYER_ID])
        assert (rival.price_jpy if rival else None) == search.cheapest_rival_jpy
        if rival is not None:
            sensible = product.price / 9.5 * 1.3
            assert 0.79 * sensible <= rival.price_jpy <= 1.21 * sensible
    assert 540 <= outcomes["competitor"] <= 660
    assert 60 <= outcomes["own_only"] <= 140
    assert outcomes["none"] == 1000 - outcomes["competitor"] - outcomes["own_only"]
    with_own = [p for p in catalog if any(i.own for i in catalog.competitor(p).listings)]
    with_used = [p for p in catalog if any(i.used for i in catalog.competitor(p).listings)]
    assert len(with_own) > 300 and len(with_used) > 50
    assert parse_search_page(render_search(catalog, "NO-SUCH-1234", OWN_BUYER_ID)) == []


def test_buyma_search_is_served_at_search_url(catalog: SampleCatalog, server: SampleServer) -> None:
    product = next(p for p in catalog if catalog.competitor(p).outcome == "competitor")
    for url in (
        search_url(model_no=product.model_number),
        search_url(model_no=product.model_number, brand_name=product.brand_en),
    ):
        local = url.replace("https://www.buyma.com", server.base_url)
        response = httpx.get(local, timeout=5)
        assert response.status_code == 200
        offers = parse_search_page(response.text)
        rival = cheapest_competitor(offers, own_buyer_ids=[OWN_BUYER_ID])
        assert rival.price_jpy == catalog.competitor(product).cheapest_rival_jpy
    assert all(buyer_id != OWN_BUYER_ID for buyer_id, _ in RIVAL_BUYERS)


def test_a_buyer_id_that_is_not_a_number_is_still_left_out(catalog: SampleCatalog) -> None:
    # The parser reads numeric buyer ids only: our listing then has no buyer id, and
    # cheapest_competitor leaves it out as an unknown seller rather than undercutting it.
    product = next(p for p in catalog if catalog.competitor(p).outcome == "own_only")
    offers = parse_search_page(render_search(catalog, product.model_number, "sample-shop"))
    assert [o.buyer_id for o in offers] == [None]
    assert cheapest_competitor(offers, own_buyer_ids=["sample-shop"]) is None
    with pytest.raises(ValueError, match="own_buyer_id"):
        SampleServer(catalog, own_buyer_id=" ")


# --- the Excel feed -------------------------------------------------------------------------


def test_feed_reads_through_the_excel_connector_with_two_bad_rows(
    catalog: SampleCatalog, tmp_path
) -> None:
    feed = sample_feed_catalog()
    assert len(feed) == 50 and len(feed.brands) == 2
    assert not {p.model_number for p in feed} & {p.model_number for p in catalog}
    path = write_feed_xlsx(tmp_path / "feed.xlsx", feed, BASE)
    connector = connector_for("excel", {"source": str(path), "columns": FEED_COLUMNS}, {})
    pages = read_all(connector)
    records = [r for page in pages for r in page.records]
    rejected = [r for page in pages for r in page.rejected]
    bad_price, bad_stock = bad_row_ids(feed)
    assert [(r.column, r.value) for r in rejected] == [("판매가", "문의"), ("재고", "많음")]
    rows = {p.product_id: number for number, p in enumerate(feed, start=2)}
    assert [r.row for r in rejected] == [rows[bad_price], rows[bad_stock]]
    assert len(records) == 48
    assert all(r.source_id.startswith("FD") for r in records)
    for record in records:
        product = feed[record.source_id]
        assert (record.name, record.price) == (product.name, product.price)
        assert record.raw["브랜드"] == product.brand_en
        assert record.raw["모델명"] == product.model_number
        assert record.stock == product.stock
        assert record.images == tuple(f"{BASE}/images/{i}.jpg" for i in product.image_ids)
        assert record.category == product.category
    assert feed_xlsx_bytes(feed, BASE) == path.read_bytes()  # same rows, same bytes


def test_feed_is_served_with_images(server: SampleServer) -> None:
    with httpx.Client(timeout=5) as client:
        response = client.get(server.feed_url)
        assert response.status_code == 200
        record_images = [
            r.images
            for page in read_all(
                connector_for("excel", {"source": server.feed_url, "columns": FEED_COLUMNS}, {})
            )
            for r in page.records
        ]
        first = record_images[0][0]
        assert first.startswith(server.base_url + "/images/")
        assert client.get(first).headers["content-type"] == "image/jpeg"


# --- repricing ------------------------------------------------------------------------------


def test_repriced_catalogue_changes_exactly_the_announced_products(catalog: SampleCatalog) -> None:
    later = catalog.repriced(fraction=0.05, generation=1)
    assert len(later.changed) == 50
    assert changed_ids(catalog, later) == later.changed
    for old, new in zip(catalog, later, strict=True):
        if old.product_id in later.changed:
            assert new.price != old.price and new.price % 100 == 0
            assert MIN_PRICE <= new.price < new.list_price == old.list_price
        else:
            assert new == old
    newly_sold_out = [p for p in later if p.sold_out and not catalog[p.product_id].sold_out]
    assert 1 <= len(newly_sold_out) <= 10
    assert {p.product_id for p in newly_sold_out} <= later.changed
    assert catalog.repriced(0.05, 1).products == later.products
    assert catalog.repriced(0.05, 2).changed != later.changed
    assert changed_ids(catalog, catalog) == frozenset()


def test_a_catalogue_swap_shows_on_the_pages(
    catalog: SampleCatalog, fresh_server: SampleServer
) -> None:
    later = catalog.repriced(fraction=0.05, generation=1)
    product_id = next(  # a changed product on the first listing page of its brand
        pid
        for pid in sorted(later.changed)
        if catalog.products_of(catalog[pid].brand).index(catalog[pid]) < 60
    )
    brand = catalog[product_id].brand
    url = fresh_server.base_url + product_path(product_id)
    listing_url = fresh_server.base_url + listing_path(brand)
    with httpx.Client(timeout=5) as client:
        before = okmall.parse_product(client.get(url).text, url)
        old_cards = okmall.parse_listing(client.get(listing_url).text, listing_url).items
        fresh_server.catalog = later
        after = okmall.parse_product(client.get(url).text, url)
        new_cards = okmall.parse_listing(client.get(listing_url).text, listing_url).items
    assert before.price == catalog[product_id].price
    assert after.price == later[product_id].price != before.price
    assert after.sold_out is later[product_id].sold_out
    changed_cards = {
        new.product_id for old, new in zip(old_cards, new_cards, strict=True) if old != new
    }
    assert product_id in changed_cards
    assert changed_cards == later.changed & {item.product_id for item in new_cards}


# --- images and the server ------------------------------------------------------------------


def test_images_are_deterministic_jpegs() -> None:
    first = image_bytes("nike-size-guide")
    assert image_bytes("nike-size-guide") is first  # cached
    image_bytes.cache_clear()
    again = image_bytes("nike-size-guide")
    assert again == first
    assert again != image_bytes("adidas-size-guide")
    picture = Image.open(io.BytesIO(again))
    assert (picture.format, picture.size) == ("JPEG", (800, 800))
    started = time.perf_counter()
    for number in range(20):
        image_bytes(f"speed-{number}")
    assert (time.perf_counter() - started) / 20 < 0.25


def test_server_keeps_connections_alive_and_counts_hits(
    catalog: SampleCatalog, fresh_server: SampleServer
) -> None:
    fresh_server.reset_hits()
    product = catalog.products[0]
    base = fresh_server.base_url
    with httpx.Client(timeout=5) as client:
        for _ in range(5):
            assert client.get(base + product_path(product.product_id)).status_code == 200
        image = client.get(f"{base}/images/{product.image_ids[-1]}.jpg")
        assert image.status_code == 200
        assert image.content == image_bytes(product.image_ids[-1])
        assert client.get(f"{base}/images/not-an-image.jpg").status_code == 404
        assert client.get(base + listing_path(catalog.brands[0])).status_code == 200
        assert client.get(base + listing_path(catalog.brands[0], 99)).status_code == 404
        assert client.get(f"{base}/products/view?no=1").status_code == 404
        assert client.get(f"{base}/nowhere").status_code == 404
    assert fresh_server.connections == 1
    assert fresh_server.hits == {
        "listing": 2,
        "product": 6,
        "image": 2,
        "search": 0,
        "feed": 0,
        "media": 0,
        "other": 1,
    }


def test_server_binds_the_port_asked_for(catalog: SampleCatalog) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with SampleServer(catalog, port=port) as running:
        assert running.base_url == f"http://127.0.0.1:{port}"
        assert httpx.get(running.feed_url, timeout=5).status_code == 200
    assert running.hits["feed"] == 1
