"""The configuration pages: schedules and resources. Anyone signed in reads them; only an
admin enables, edits or resets (403 for anyone else, checked on every POST).

An edit writes the database row the engine reads: schedules are read by the scheduler on its
next wake, resource limits by the next claim round, so both take effect at once without a
restart, and the next run's ``resources_ensure`` / ``schedules_sync`` never overwrite a row.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access.decorators import role_required
from access.roles import Role
from orchestrator.core import breaker as br
from orchestrator.models import ResourceState, Schedule
from orchestrator.selectors import resources_usage, schedules_list
from orchestrator.services.resources import breaker_reset, resource_update_limits
from orchestrator.services.schedules import schedule_enable
from yooini.timefmt import FORMAT

from .forms_config import ResourceLimitsForm, ScheduleTimingForm
from .views_data import batch_url

# The badge colour of each breaker status (variables of dashboard.css).
BREAKER_COLOURS = {br.CLOSED: "--done", br.HALF_OPEN: "--blocked", br.OPEN: "--error"}


# --- schedules -----------------------------------------------------------------------------


def schedule_list(request):
    rows = []
    for schedule in schedules_list():
        rows.append(
            {
                "schedule": schedule,
                "next_local": _in_zone(schedule.next_run_at, schedule.time_zone),
                "last_fired_local": _in_zone(schedule.last_fired_at, schedule.time_zone),
                "batch_url": batch_url(schedule.last_batch_id),
            }
        )
    return render(request, "dashboard/config/schedule_list.html", {"rows": rows})


@role_required(Role.ADMIN)
@require_POST
def schedule_toggle(request, pk: int):
    schedule = get_object_or_404(Schedule, pk=pk)
    enabled = request.POST.get("enabled") == "1"
    schedule_enable(schedule.name, enabled)
    if enabled:
        messages.success(request, _("Schedule %(name)s enabled.") % {"name": schedule.name})
    else:
        messages.success(request, _("Schedule %(name)s disabled.") % {"name": schedule.name})
    return redirect("dashboard:schedules")


@role_required(Role.ADMIN)
def schedule_edit(request, pk: int):
    schedule = get_object_or_404(Schedule, pk=pk)
    form = ScheduleTimingForm(request.POST or None, schedule=schedule)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Schedule %(name)s saved.") % {"name": schedule.name})
        return redirect("dashboard:schedules")
    return render(
        request,
        "dashboard/config/schedule_edit.html",
        {"schedule": schedule, "form": form},
        status=400 if form.errors else 200,
    )


def _in_zone(moment: datetime | None, zone: str) -> str:
    if moment is None:
        return ""
    # An invalid zone is reported by validation; the time is shown in UTC meanwhile.
    with suppress(Exception):
        moment = moment.astimezone(ZoneInfo(zone))
    return f"{moment.strftime(FORMAT)} {moment.tzname() or ''}".strip()


# --- resources -----------------------------------------------------------------------------


def resource_list(request):
    rows = [
        {
            **usage,
            "colour": BREAKER_COLOURS.get(usage["breaker_status"], "--muted"),
            "resettable": usage["breaker_status"] != br.CLOSED or usage["breaker_failures"] > 0,
        }
        for usage in resources_usage()
    ]
    return render(request, "dashboard/config/resource_list.html", {"rows": rows})


@role_required(Role.ADMIN)
def resource_edit(request, name: str):
    row = get_object_or_404(ResourceState, name=name)
    form = ResourceLimitsForm.for_row(row, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            resource_update_limits(name, **form.limits(), actor=request.user.get_username())
        except ValidationError as exc:  # the service's own check, should the form miss one
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Limits of %(name)s saved.") % {"name": name})
            return redirect("dashboard:resources")
    return render(
        request,
        "dashboard/config/resource_edit.html",
        {"resource": row, "form": form},
        status=400 if form.errors else 200,
    )


@role_required(Role.ADMIN)
@require_POST
def resource_breaker_reset(request, name: str):
    get_object_or_404(ResourceState, name=name)
    breaker_reset(name, actor=request.user.get_username())
    messages.success(request, _("Breaker of %(name)s reset (closed).") % {"name": name})
    return redirect("dashboard:resources")
