"""Admin: suppliers with write-only credentials, and the webhook deliveries they sent.

Credentials can be set or cleared here but never read back: the change page shows only
whether some are stored, the input never re-renders what was typed (not even when the form
has an error), and the admin's history records the field's name, not its value.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse

from yooini.crypto import credentials_form_value

from .connectors import kinds
from .models import Supplier, SupplierBrand, WebhookDelivery
from .services import supplier_cursor_reset, supplier_save, supplier_set_credentials


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that always renders empty, so a submitted secret never comes back."""

    def format_value(self, value):
        return None


class SupplierForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=())
    new_credentials = forms.JSONField(
        label="Set credentials",
        required=False,
        widget=WriteOnlyTextarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text='A JSON object, e.g. {"token": "..."}; replaces the stored credentials. '
        "Leave empty to keep them. Never shown again.",
    )
    clear_credentials = forms.BooleanField(label="Remove the stored credentials", required=False)

    class Meta:
        model = Supplier
        fields = ("name", "kind", "settings", "enabled")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, k) for k in kinds()]

    def clean_new_credentials(self):
        return credentials_form_value(self.cleaned_data.get("new_credentials"))


class SupplierBrandInline(admin.TabularInline):
    """The brand units collected one by one (partitions "supplier/label")."""

    model = SupplierBrand
    fields = ("brand", "label", "enabled")
    extra = 0


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    form = SupplierForm
    inlines = (SupplierBrandInline,)
    list_display = ("name", "kind", "enabled", "credentials_status", "cursor_updated_at")
    list_filter = ("kind", "enabled")
    search_fields = ("name",)
    readonly_fields = (
        "credentials_status",
        "webhook_path",
        "cursor",
        "cursor_updated_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("name", "kind", "settings", "enabled")}),
        (
            "Credentials",
            {"fields": ("credentials_status", "new_credentials", "clear_credentials")},
        ),
        ("State", {"fields": ("webhook_path", "cursor", "cursor_updated_at")}),
        ("Timestamps", {"fields": ("created_at", "updated_at")}),
    )
    actions = ("reset_cursor",)

    @admin.display(description="credentials")
    def credentials_status(self, obj: Supplier) -> str:
        return "stored (encrypted)" if obj.has_credentials else "none"

    @admin.display(description="webhook")
    def webhook_path(self, obj: Supplier) -> str:
        return reverse("suppliers:webhook", args=[obj.name]) if obj.pk else "-"

    def save_model(self, request, obj, form, change) -> None:
        supplier_save(supplier=obj)
        if form.cleaned_data.get("clear_credentials"):
            supplier_set_credentials(supplier=obj, credentials={})
        elif form.cleaned_data.get("new_credentials"):
            supplier_set_credentials(supplier=obj, credentials=form.cleaned_data["new_credentials"])

    @admin.action(description="Forget the cursor (the next run reads everything)")
    def reset_cursor(self, request, queryset) -> None:
        for supplier in queryset:
            supplier_cursor_reset(supplier=supplier)
        self.message_user(request, f"Cursor reset for {queryset.count()} supplier(s).")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("supplier", "event_id", "status", "received_at", "processed_at")
    list_filter = ("status", "supplier")
    list_select_related = ("supplier",)
    search_fields = ("=event_id",)
    ordering = ("-id",)
    readonly_fields = tuple(f.name for f in WebhookDelivery._meta.concrete_fields)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
