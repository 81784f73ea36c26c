"""The Django admin for what an operator edits by hand: schedules."""

from __future__ import annotations

from django.contrib import admin

from .models import Schedule
from .services.schedules import TIMING_FIELDS, schedule_reschedule


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "workflow",
        "mode",
        "schedule",
        "time_zone",
        "enabled",
        "next_run_at",
        "last_outcome",
    )
    list_filter = ("enabled", "workflow")
    search_fields = ("name", "workflow")
    readonly_fields = ("next_run_at", "last_fired_at", "last_batch_id", "last_outcome")
    fields = (
        "name",
        "workflow",
        "mode",
        "params",
        "cron",
        "every_seconds",
        "time_zone",
        "enabled",
        "misfire",
        "overlap",
        *readonly_fields,
    )

    @admin.display(description="schedule")
    def schedule(self, obj: Schedule) -> str:
        return f"cron {obj.cron}" if obj.cron else f"every {obj.every_seconds}s"

    def save_model(self, request, obj: Schedule, form, change: bool) -> None:
        # The form ran the model's clean(): the timing is valid. A new or retimed schedule
        # counts from now, so an edit never looks like a misfire.
        super().save_model(request, obj, form, change)
        if not change or TIMING_FIELDS & set(form.changed_data):
            schedule_reschedule(obj)
