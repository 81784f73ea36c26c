"""Reads of suppliers and their webhook deliveries."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from .models import Supplier, WebhookDelivery


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
