"""BUYMA search page parser, against pages copied unmodified from the shared data set."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from markets.buyma import (
    CompetitorOffer,
    NotASearchPageError,
    cheapest_competitor,
    parse_search_page,
    search_url,
)

FIXTURES = Path(__file__).parent / "fixtures" / "buyma"


def _page(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def offers() -> list[CompetitorOffer]:
    return parse_search_page(_page("search_o1_page.html"))


def test_reads_every_item_with_a_link_and_a_price(offers: list[CompetitorOffer]) -> None:
    # Four items on the page; the third has no item link (its ¥1 is a placeholder).
    assert offers == [
        CompetitorOffer(
            item_id="111111111",
            title="first",
            price_jpy=12_000,
            buyer_id="1001",
            buyer_name="SellerA",
            url="https://www.buyma.com/item/111111111/",
            used=False,
            rank=1,
        ),
        CompetitorOffer(
            item_id="222222222",
            title="second",
            price_jpy=9_800,
            buyer_id="2002",
            buyer_name="SellerB",
            url="https://www.buyma.com/item/222222222/",
            used=False,
            rank=2,
        ),
        CompetitorOffer(
            item_id="333333333",
            title="third",
            price_jpy=15_500,
            buyer_id="1001",
            buyer_name="SellerA",
            url="https://www.buyma.com/item/333333333/",
            used=False,
            rank=4,
        ),
    ]


@pytest.mark.parametrize(
    ("own_buyer_ids", "expected_item", "expected_price"),
    [
        pytest.param([], "222222222", 9_800, id="nobody-excluded"),
        # The page is not in price order: the cheapest is the second item, not the first.
        pytest.param(["1001"], "222222222", 9_800, id="own-not-cheapest"),
        pytest.param(["2002"], "111111111", 12_000, id="own-is-cheapest"),
        pytest.param({"1001", "2002"}, None, None, id="only-own-offers"),
    ],
)
def test_cheapest_competitor_excludes_own_buyer_ids(
    offers: list[CompetitorOffer],
    own_buyer_ids: list[str],
    expected_item: str | None,
    expected_price: int | None,
) -> None:
    cheapest = cheapest_competitor(offers, own_buyer_ids=own_buyer_ids)

    if expected_item is None:
        assert cheapest is None
    else:
        assert cheapest is not None
        assert (cheapest.item_id, cheapest.price_jpy) == (expected_item, expected_price)


def test_cheapest_competitor_skips_used_and_unknown_sellers(
    offers: list[CompetitorOffer],
) -> None:
    used, unknown, rival = offers
    candidates = [replace(used, used=True), replace(unknown, buyer_id=None), rival]

    assert cheapest_competitor(candidates, own_buyer_ids=[]) == rival


def test_own_buyer_ids_as_a_bare_string_is_refused(offers: list[CompetitorOffer]) -> None:
    with pytest.raises(TypeError, match="own_buyer_ids"):
        cheapest_competitor(offers, own_buyer_ids="2002")


def test_empty_result_page_has_no_offers() -> None:
    assert parse_search_page(_page("search_o1_empty.html")) == []
    assert cheapest_competitor([], own_buyer_ids=["1001"]) is None


@pytest.mark.parametrize(
    "html",
    [
        pytest.param(_page("item_detail_normal.html"), id="item-page"),
        pytest.param(_page("item_detail_404.html"), id="not-found-page"),
        pytest.param("", id="empty-string"),
    ],
)
def test_a_page_that_is_not_a_search_page_raises(html: str) -> None:
    with pytest.raises(NotASearchPageError):
        parse_search_page(html)


# Synthetic markup for what the saved pages do not show: a used item, and a layout change.
_USED_ITEM = """
<div class="ResultSummary">検索結果 1件</div>
<ul class="product_list"><li class="product">
  <a href="/item/444/">used bag</a><span class="product_used_tag">中古</span>
  <span class="Price_Txt">¥ 5,000</span>
  <p class="product_Buyer"><a href="/buyer/3003.html">SellerC</a></p>
</li></ul>
"""
_RENAMED_PRICE = _USED_ITEM.replace("Price_Txt", "PriceText")


def test_used_item_is_read_but_never_the_cheapest_competitor() -> None:
    (offer,) = parse_search_page(_USED_ITEM)

    assert (offer.used, offer.price_jpy, offer.buyer_id) == (True, 5_000, "3003")
    assert cheapest_competitor([offer], own_buyer_ids=[]) is None


def test_results_that_cannot_be_read_raise_instead_of_looking_empty() -> None:
    with pytest.raises(NotASearchPageError, match="none could be read"):
        parse_search_page(_RENAMED_PRICE)


@pytest.mark.parametrize(
    ("kwargs", "url"),
    [
        pytest.param(
            {"model_no": "BG0074 LF1320"},
            "https://www.buyma.com/r/-O3/BG0074%20LF1320/",
            id="model-no",
        ),
        pytest.param(
            {"model_no": "776523/V0VG4  8803"},
            "https://www.buyma.com/r/-O3/776523%20V0VG4%208803/",
            id="slash-becomes-space",
        ),
        pytest.param(
            {"model_no": "BG0074", "brand_name": "LEMAIRE"},
            "https://www.buyma.com/r/-O3/LEMAIRE%20BG0074/",
            id="brand-then-model",
        ),
        pytest.param(
            {"model_no": "A&B?C#1"},
            "https://www.buyma.com/r/-O3/A%20B%20C%201/",
            id="separators",
        ),
        pytest.param(
            {"model_no": "ルメール 01"},
            "https://www.buyma.com/r/-O3/%E3%83%AB%E3%83%A1%E3%83%BC%E3%83%AB%2001/",
            id="non-ascii",
        ),
    ],
)
def test_search_url(kwargs: dict[str, str], url: str) -> None:
    assert search_url(**kwargs) == url


@pytest.mark.parametrize("model_no", ["", "  ", " / "])
def test_search_url_without_a_keyword_raises(model_no: str) -> None:
    with pytest.raises(ValueError, match="no usable keyword"):
        search_url(model_no=model_no)
