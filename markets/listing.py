"""What the pipeline hands to a marketplace: a listing's content, market-neutral, and the errors
a market raises.

The REGISTER stage builds a ``ListingContent`` from the converted, priced product and calls
``markets.services.listing_publish``. Nothing here knows BUYMA's field names: the market's
payload module turns the content into its request body. The errors are shared by every market
so the engine's retry policy can tell "try again later" (``MarketUnavailable``) from "this body
will never be accepted" (``ListingRejected``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

OPTION_TYPES = ("color", "size")
STOCK_TYPES = ("stock_in_hand", "purchase_for_order", "out_of_stock")


@dataclass(frozen=True)
class ListingOption:
    """A colour or size the product comes in; ``master_id`` is the market's id for it (0 when
    the market has none), ``position`` its 1-based place among the options of its type."""

    type: str
    value: str
    position: int
    master_id: int = 0


@dataclass(frozen=True)
class ListingVariant:
    """One buyable combination of options, e.g. ``(("color", "Black"), ("size", "M"))``.

    ``stock_type`` is ``stock_in_hand`` (``stocks`` pieces on hand), ``purchase_for_order``
    (bought after the order; ``stocks`` is None) or ``out_of_stock``.
    """

    options: tuple[tuple[str, str], ...]
    stock_type: str
    stocks: int | None = None


@dataclass(frozen=True)
class ListingContent:
    """Everything a listing shows, in one market's terms: ``brand_id`` and ``category_id`` are
    that market's ids (``brand_id`` 0 when it has none), ``price`` is in ``currency`` (the
    market's), ``list_price`` the price before discount when the market shows one, ``images``
    public URLs in order, texts in the market's language. ``extra`` holds what a market needs
    beyond these (required notices and attributes, site categories), as its preparer made it.
    """

    reference_number: str
    source_key: str
    name: str
    comments: str
    brand_id: int
    brand_name: str
    category_id: int
    price: int
    images: tuple[str, ...]
    options: tuple[ListingOption, ...]
    variants: tuple[ListingVariant, ...]
    model_no: str | None = None
    season_id: int | None = None
    colorsize_comments: str = ""
    currency: str = "JPY"
    list_price: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def out_of_stock(self) -> bool:
        """True when no variant can be bought (a product with no variant counts as sold out)."""
        return all(v.stock_type == "out_of_stock" for v in self.variants)


class MarketError(Exception):
    """Something a market refused or could not do."""


class ListingRejected(MarketError):
    """The market (or the contract check before sending) refused the body: it will be refused
    again until the content changes. ``errors`` is ``{field: [messages]}``, every market's
    answer brought to that shape by its connector."""

    def __init__(
        self,
        errors: Mapping[str, list[str]],
        *,
        status_code: int | None = None,
        conflict: str | None = None,
    ):
        self.errors = {str(k): [str(m) for m in v] for k, v in errors.items()}
        self.status_code = status_code
        # "exists": the market already has this reference number (a create that did arrive);
        # "missing": it has no listing under it (an update of a create that never arrived).
        if conflict not in (None, "exists", "missing"):
            raise ValueError(f"conflict must be None, 'exists' or 'missing', not {conflict!r}")
        self.conflict = conflict
        super().__init__(rejection_text(self.errors))


class MarketUnavailable(MarketError):
    """Retryable: rate limited beyond what we wait for, a 5xx, or the network. ``retry_after``
    is the seconds the market asked us to wait (None when it did not say)."""

    def __init__(self, message: str, *, retry_after: float | None = None, status_code=None):
        self.retry_after = retry_after
        self.status_code = status_code
        super().__init__(message)


class MarketAuthError(MarketError):
    """The market refused our credentials (and a token refresh did not help): an operator has
    to authorize the account again. Never contains a token."""


@dataclass(frozen=True)
class PublishResult:
    """What ``listing_publish`` did for one content.

    ``action``: created, updated, price, stock, suspended, resume, unchanged, skipped,
    failed (refused: not sent again until the content changes) or unavailable (the market
    could not take it now: sent again by the stage's retry).
    """

    action: str
    listing: object | None = None
    error: str | None = None
    requests: int = 0
    detail: dict = field(default_factory=dict)


def rejection_text(errors: Mapping[str, list[str]]) -> str:
    """``"rejected: name: can't be blank; images[2].position: ..."`` (fields sorted)."""
    parts = [f"{name}: {', '.join(messages)}" for name, messages in sorted(errors.items())]
    return "rejected: " + "; ".join(parts) if parts else "rejected"
