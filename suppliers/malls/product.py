"""What a mall parser returns: a product page as ``MallProduct``, a listing page as ``ListingPage``.

Plain frozen dataclasses with no Django import, so the COLLECT stage can store them however it
likes and tests can compare them directly. Prices are whole KRW; a value the page does not show
is ``None``, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class MallOption:
    """One purchasable variant (a colour/size pair) of a mall product.

    ``stock`` is the count the page shows, ``0`` when the option is sold out, ``None`` when the
    mall shows availability but no count. ``sold_out`` is the authority for availability; a
    consumer never has to infer it from ``stock``. ``price`` is the option's own price when the
    page gives one (okmall options can cost more than the base price).
    """

    color: str | None
    size: str | None
    stock: int | None
    option_code: str | None
    sold_out: bool
    price: int | None = None
    measured_size: str | None = None


@dataclass(frozen=True, slots=True)
class MallProduct:
    """A product detail page, as the mall shows it.

    Invariants the parsers guarantee: ``product_id``, ``name`` and ``price`` (> 0) are present,
    otherwise they raise ``ParseError``. ``list_price`` is the undiscounted reference price
    (okmall "정찰 판매가", W Concept "정상가") or ``None`` when not shown. ``category`` is the
    mall's own path, outermost first. ``image_urls`` are absolute and de-duplicated, in page order.
    ``sold_out`` is True when every option is sold out or the page says the product is.
    ``extras`` holds mall-specific values that may be useful downstream (season, Korean brand
    name, coupon price, ...); nothing in it is required.
    """

    mall: str
    product_id: str
    url: str
    name: str
    brand: str | None
    model_number: str | None
    price: int
    list_price: int | None
    currency: str
    category: tuple[str, ...]
    options: tuple[MallOption, ...]
    image_urls: tuple[str, ...]
    sold_out: bool
    extras: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ListingItem:
    """One product card on a listing page.

    ``price`` (KRW) and ``sizes`` (the sizes the card says can be bought now) are what the card
    shows, ``None`` when it shows nothing: enough to tell whether a known product changed without
    fetching its page.
    """

    product_id: str
    url: str
    price: int | None = None
    sizes: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ListingPage:
    """The product cards on one listing (brand or search-result) page.

    ``items`` keeps page order without duplicates. ``next_page_url`` is absolute, or ``None`` on
    the last page or when the mall pages on the client side. ``total_count`` is the mall's own
    count of all matching products (every page), or ``None`` when the page does not show it.
    """

    mall: str
    url: str
    items: tuple[ListingItem, ...]
    next_page_url: str | None
    total_count: int | None

    @property
    def product_ids(self) -> tuple[str, ...]:
        return tuple(item.product_id for item in self.items)

    @property
    def product_urls(self) -> tuple[str, ...]:
        return tuple(item.url for item in self.items)
