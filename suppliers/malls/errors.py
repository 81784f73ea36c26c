"""The one error a mall parser raises when a page does not hold what it must."""

from __future__ import annotations


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
