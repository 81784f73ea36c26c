"""API tokens in the admin: who has which (by prefix), revocable, never the key or digest."""

from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "created_at")
    list_filter = ("user",)
    fields = ("prefix", "user", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request):  # issued by `yooini user NAME --token`, shown once
        return False

    def has_change_permission(self, request, obj=None):
        return False
