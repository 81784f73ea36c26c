"""Admin: browse source data and lineage. Rows are written by the services, so the admin
adds and deletes nothing and edits only the processing status (to re-queue a record)."""

from django.contrib import admin

from .models import DataLineage, SourceData


@admin.register(SourceData)
class SourceDataAdmin(admin.ModelAdmin):
    list_display = (
        "source_system",
        "source_id",
        "source_type",
        "version",
        "is_current",
        "processing_status",
        "batch_id",
        "last_seen_at",
    )
    list_filter = ("source_type", "source_system", "processing_status", "is_current")
    search_fields = ("source_id", "=content_hash", "=batch_id")
    ordering = ("-id",)
    show_full_result_count = False  # COUNT(*) over millions of rows on every page is slow
    readonly_fields = tuple(
        f.name for f in SourceData._meta.concrete_fields if f.name != "processing_status"
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DataLineage)
class DataLineageAdmin(admin.ModelAdmin):
    list_display = ("parent", "transformation", "child", "created_at")
    list_filter = ("transformation",)
    list_select_related = ("parent", "child")
    raw_id_fields = ("parent", "child")
    readonly_fields = ("parent", "child", "transformation", "metadata", "created_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
