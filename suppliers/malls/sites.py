"""The malls the ``mall`` connector can crawl, by name: their parsers and their URL shapes.

A third mall is one parser module (``parse_listing`` and ``parse_product``, see docs/malls.md)
and one line in ``SITES``. Pure data: nothing here fetches a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from suppliers.malls import okmall, wconcept
from suppliers.malls.product import ListingPage, MallProduct


@dataclass(frozen=True)
class MallSite:
    """Where a mall keeps its pages and how to read them.

    ``origin`` serves the product pages and ``listing_origin`` the listing pages (W Concept's
    search lives on another host). ``listing_path`` is the path and query of a brand's first
    listing page, with ``{brand}`` replaced by the URL-quoted brand. ``product_path`` is the
    path of a product page, with ``{id}`` replaced by the product id. ``product_id`` is a regular
    expression that every product id of the mall matches in full. Keys that do not match it
    are never requested.
    """

    name: str
    origin: str
    listing_origin: str
    listing_path: str
    product_path: str
    product_id: str
    parse_listing: Callable[[str, str], ListingPage]
    parse_product: Callable[[str, str], MallProduct]

    def listing_path_for(self, brand: str) -> str:
        return self.listing_path.format(brand=quote(brand, safe=""))

    def product_path_for(self, product_id: str) -> str:
        return self.product_path.format(id=quote(product_id, safe=""))

    def is_product_id(self, value: str) -> bool:
        return re.fullmatch(self.product_id, value) is not None


SITES: dict[str, MallSite] = {
    site.name: site
    for site in (
        MallSite(
            "okmall",
            "https://www.okmall.com",
            "https://www.okmall.com",
            "/products/list?brand={brand}",
            "/products/view?no={id}",
            r"\d{1,12}",
            okmall.parse_listing,
            okmall.parse_product,
        ),
        # "brands" are search keywords here: the search page is W Concept's listing.
        MallSite(
            "wconcept",
            "https://www.wconcept.co.kr",
            "https://display.wconcept.co.kr",
            "/search?keyword={brand}&type=direct",
            "/Product/{id}",
            r"\d{1,12}",
            wconcept.parse_listing,
            wconcept.parse_product,
        ),
    )
}


def site_for(name: str) -> MallSite:
    """The site called ``name``; raises ``KeyError`` naming the known malls."""
    try:
        return SITES[name]
    except KeyError:
        raise KeyError(f"unknown mall {name!r}; known malls: {', '.join(sorted(SITES))}") from None
