"""Suppliers (who we read products from, and how) and the webhook deliveries they push.

A supplier's ``name`` is its key everywhere: the partition of the collect workflow, the
``source_system`` of its records in source data, the path of its webhook. Its credentials are
stored encrypted (``yooini.crypto``) and are read and written only through the services; ``cursor``
is the engine's memory of the last finished read (the connector keeps none).
"""

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

# source_system is 50 characters; the name also goes into a URL path and a resource name.
NAME_MAX = 50
name_validator = RegexValidator(
    r"^[\w][\w.-]*\Z", "Letters, digits, '_', '-' and '.' only (no spaces or slashes)."
)


class Supplier(models.Model):
    """One supplier: a connector ``kind`` with its ``settings`` (plain JSON, never secret)
    and its credentials (encrypted; see ``services.supplier_credentials``)."""

    name = models.CharField(max_length=NAME_MAX, unique=True, validators=[name_validator])
    kind = models.CharField(max_length=50)
    settings = models.JSONField(default=dict, blank=True)
    # Fernet ciphertext of a JSON object; "" when the supplier has no credentials.
    credentials_encrypted = models.TextField(blank=True, default="", editable=False)
    enabled = models.BooleanField(default=True)
    # The next_cursor of the last finished read ("changed since" for incremental kinds),
    # written by the collect stage only.
    cursor = models.JSONField(null=True, blank=True, editable=False)
    cursor_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(editable=False)
    updated_at = models.DateTimeField(editable=False)

    class Meta:
        db_table = "yooini_supplier"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Supplier {self.name!r} kind={self.kind!r}>"

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", "received"
    PROCESSED = "processed", "processed"


class WebhookDelivery(models.Model):
    """One signed push from a supplier, stored as it came before anything else is done.

    ``(supplier, event_id)`` is unique: the sender's event id is how a replay is recognized.
    ``body`` is the payload text exactly as received (its ``body_sha256`` tells a retry of
    the same delivery from a different payload reusing an id). ``result`` holds the upsert
    counts and ``rejected`` the products that could not be stored, with why.
    """

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    received_at = models.DateTimeField()
    body = models.TextField()
    body_sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    rejected = models.JSONField(default=list, blank=True)

    class Meta:
        db_table = "yooini_webhook_delivery"
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["supplier", "event_id"], name="webhook_delivery_once"),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="webhook_delivery_status")]

    def __str__(self) -> str:
        return f"{self.supplier_id}:{self.event_id} {self.status}"


class SupplierBrand(models.Model):
    """One brand of one supplier collected as its own unit: a partition of the BUYMA workflow
    ("okmall/NIKE"), so one brand's failure or slowness never holds up the others.

    ``brand`` is written as the supplier writes it (okmall: "나이키(NIKE)"); empty means every
    brand of the supplier (a feed that is read whole). ``label`` names the unit in partitions,
    events and the dashboard; it is unique per supplier.
    """

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="brands")
    brand = models.CharField(max_length=200, blank=True, default="")
    label = models.CharField(max_length=100, validators=[name_validator])
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(editable=False, default=timezone.now)

    class Meta:
        db_table = "yooini_supplier_brand"
        ordering = ("supplier__name", "label")
        constraints = [
            models.UniqueConstraint(fields=["supplier", "label"], name="supplier_brand_label"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier.name}/{self.label}"
