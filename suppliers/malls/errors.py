"""The one error a mall parser raises when a page does not hold what it must, and the guard
that keeps it the only one."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

_Parser = TypeVar("_Parser", bound=Callable)


class ParseError(Exception):
    """A required field could not be read from a mall page.

    Raised instead of returning a half-filled product, so that a block page, a login wall, a
    redirect to another product or a layout change is never stored as real data (a missing
    price read as 0 would list the item for free). ``field`` names what was missing, ``url``
    which page it was missing from.
    """

    def __init__(self, *, mall: str, url: str, field: str, reason: str) -> None:
        self.mall = mall
        self.url = url
        self.field = field
        self.reason = reason
        super().__init__(f"{mall}: cannot read {field!r} from {url}: {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only __init__ breaks the default pickling, which Celery needs to ship errors.
        return (_rebuild, (self.mall, self.url, self.field, self.reason))


def _rebuild(mall: str, url: str, field: str, reason: str) -> ParseError:
    return ParseError(mall=mall, url=url, field=field, reason=reason)


# What a parser's own code raises on a page nobody foresaw: a link ``urljoin`` refuses
# (ValueError), ld+json nested past Python's recursion limit, a number too big for a float.
_UNFORESEEN = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,
)


def parser_guard(mall: str) -> Callable[[_Parser], _Parser]:
    """Make a ``parse_*(html, url)`` function raise only ``ParseError``: a page that breaks the
    parser in an unforeseen way is one unreadable page, never an exception that stops the
    crawl of the brand around it. The reason names the exception, not the page's text."""

    def decorate(parse: _Parser) -> _Parser:
        @functools.wraps(parse)
        def guarded(html: str, url: str):
            try:
                return parse(html, url)
            except ParseError:
                raise
            except _UNFORESEEN as exc:
                raise ParseError(
                    mall=mall,
                    url=url,
                    field="page",
                    reason=f"the page breaks the parser ({type(exc).__name__})",
                ) from None

        return guarded

    return decorate
