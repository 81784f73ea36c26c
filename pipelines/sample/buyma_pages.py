"""BUYMA's price-ascending search page for a model number, for the sample catalogue.

The price stage fetches ``markets.buyma.search_page.search_url(model_no=...)`` and reads the
answer with ``parse_search_page``; this page has what that parser reads (``.ResultSummary``,
``ul.product_list > li.product`` with an ``/item/<id>/`` link, ``.Price_Txt`` in yen,
``.product_Buyer`` with a ``/buyer/<id>.html`` link, ``.product_used_tag`` on used items) and
what the real one shows: competitors cheapest first, sometimes our own listing among them,
sometimes a cheaper used item, sometimes nothing at all (``catalog.competitor``).

BUYMA buyer ids are numbers and the parser reads only numeric ones (``/buyer/<digits>``). Give
a numeric ``own_buyer_id`` (``OWN_BUYER_ID`` by default) to exercise "leave our own listing
out" by id. Any other id is shown as given, URL-quoted; the parser then reads our listing with
no buyer id, which ``cheapest_competitor`` also leaves out, as an unknown seller.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import quote, unquote

from pipelines.sample.catalog import BuymaListing, SampleCatalog

SEARCH_PREFIX = "/r/-O3/"  # markets.buyma.search_page.search_url's path, price ascending
OWN_BUYER_ID = "9000001"  # ours, by default; never one of catalog.RIVAL_BUYERS
OWN_BUYER_NAME = "YOOINI SAMPLE SHOP"
_SEARCH_PATH = re.compile(r"^/r/-O3/(?P<keywords>[^/]+)/?$")


def render_search(
    catalog: SampleCatalog, model_number: str, own_buyer_id: str = OWN_BUYER_ID
) -> str:
    """The search page for ``model_number`` (or for keywords holding one, such as "NIKE
    FQ2494-010"): the catalogue's ``competitor`` listings, or no result for a model number the
    catalogue does not have. Our own listing shows under ``own_buyer_id``."""
    if not str(own_buyer_id).strip():
        raise ValueError("own_buyer_id must not be empty")
    product = catalog.by_model_number(model_number)
    if product is None:
        product = next(
            (found for word in model_number.split() if (found := catalog.by_model_number(word))),
            None,
        )
    listings = catalog.competitor(product).listings if product is not None else ()
    own = quote(str(own_buyer_id).strip(), safe="")
    items = "".join(_item(listing, own) for listing in listings)
    return (
        '<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(model_number)}の検索結果 | BUYMA</title>\n</head>\n<body>\n"
        '<div id="n_ResultArea">\n'
        f'<div class="ResultSummary">検索結果 {len(listings):,}件</div>\n'
        f'<ul class="product_list">\n{items}</ul>\n</div>\n</body>\n</html>\n'
    )


def keywords_of(path: str) -> str | None:
    """The search keywords of a search path ``/r/-O3/<keywords>/``; None for another path."""
    match = _SEARCH_PATH.match(path)
    return " ".join(unquote(match["keywords"]).split()) if match else None


def _item(listing: BuymaListing, own_buyer_id: str) -> str:
    buyer_id = own_buyer_id if listing.own else listing.buyer_id
    buyer_name = OWN_BUYER_NAME if listing.own else listing.buyer_name
    link = f"/item/{listing.item_id}/"
    title = escape(listing.title)
    used = '<span class="product_used_tag">中古</span>' if listing.used else ""
    return (
        f'<li class="product js-psnlz-item" item-id="{listing.item_id}">'
        f'<div class="product_img"><a href="{link}"><img alt="{title}"></a></div>'
        f'<div class="product_lower_wrap"><div class="product_name"><a href="{link}">{title}</a>'
        f'</div>{used}<div class="product_price"><span class="Price_Txt">¥{listing.price_jpy:,}'
        '</span></div><div class="product_Buyer">'
        f'<a href="/buyer/{buyer_id}.html">{escape(buyer_name)}</a></div></div></li>\n'
    )
