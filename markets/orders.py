"""The market order contract, beside the listing one (``markets.contract``).

A market that takes orders gives its ``MarketKind`` an ``orders`` builder: one account's
``OrderConnector`` (no Django). It lists new and changed order lines incrementally with the
market's own paging token, acknowledges lines (the seller has seen them and will ship), and
sends tracking numbers. Buyer details travel in ``Buyer`` (left out of every ``repr``); the
orders app encrypts them before they are stored.

Market-neutral line statuses a connector reports (``MarketLineStatus``): ``new`` (paid, not yet
acknowledged), ``acknowledged``, ``shipped``, ``delivered``, ``cancel_requested`` (the buyer
asked, the market has not decided), ``cancelled``, ``returned``.

Errors are the listing contract's: ``MarketUnavailable`` (retry later), ``MarketAuthError``
(fix the credentials), ``ListingRejected`` (this request will be refused again; the message
names the field).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "Buyer",
    "LineOutcome",
    "MarketLineStatus",
    "MarketOrder",
    "MarketOrderLine",
    "OrderConnector",
    "OrderPage",
    "Tracking",
]


class MarketLineStatus(enum.StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCEL_REQUESTED = "cancel_requested"
    CANCELLED = "cancelled"
    RETURNED = "returned"


@dataclass(frozen=True)
class Buyer:
    """Personal data: never in a ``repr``, a log line or an error."""

    name: str = field(default="", repr=False)
    phone: str = field(default="", repr=False)
    address: str = field(default="", repr=False)
    zip_code: str = field(default="", repr=False)

    def as_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "phone": self.phone,
            "address": self.address,
            "zip_code": self.zip_code,
        }


@dataclass(frozen=True)
class MarketOrderLine:
    """One line as the market has it. ``line_id`` is the market's id of the line (unique per
    account); ``reference_number`` our seller code for the product (the listing's), ``option``
    the option text the buyer chose; ``unit_price`` in the order's currency. ``market_data``
    holds the ids the market wants back to acknowledge or ship it (JSON, no personal data)."""

    line_id: str
    reference_number: str
    product_name: str
    option: str
    quantity: int
    unit_price: int
    status: MarketLineStatus
    market_data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MarketOrder:
    order_id: str
    ordered_at: str  # ISO 8601
    currency: str
    buyer: Buyer
    lines: tuple[MarketOrderLine, ...]


@dataclass(frozen=True)
class OrderPage:
    """One page of ``changed_orders``: the orders, the token to pass next (JSON, stored per
    account between runs) and whether more pages are ready now. ``rejected``: orders of the
    page that could not be read, each as "where: what is wrong" (ids and field names only,
    never the buyer); the others of the page go on."""

    orders: tuple[MarketOrder, ...]
    token: Mapping[str, Any]
    more: bool
    rejected: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tracking:
    """A shipment: the parcel company's code in the market's list (CJGLS, ...) and the
    invoice number."""

    company: str
    number: str


@dataclass(frozen=True)
class LineOutcome:
    """A market's answer for one line of a batch call: ``ok``, or the market's reason."""

    line_id: str
    ok: bool
    message: str = ""


@runtime_checkable
class OrderConnector(Protocol):
    """One account's order API.

    ``changed_orders(token)``: the next page of orders created or changed since ``token``
    (``{}`` on the first run); the page's ``token`` is stored and passed next time, so a rerun
    reads nothing twice and misses nothing (a line read twice is harmless: the orders app keys
    lines by the market's line id).
    ``acknowledge(lines)``: tell the market the seller accepted them.
    ``ship(line, tracking)``: send the tracking number of a line.
    Both answer one ``LineOutcome`` per line (a refused line does not stop the others).
    """

    kind: str

    def changed_orders(self, token: Mapping[str, Any]) -> OrderPage: ...

    def acknowledge(self, lines: Sequence[MarketOrderLine]) -> list[LineOutcome]: ...

    def ship(self, line: MarketOrderLine, tracking: Tracking) -> LineOutcome: ...

    def close(self) -> None: ...
