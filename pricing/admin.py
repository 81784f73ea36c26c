"""Admin: pricing rules (per market) and FX rates are configuration; competitor prices are
read-only.

The model's ``clean`` runs the checks of ``PricingInput``, so a rule the admin saves can
always price an item.
"""

from __future__ import annotations

from django.contrib import admin

from pricing.money import money

from .models import CompetitorPrice, FxRate, MarginKind, PricingRule


@admin.register(PricingRule)
class PricingRuleAdmin(admin.ModelAdmin):
    list_display = (
        "market",
        "scope_label",
        "currency",
        "fee_rate",
        "shipping_krw",
        "target",
        "minimum",
        "undercut",
        "rounding_step",
        "rounding_direction",
        "suspend_when_uncompetitive",
        "enabled",
    )
    list_filter = ("market", "enabled", "suspend_when_uncompetitive")
    search_fields = ("market", "supplier", "brand", "note")
    save_as = True  # a brand rule usually starts as a copy of its market's default one
    fieldsets = (
        (
            "Applies to (supplier, brand blank: any)",
            {"fields": (("market", "currency"), "supplier", "brand", "enabled", "note")},
        ),
        ("Costs", {"fields": ("shipping_krw", "fee_rate", "duty_rate", "duty")}),
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
                    "undercut",
                    ("rounding_step", "rounding_direction"),
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
        return _margin(rule.target_margin_kind, rule.target_margin, rule.currency)

    @admin.display(description="minimum margin")
    def minimum(self, rule: PricingRule) -> str:
        return _margin(rule.minimum_margin_kind, rule.minimum_margin, rule.currency)


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):
    list_display = ("valid_from", "quote", "krw_per_unit", "base", "source", "updated_at")
    list_filter = ("quote",)
    date_hierarchy = "valid_from"
    readonly_fields = ("base", "updated_at")


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


def _margin(kind: str, value, currency: str) -> str:
    if kind == MarginKind.RATE:
        return f"{(value * 100).normalize():f}%"
    return money(value, currency)
