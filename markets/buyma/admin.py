"""Admin: the learned mappings, which a person reviews and corrects, and the master data,
read-only (only the loader writes it: ``yooini buyma_master load``).

Saving a mapping in the admin makes it a human mapping: a human row always wins over the
rules, so correcting a rule's row is just editing it here.
"""

from __future__ import annotations

from django.contrib import admin

from .models import (
    BuymaArea,
    BuymaBrand,
    BuymaCategory,
    BuymaColor,
    BuymaMapping,
    BuymaSeason,
    BuymaShippingService,
    BuymaSize,
    MappingOrigin,
)


@admin.register(BuymaMapping)
class BuymaMappingAdmin(admin.ModelAdmin):
    list_display = ("kind", "source_value", "target_id", "target", "origin", "updated_at")
    list_filter = ("kind", "origin")
    search_fields = ("source_value",)
    readonly_fields = ("origin", "updated_at")
    actions = ("confirm",)

    @admin.display(description="BUYMA name")
    def target(self, obj: BuymaMapping) -> str:
        model = {"brand": BuymaBrand, "category": BuymaCategory, "color": BuymaColor}.get(obj.kind)
        if model is None:
            category = obj.source_value.partition(":")[0]
            size = BuymaSize.objects.filter(
                category_id=int(category) if category.isdigit() else -1, size_id=obj.target_id
            ).first()
            return size.name if size else ("(no master size)" if obj.target_id == 0 else "?")
        found = model.objects.filter(id=obj.target_id).first()
        return str(found) if found else "? (not in the master data)"

    def save_model(self, request, obj, form, change):
        obj.origin = MappingOrigin.HUMAN
        super().save_model(request, obj, form, change)

    @admin.action(description="Confirm the selected rule mappings (make them human)")
    def confirm(self, request, queryset):
        updated = queryset.filter(origin=MappingOrigin.RULE).update(origin=MappingOrigin.HUMAN)
        self.message_user(request, f"{updated} mapping(s) confirmed.")


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BuymaBrand)
class BuymaBrandAdmin(_ReadOnly):
    list_display = ("id", "name", "limited")
    list_filter = ("limited",)
    search_fields = ("name",)


@admin.register(BuymaCategory)
class BuymaCategoryAdmin(_ReadOnly):
    list_display = ("id", "paths", "name", "limited")
    list_filter = ("limited",)
    search_fields = ("paths", "name")


@admin.register(BuymaColor)
class BuymaColorAdmin(_ReadOnly):
    list_display = ("id", "name")


@admin.register(BuymaSize)
class BuymaSizeAdmin(_ReadOnly):
    list_display = ("category_id", "size_id", "name")
    search_fields = ("name",)
    list_filter = ("category_id",)


admin.site.register(BuymaSeason, _ReadOnly)
admin.site.register(BuymaArea, _ReadOnly)
admin.site.register(BuymaShippingService, _ReadOnly)
