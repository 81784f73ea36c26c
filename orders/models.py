"""Orders taken on the markets, their lines, each line's status timeline, the purchases made at
suppliers for them, and a log of every request sent about them.

A line is known by ``(account, market_line_id)``: reading it again from the market updates it
and never makes a second one. The buyer's name, phone and address are personal data: stored
only encrypted (``buyer_encrypted``, see ``orders.personal``), shown masked to viewers, never
written to a log, an error or a request log.
"""

from __future__ import annotations

from django.db import models

from markets.models import Listing, MarketAccount


class LineStatus(models.TextChoices):
    NEW = "new", "new"
    ACKNOWLEDGED = "acknowledged", "acknowledged"
    PURCHASED = "purchased", "purchased"
    SHIPPED = "shipped", "shipped"
    DELIVERED = "delivered", "delivered"
    CANCELLED = "cancelled", "cancelled"
    RETURNED = "returned", "returned"


class Order(models.Model):
    account = models.ForeignKey(MarketAccount, on_delete=models.PROTECT, related_name="orders")
    market_order_id = models.CharField(max_length=100)
    ordered_at = models.CharField(max_length=40, blank=True, default="")
    currency = models.CharField(max_length=3)
    # Fernet ciphertext of {"name", "phone", "address", "zip_code"}.
    buyer_encrypted = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "yooini_order"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "market_order_id"], name="order_unique_per_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.market_order_id}"

    def __repr__(self) -> str:  # never the buyer
        return f"<Order {self.pk} {self.market_order_id}>"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(MarketAccount, on_delete=models.PROTECT, related_name="+")
    market_line_id = models.CharField(max_length=100)
    reference_number = models.CharField(max_length=100, blank=True, default="")
    listing = models.ForeignKey(
        Listing, on_delete=models.SET_NULL, null=True, blank=True, related_name="order_lines"
    )
    product_name = models.CharField(max_length=300, blank=True, default="")
    option = models.CharField(max_length=200, blank=True, default="")
    quantity = models.PositiveIntegerField()
    unit_price = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=LineStatus.choices, default=LineStatus.NEW)
    # The market-neutral status the market last reported (markets.orders.MarketLineStatus).
    market_status = models.CharField(max_length=20, blank=True, default="")
    market_data = models.JSONField(default=dict, blank=True)
    cancel_requested = models.BooleanField(default=False)
    tracking_company = models.CharField(max_length=30, blank=True, default="")
    tracking_number = models.CharField(max_length=40, blank=True, default="")
    # What a person must look at before anything more is done for this line ("" when nothing).
    attention = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "yooini_order_line"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "market_line_id"], name="order_line_unique_per_account"
            )
        ]
        indexes = [models.Index(fields=["account", "status"], name="order_line_account_status")]

    def __str__(self) -> str:
        return f"{self.market_line_id} ({self.status})"

    @property
    def purchase_in_flight(self) -> bool:
        """A purchase request was written and its answer is not recorded yet."""
        return Purchase.objects.filter(line=self, status=PurchaseStatus.REQUESTED).exists()


class OrderEvent(models.Model):
    """One change of a line's status (or a note on it), with its cause."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    status_from = models.CharField(max_length=16, blank=True, default="")
    status_to = models.CharField(max_length=16)
    source = models.CharField(max_length=20)  # market, purchase, tracking, person
    cause = models.TextField()

    class Meta:
        db_table = "yooini_order_event"
        ordering = ["at", "id"]


class PurchaseStatus(models.TextChoices):
    REQUESTED = "requested", "requested (answer not recorded yet)"
    PLACED = "placed", "placed at the supplier"
    REFUSED = "refused", "refused by the supplier"
    ATTENTION = "attention", "outcome unknown: a person must check the supplier"
    SHEET = "sheet", "written to the supplier's order sheet"
    CANCELLED = "cancelled", "cancelled at the supplier"


class Purchase(models.Model):
    """The one purchase of a line at its supplier. Written, durably, before the supplier is
    called (one per line: the supplier is never asked twice), finished after."""

    line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="purchase")
    supplier = models.CharField(max_length=50)
    item_key = models.CharField(max_length=200)
    option_key = models.CharField(max_length=200, blank=True, default="")
    quantity = models.PositiveIntegerField()
    # Sent with the order so the supplier's own record can be found again after a lost answer.
    request_key = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=12, choices=PurchaseStatus.choices)
    supplier_order_id = models.CharField(max_length=100, blank=True, default="")
    error = models.TextField(blank=True, default="")
    # The order sheet a ``sheet`` purchase was written to ("" until it is).
    sheet_file = models.CharField(max_length=200, blank=True, default="")
    requested_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "yooini_order_purchase"


class RequestKind(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", "acknowledge"
    PURCHASE = "purchase", "purchase"
    LOOKUP = "lookup", "lookup"
    TRACKING = "tracking", "tracking"
    CANCEL = "cancel", "cancel"


class OrderRequest(models.Model):
    """One request about a line, to its market or its supplier. ``body`` never holds personal
    data (the buyer's fields are written ``***``); ``status_code`` None: no answer recorded."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(max_length=12, choices=RequestKind.choices)
    target = models.CharField(max_length=60)
    at = models.DateTimeField()
    body = models.JSONField(default=dict, blank=True)
    status_code = models.IntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        db_table = "yooini_order_request"
        ordering = ["at", "id"]


class OrderCursor(models.Model):
    """Where reading an account's orders stopped: the market's own paging token."""

    account = models.OneToOneField(
        MarketAccount, on_delete=models.CASCADE, related_name="order_cursor"
    )
    token = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "yooini_order_cursor"
