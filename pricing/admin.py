"""Admin: pricing rules and FX rates are configuration; competitor prices are read-only.

The model's ``clean`` runs the checks of ``PricingInput``, so a rule the admin saves can
always price an item.
"""

from __future__ import annotations

from django.contrib import admin

from .models import CompetitorPrice, FxRate, PricingRule


@admin.register(PricingRule)
class PricingRuleAdmin(admin.ModelAdmin):
    list_display = (
        "scope_label",
        "buyma_fee_rate",
        "shipping_krw",
        "target",
        "minimum",
        "undercut_jpy",
        "rounding_step_jpy",
        "rounding_direction",
        "suspend_when_uncompetitive",
        "enabled",
    )
    list_filter = ("enabled", "suspend_when_uncompetitive")
    search_fields = ("supplier", "brand", "note")
    save_as = True  # a brand rule usually starts as a copy of the default one
    fieldsets = (
        ("Applies to (blank: any)", {"fields": ("supplier", "brand", "enabled", "note")}),
        ("Costs", {"fields": ("shipping_krw", "buyma_fee_rate", "duty_rate", "duty_jpy")}),
        (
            "Margins",
            {
                "fields": (
                    ("target_margin_kind", "target_margin"),
                    ("minimum_margin_kind", "minimum_margin"),
                )
            },
        ),
        (
            "Price",
            {
                "fields": (
                    "undercut_jpy",
                    ("rounding_step_jpy", "rounding_direction"),
                    "suspend_when_uncompetitive",
                )
            },
        ),
    )

    @admin.display(description="applies to")
    def scope_label(self, rule: PricingRule) -> str:
        return rule.scope_label

    @admin.display(description="target margin")
    def target(self, rule: PricingRule) -> str:
        return _margin(rule.target_margin_kind, rule.target_margin)

    @admin.display(description="minimum margin")
    def minimum(self, rule: PricingRule) -> str:
        return _margin(rule.minimum_margin_kind, rule.minimum_margin)


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):
    list_display = ("valid_from", "krw_per_jpy", "base", "quote", "source", "updated_at")
    date_hierarchy = "valid_from"
    readonly_fields = ("base", "quote", "updated_at")


@admin.register(CompetitorPrice)
class CompetitorPriceAdmin(admin.ModelAdmin):
    list_display = ("model_number", "market", "price_jpy", "seller_id", "fetched_at", "error")
    list_filter = ("market",)
    search_fields = ("model_number", "seller_id")
    date_hierarchy = "fetched_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def _margin(kind: str, value) -> str:
    if kind == "rate":
        return f"{(value * 100).normalize():f}%"
    return f"¥{value.normalize():,f}"
