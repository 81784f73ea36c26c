"""Reads of suppliers and their webhook deliveries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from .models import Supplier, SupplierBrand, WebhookDelivery


class SupplierNotFound(LookupError):
    """No supplier of that name, or (when asked for an enabled one) it is disabled."""


def supplier_get(*, name: str, enabled: bool | None = None) -> Supplier:
    """The supplier called ``name``; with ``enabled=True`` only if it is enabled.

    Raises ``SupplierNotFound``: the same error for unknown and disabled, so a caller that
    answers the outside world cannot tell one from the other.
    """
    query = Supplier.objects.filter(name=name)
    if enabled is not None:
        query = query.filter(enabled=enabled)
    supplier = query.first()
    if supplier is None:
        raise SupplierNotFound(f"no {'enabled ' if enabled else ''}supplier named {name!r}")
    return supplier


def supplier_names_enabled(*, only: Iterable[str] | None = None) -> list[str]:
    """Names of the enabled suppliers, sorted; restricted to ``only`` when given."""
    query = Supplier.objects.filter(enabled=True)
    if only is not None:
        query = query.filter(name__in=list(only))
    return list(query.order_by("name").values_list("name", flat=True))


def webhook_deliveries(*, supplier: Supplier) -> QuerySet[WebhookDelivery]:
    """A supplier's deliveries, newest first."""
    return WebhookDelivery.objects.filter(supplier=supplier).order_by("-received_at", "-id")


def webhook_deliveries_unprocessed() -> QuerySet[WebhookDelivery]:
    """Deliveries stored but not processed (the process died in between), oldest first."""
    return WebhookDelivery.objects.filter(processed_at__isnull=True).order_by("id")


@dataclass(frozen=True)
class CollectUnit:
    """What one partition collects: a supplier, and one of its brands ("" = all of them)."""

    supplier: str
    brand: str = ""
    label: str = ""

    @property
    def partition(self) -> str:
        return f"{self.supplier}/{self.label}" if self.label else self.supplier


def collect_units_enabled(*, only: Iterable[str] | None = None) -> list[CollectUnit]:
    """The enabled brand units of the enabled suppliers, sorted by partition; restricted to
    the partitions (or supplier names) in ``only`` when given."""
    rows = SupplierBrand.objects.filter(enabled=True, supplier__enabled=True).values_list(
        "supplier__name", "brand", "label"
    )
    units = sorted((CollectUnit(*row) for row in rows), key=lambda unit: unit.partition)
    if only is not None:
        wanted = set(only)
        units = [u for u in units if u.partition in wanted or u.supplier in wanted]
    return units


def collect_unit_for(partition: str) -> CollectUnit:
    """The unit a partition names: "okmall/NIKE" (a brand unit) or "okmall" (the whole
    supplier). Raises ``SupplierNotFound`` for an unknown unit."""
    supplier, _, label = partition.partition("/")
    if not label:
        supplier_get(name=supplier)
        return CollectUnit(supplier=supplier)
    unit = SupplierBrand.objects.filter(supplier__name=supplier, label=label).first()
    if unit is None:
        raise SupplierNotFound(f"no brand unit {partition!r}")
    return CollectUnit(supplier=supplier, brand=unit.brand, label=label)
