"""Admin: market accounts with write-only credentials, listings and their request log.

Credentials can be set or cleared but never read back: the change page shows only whether
some are stored and the input never re-renders what was typed. Listings and requests are
read-only here: they change through the services (REGISTER, webhooks), which keep the audit
log consistent.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse

from yooini.crypto import credentials_form_value

from .models import CategoryOrigin, Listing, ListingRequest, MarketAccount, MarketCategoryMapping
from .services import market_account_save, market_account_set_credentials


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that always renders empty, so a submitted secret never comes back."""

    def format_value(self, value):
        return None


class MarketAccountForm(forms.ModelForm):
    new_credentials = forms.JSONField(
        label="Set credentials",
        required=False,
        widget=WriteOnlyTextarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text='A JSON object, e.g. {"client_id": "...", "client_secret": "...", '
        '"access_token": "...", "refresh_token": "...", "webhook_secret": "..."}; replaces '
        "the stored credentials. Leave empty to keep them. Never shown again.",
    )
    clear_credentials = forms.BooleanField(label="Remove the stored credentials", required=False)

    class Meta:
        model = MarketAccount
        fields = ("name", "market", "enabled", "dry_run", "settings")

    def clean_new_credentials(self):
        return credentials_form_value(self.cleaned_data.get("new_credentials"))


@admin.register(MarketAccount)
class MarketAccountAdmin(admin.ModelAdmin):
    form = MarketAccountForm
    list_display = ("name", "market", "enabled", "dry_run", "credentials_status")
    list_filter = ("market", "enabled", "dry_run")
    search_fields = ("name",)
    readonly_fields = ("credentials_status", "webhook_path", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "market", "enabled", "dry_run", "settings")}),
        (
            "Credentials",
            {"fields": ("credentials_status", "new_credentials", "clear_credentials")},
        ),
        ("Webhook", {"fields": ("webhook_path",)}),
        ("Timestamps", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="credentials")
    def credentials_status(self, obj: MarketAccount) -> str:
        return "stored (encrypted)" if obj.has_credentials else "none"

    @admin.display(description="webhook")
    def webhook_path(self, obj: MarketAccount) -> str:
        if not obj.pk:
            return "-"
        try:
            return reverse("markets:buyma-webhook", args=[obj.name])
        except Exception:  # the project's urls do not include markets.urls
            return f"/hooks/buyma/{obj.name}/ (include markets.urls in the project's urls)"

    def save_model(self, request, obj, form, change) -> None:
        market_account_save(account=obj)
        if form.cleaned_data.get("clear_credentials"):
            market_account_set_credentials(account=obj, credentials={})
        elif form.cleaned_data.get("new_credentials"):
            market_account_set_credentials(
                account=obj, credentials=form.cleaned_data["new_credentials"]
            )


class ListingRequestInline(admin.TabularInline):
    model = ListingRequest
    fields = ("kind", "at", "dry_run", "method", "path", "status_code", "request_uid", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-id",)
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = (
        "reference_number",
        "account",
        "status",
        "external_id",
        "price",
        "source_key",
        "updated_at",
    )
    list_filter = ("status", "account")
    list_select_related = ("account",)
    search_fields = ("=reference_number", "=external_id", "source_key")
    readonly_fields = tuple(f.name for f in Listing._meta.concrete_fields)
    inlines = (ListingRequestInline,)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ListingRequest)
class ListingRequestAdmin(admin.ModelAdmin):
    list_display = ("listing", "kind", "at", "dry_run", "status_code", "request_uid")
    list_filter = ("kind", "dry_run", "status_code")
    list_select_related = ("listing",)
    search_fields = ("=request_uid", "=listing__reference_number")
    readonly_fields = tuple(f.name for f in ListingRequest._meta.concrete_fields)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MarketCategoryMapping)
class MarketCategoryMappingAdmin(admin.ModelAdmin):
    """Our categories -> each market's category codes. A row saved here is a person's and
    the shipped defaults never overwrite it."""

    list_display = ("market", "category", "code", "label", "origin", "updated_at")
    list_filter = ("market", "origin")
    search_fields = ("category", "code", "label")
    readonly_fields = ("origin", "updated_at")

    def save_model(self, request, obj, form, change) -> None:
        obj.origin = CategoryOrigin.PERSON
        obj.full_clean()
        super().save_model(request, obj, form, change)
