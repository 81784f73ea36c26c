"""BUYMA, the Japanese marketplace we list on: public search pages (competitor prices)."""

from markets.buyma.errors import BuymaPageError, NotASearchPageError
from markets.buyma.search_page import (
    CompetitorOffer,
    cheapest_competitor,
    parse_search_page,
    search_url,
)

__all__ = [
    "BuymaPageError",
    "CompetitorOffer",
    "NotASearchPageError",
    "cheapest_competitor",
    "parse_search_page",
    "search_url",
]
