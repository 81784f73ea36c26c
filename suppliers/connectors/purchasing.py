"""Buying from a supplier: what a connector with an order API offers (``PurchaseConnector``).

A supplier without one (a feed, a mall) gets an order sheet instead; ``purchases_supported``
tells which. The caller (``orders.purchase``) writes its record of the purchase, durably,
before ``order_create`` and never calls it twice for a line; after a lost answer it asks
``order_find(request_key)``: the supplier has the order (it arrived) or has not (it did not).

``order_create`` raises ``PurchaseRefused`` when the supplier refused this order for good (sold
out, an unknown option): nothing was bought, and sending it again would be refused again. Any
other error leaves the outcome unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from .contract import SourceError


class PurchaseRefused(SourceError):
    """The supplier refused the order; nothing was bought."""


@dataclass(frozen=True)
class Recipient:
    """Where the supplier ships: personal data, never in a ``repr``."""

    name: str = field(repr=False)
    phone: str = field(repr=False)
    address: str = field(repr=False)
    zip_code: str = field(repr=False)


@dataclass(frozen=True)
class PurchaseOrder:
    """One line bought: the supplier's item and option keys, how many, our ``request_key``
    (sent with the order, as its note, so it can be found again) and the recipient."""

    item_key: str
    option_key: str | None
    quantity: int
    request_key: str
    recipient: Recipient


@dataclass(frozen=True)
class SupplierOrder:
    key: str
    status: str
    note: str = ""
    tracking_company: str = ""
    tracking_number: str = ""
    cancellable: bool = False


@runtime_checkable
class PurchaseConnector(Protocol):
    def order_create(self, order: PurchaseOrder) -> SupplierOrder: ...

    def order_find(self, request_key: str, *, since: int) -> SupplierOrder | None: ...

    def order_get(self, key: str) -> SupplierOrder | None: ...

    def order_cancel(self, key: str) -> SupplierOrder: ...


def purchases_supported(connector: Any) -> bool:
    return isinstance(connector, PurchaseConnector)


def kind_takes_orders(kind: str) -> bool:
    """Whether connectors of ``kind`` have an order API (without building one: a mall's
    connector needs settings that buying does not)."""
    from .contract import _factory  # the registry's lookup, shared within this package

    return callable(getattr(_factory(kind), "order_create", None))
