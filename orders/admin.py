"""Admin: order lines with their events, purchases and requests, read-only except what a
person decides: clearing ``attention`` once the line is dealt with, and a purchase's outcome
after checking the supplier. The buyer is never shown here (the API shows it to operators)."""

from __future__ import annotations

from django.contrib import admin

from .models import OrderEvent, OrderLine, OrderRequest, Purchase
from .services import line_note


class EventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ("at", "status_from", "status_to", "source", "cause")
    readonly_fields = fields


class RequestInline(admin.TabularInline):
    model = OrderRequest
    extra = 0
    can_delete = False
    fields = ("at", "kind", "target", "status_code", "body", "result", "error")
    readonly_fields = fields


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    list_display = ("market_line_id", "account", "product_name", "quantity", "status", "attention")
    list_filter = ("status", "account__market", "account")
    search_fields = ("market_line_id", "order__market_order_id", "reference_number")
    fields = (
        "account",
        "order",
        "market_line_id",
        "reference_number",
        "listing",
        "product_name",
        "option",
        "quantity",
        "unit_price",
        "currency",
        "status",
        "market_status",
        "cancel_requested",
        "tracking_company",
        "tracking_number",
        "attention",
    )
    readonly_fields = tuple(f for f in fields if f != "attention")
    inlines = (EventInline, RequestInline)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: OrderLine, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "attention" in form.changed_data:
            what = "cleared the flag" if not obj.attention else f"flagged: {obj.attention}"
            line_note(obj, cause=f"{request.user.get_username()} {what}", source="person")


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = ("request_key", "supplier", "status", "supplier_order_id", "requested_at")
    list_filter = ("status", "supplier")
    search_fields = ("request_key", "supplier_order_id")
    fields = (
        "line",
        "supplier",
        "item_key",
        "option_key",
        "quantity",
        "request_key",
        "status",
        "supplier_order_id",
        "sheet_file",
        "error",
        "requested_at",
        "answered_at",
    )
    readonly_fields = tuple(f for f in fields if f not in ("status", "supplier_order_id"))

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
