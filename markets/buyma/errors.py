"""Errors raised while reading BUYMA pages."""


class BuymaPageError(Exception):
    """A BUYMA page could not be read as the page we expected."""


class NotASearchPageError(BuymaPageError):
    """The HTML is not a BUYMA search-result page.

    Raised instead of returning ``[]`` so that a block page, a login wall, an item page or a
    layout change is never mistaken for "no competitor sells this model", which would let
    pricing drop the undercut and list at the full target price.
    """
