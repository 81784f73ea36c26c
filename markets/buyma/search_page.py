"""BUYMA price-ascending search: the URL to fetch and the offers on the page it returns.

The PRICE stage fetches ``search_url(...)`` and hands the HTML to ``parse_search_page``;
``cheapest_competitor`` then picks the price our listing has to beat. Fetching is not done
here, so this module stays pure and testable against saved pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from selectolax.lexbor import LexborHTMLParser, LexborNode

from markets.buyma.errors import NotASearchPageError

BUYMA_ORIGIN = "https://www.buyma.com"

# "/r/{keywords}/" is the keyword search and the "-O3" segment sorts it by price, lowest first.
# Source: what the public production okmall -> BUYMA pipeline (github.com/dorahyong/buyma,
# buyma_lowest_price_collector.py) requests: https://www.buyma.com/r/-O3/{model_no}/
_PRICE_ASCENDING_PATH = "/r/-O3/{keywords}/"

# That pipeline turns these into spaces before quoting: "/" would end the path segment once a
# server or proxy decodes %2F, and the others are query/fragment separators it had to avoid.
_KEYWORD_BREAKERS = re.compile(r"[/#&?\\]+")

_ITEM_HREF = re.compile(r"/item/(\d+)")
# Both "/buyer/1001/" and "/buyer/1001.html" occur on search pages.
_BUYER_HREF = re.compile(r"/buyer/(\d+)(?:\.html|/|$)")
_FIRST_NUMBER = re.compile(r"\d[\d,]*")


@dataclass(frozen=True, slots=True)
class CompetitorOffer:
    """One listing on a BUYMA search-result page.

    ``rank`` is the 1-based position of the item on the page (items without an item link
    still take a position). ``buyer_id`` is None when the page shows no buyer link.
    ``used`` marks second-hand listings, which do not compete with a new item.
    """

    item_id: str
    title: str
    price_jpy: int
    buyer_id: str | None
    buyer_name: str | None
    url: str
    used: bool
    rank: int


def search_url(*, model_no: str, brand_name: str | None = None) -> str:
    """Return the price-ascending BUYMA search URL for a model number.

    The keywords are ``brand_name`` (if given) then ``model_no``, separated by a space and
    percent-encoded as one path segment. Raises ValueError if no keyword is left after
    cleaning.

    The production pipeline searches by model number alone; ``brand_name`` narrows the
    search for short or generic model numbers, at the risk of missing listings that spell
    the brand in katakana only.
    """
    words = [brand_name, model_no] if brand_name else [model_no]
    keywords = " ".join(_KEYWORD_BREAKERS.sub(" ", word) for word in words)
    keywords = " ".join(keywords.split())
    if not keywords:
        raise ValueError(f"search_url: no usable keyword in model_no={model_no!r}")
    return BUYMA_ORIGIN + _PRICE_ASCENDING_PATH.format(keywords=quote(keywords, safe=""))


def parse_search_page(html: str) -> list[CompetitorOffer]:
    """Return the offers on a BUYMA search-result page, in page order.

    An item becomes an offer only when it has an item link and a yen price; other items
    (banners, placeholders) are skipped. A search page with no results returns ``[]``.

    Raises NotASearchPageError when the HTML is not a search-result page, or when the page
    shows or reports results but none of its items could be read (a layout change must not
    look like "no competitors").
    """
    tree = LexborHTMLParser(html)
    result_count = _result_count(tree)
    product_list = tree.css_first("ul.product_list")
    if product_list is None:
        if result_count == 0:
            return []
        raise NotASearchPageError(
            "no ul.product_list and no zero-result summary: not a BUYMA search-result page"
        )

    # Items are looked up inside the result list only: recommendation blocks elsewhere on
    # a page can reuse the same item markup and would add offers that do not match the search.
    items = product_list.css("li.product")
    offers = [
        offer
        for rank, node in enumerate(items, start=1)
        if (offer := _parse_item(node, rank)) is not None
    ]
    if not offers and (items or result_count):
        raise NotASearchPageError(
            f"the page shows {len(items)} items (summary: {result_count} results)"
            " but none could be read"
        )
    return offers


def cheapest_competitor(
    offers: Iterable[CompetitorOffer], *, own_buyer_ids: Iterable[str]
) -> CompetitorOffer | None:
    """Return the cheapest new-item offer sold by someone else, or None if there is none.

    Offers of ``own_buyer_ids``, used items and offers without a buyer id are left out. On a
    price tie the offer that comes first in ``offers`` wins.
    """
    if isinstance(own_buyer_ids, str):
        # A bare string would be iterated character by character and exclude the wrong ids.
        raise TypeError("own_buyer_ids must be a collection of buyer ids, not a str")
    own = {str(buyer_id) for buyer_id in own_buyer_ids}
    # An offer with no buyer id might be our own; undercutting it would walk our own price
    # down run after run, so it is not treated as a competitor.
    rivals = [o for o in offers if not o.used and o.buyer_id is not None and o.buyer_id not in own]
    return min(rivals, key=lambda o: o.price_jpy, default=None)


def _result_count(tree: LexborHTMLParser) -> int | None:
    summary = tree.css_first(".ResultSummary")
    if summary is None:
        return None
    match = _FIRST_NUMBER.search(summary.text())
    return int(match.group().replace(",", "")) if match else None


def _parse_item(node: LexborNode, rank: int) -> CompetitorOffer | None:
    item_link = _first_item_link(node.css("a[href]"))
    price = _yen(node.css_first(".Price_Txt"))
    if item_link is None or price is None:
        return None
    item_id, title = item_link
    buyer_id, buyer_name = _buyer(node.css_first(".product_Buyer a[href]"))
    return CompetitorOffer(
        item_id=item_id,
        title=title,
        price_jpy=price,
        buyer_id=buyer_id,
        buyer_name=buyer_name,
        url=f"{BUYMA_ORIGIN}/item/{item_id}/",
        used=node.css_first(".product_used_tag") is not None,
        rank=rank,
    )


def _first_item_link(links: Sequence[LexborNode]) -> tuple[str, str] | None:
    """Return (item id, title) of the first item link.

    An item often has an image link and a name link to the same item, so the title is taken
    from the first of those links that has one.
    """
    item_id: str | None = None
    title = ""
    for link in links:
        match = _ITEM_HREF.search(link.attributes.get("href") or "")
        if match is None or (item_id is not None and match.group(1) != item_id):
            continue
        item_id = match.group(1)
        title = title or _link_title(link)
    return (item_id, title) if item_id else None


def _buyer(link: LexborNode | None) -> tuple[str | None, str | None]:
    if link is None:
        return None, None
    match = _BUYER_HREF.search(link.attributes.get("href") or "")
    return (match.group(1) if match else None), (link.text(strip=True) or None)


def _link_title(link: LexborNode) -> str:
    text = link.text(strip=True)
    if text:
        return text
    image = link.css_first("img[alt]")
    return (image.attributes.get("alt") or "").strip() if image else ""


def _yen(node: LexborNode | None) -> int | None:
    if node is None:
        return None
    match = _FIRST_NUMBER.search(node.text())
    return int(match.group().replace(",", "")) if match else None
