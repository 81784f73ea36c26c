"""Marketplace accounts, our listings on them, and every request sent for a listing.

An account's ``settings`` are plain JSON (never secret); its credentials (OAuth client and
tokens, webhook secret) are encrypted with ``yooini.crypto`` and read only through
``services.market_account_credentials``. ``dry_run`` is on by default: a new account records
what it would send and sends nothing until someone turns it off.

A ``Listing`` is keyed by (account, reference_number): the reference number is ours, sent with
the create, so a listing can be found at the market before the market's own id
(``external_id``) is known. ``create_sent_at`` is written before a create goes out; from then on
the listing is only ever updated (never created twice), unless the market said it never got it.

``ListingRequest`` is the audit log: one row per request, written before the call (intent) and
completed after it, dry runs included, and one per webhook event received.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from suppliers.models import name_validator


def market_kind_validator(value: str) -> None:
    """A market kind the registry knows (built in or from the ``yooini.markets`` entry points)."""
    from .contract import kinds

    if value not in kinds():
        raise ValidationError(f"unknown market {value!r}; one of: {', '.join(kinds())}")


class MarketAccount(models.Model):
    """One seller account on one market."""

    name = models.CharField(max_length=50, unique=True, validators=[name_validator])
    market = models.CharField(max_length=20, validators=[market_kind_validator])
    enabled = models.BooleanField(default=True)
    dry_run = models.BooleanField(default=True)
    settings = models.JSONField(default=dict, blank=True)
    # Fernet ciphertext of a JSON object; "" when the account has no credentials.
    credentials_encrypted = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(editable=False)
    updated_at = models.DateTimeField(editable=False)

    class Meta:
        db_table = "yooini_market_account"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<MarketAccount {self.name!r} market={self.market!r} dry_run={self.dry_run}>"

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)


class ListingStatus(models.TextChoices):
    PENDING = "pending", "pending (create sent, result awaited)"
    PUBLISHED = "published", "published"
    FAILED = "failed", "failed"
    SUSPENDED = "suspended", "suspended"
    OUT_OF_STOCK = "out_of_stock", "out of stock"
    DELETED = "deleted", "deleted"
    DRY_RUN = "dry_run", "dry run (nothing sent)"
    # A create was sent, its answer was lost (the process died mid-call) and the market cannot
    # be asked by our reference number: a person checks the market before anything is sent.
    ATTENTION = "attention", "needs attention (a create's answer was lost)"


class Listing(models.Model):
    """Our listing of one product on one account."""

    account = models.ForeignKey(MarketAccount, on_delete=models.PROTECT, related_name="listings")
    reference_number = models.CharField(max_length=100)
    source_key = models.CharField(max_length=200, blank=True, default="")
    external_id = models.CharField(max_length=64, null=True, blank=True)
    # Every id the market gave (per option, per channel), merged from each answer.
    external_ids = models.JSONField(default=dict, blank=True)
    currency = models.CharField(max_length=3, default="JPY")
    status = models.CharField(max_length=16, choices=ListingStatus.choices)
    price = models.IntegerField(null=True, blank=True)
    stock = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, default="")
    # The fields fixed once published, as sent with the create (what the market holds).
    fixed = models.JSONField(default=dict, blank=True)
    request_uid = models.CharField(max_length=100, blank=True, default="")
    create_sent_at = models.DateTimeField(null=True, blank=True)
    price_decision = models.JSONField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "yooini_market_listing"
        ordering = ("account_id", "reference_number")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "reference_number"], name="market_listing_reference_once"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "status"], name="market_listing_status"),
            models.Index(fields=["source_key"], name="market_listing_source"),
        ]

    def __str__(self) -> str:
        return f"{self.reference_number} ({self.status})"

    def __repr__(self) -> str:
        return (
            f"<Listing {self.reference_number!r} status={self.status!r} "
            f"external_id={self.external_id!r}>"
        )

    @property
    def created_at_market(self) -> bool:
        """A create was sent (or the market knows the listing): never create it again."""
        return bool(self.external_id) or self.create_sent_at is not None


class RequestKind(models.TextChoices):
    CREATE = "create", "create"
    UPDATE = "update", "update"
    PRICE = "price", "price"
    STOCK = "stock", "stock"
    SUSPEND = "suspend", "suspend"
    RESUME = "resume", "resume"
    WEBHOOK = "webhook", "webhook event"


class ListingRequest(models.Model):
    """One request for a listing (or one webhook event about it). ``body`` is what was sent,
    never credentials; ``status_code`` is None until the answer is recorded (an intent whose
    process died mid-call stays that way); ``result`` summarizes the answer and, once the
    webhook arrives, the outcome."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(max_length=10, choices=RequestKind.choices)
    at = models.DateTimeField()
    dry_run = models.BooleanField(default=False)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=200)
    body = models.JSONField(default=dict, blank=True)
    status_code = models.IntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    request_uid = models.CharField(max_length=100, blank=True, default="")
    error = models.TextField(blank=True, default="")
    # sha256 of a webhook's event and body: a redelivered event is recognized by it.
    event_digest = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        db_table = "yooini_market_listing_request"
        ordering = ("listing_id", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "event_digest"], name="market_listing_event_once"
            ),
        ]
        indexes = [models.Index(fields=["request_uid"], name="market_request_uid")]

    def __str__(self) -> str:
        return f"{self.kind} {self.method} {self.path} {self.status_code}"


class CategoryOrigin(models.TextChoices):
    DEFAULT = "default", "shipped default"
    PERSON = "person", "set by a person"


class MarketCategoryMapping(models.Model):
    """Our category (``shoes/sneakers``, see ``source_data.normalize``) -> a market's category
    code. Each market ships defaults; a person corrects them in the admin, and a correction is
    never overwritten by the defaults again."""

    market = models.CharField(max_length=20, validators=[market_kind_validator])
    category = models.CharField(max_length=100)
    code = models.CharField(max_length=50)
    label = models.CharField(max_length=200, blank=True, default="")
    origin = models.CharField(
        max_length=10, choices=CategoryOrigin.choices, default=CategoryOrigin.PERSON
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "yooini_market_category_mapping"
        ordering = ("market", "category")
        constraints = [
            models.UniqueConstraint(fields=["market", "category"], name="market_category_once"),
        ]

    def __str__(self) -> str:
        return f"{self.market}: {self.category} -> {self.code}"
