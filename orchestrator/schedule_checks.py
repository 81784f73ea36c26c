"""What makes a schedule row valid, by field, from its values alone (no model import: the
model's ``clean``, the services and the dashboard's form all use it)."""

from __future__ import annotations

from typing import Any

from .core.schedule import MISFIRE_POLICIES, OVERLAP_POLICIES, ScheduleError, Timing
from .core.workflow import registry
from .loading import workflows_load

__all__ = ["schedule_errors"]


def schedule_errors(schedule: Any) -> dict[str, str]:
    """Every problem of a schedule row, by field name (empty when it is valid)."""
    errors: dict[str, str] = {}
    if bool(schedule.cron) == (schedule.every_seconds is not None):
        errors["cron"] = "give exactly one of a cron expression and an interval (every_seconds)"
    else:
        try:
            Timing(schedule.cron or None, schedule.every_seconds, schedule.time_zone or "UTC")
        except ScheduleError as exc:
            errors[exc.field] = exc.message
    try:
        Timing(every_seconds=60, time_zone=schedule.time_zone)
    except ScheduleError as exc:
        errors[exc.field] = exc.message
    if schedule.misfire not in MISFIRE_POLICIES:
        errors["misfire"] = f"{schedule.misfire!r} is not one of {', '.join(MISFIRE_POLICIES)}"
    if schedule.overlap not in OVERLAP_POLICIES:
        errors["overlap"] = f"{schedule.overlap!r} is not one of {', '.join(OVERLAP_POLICIES)}"
    if not isinstance(schedule.params, dict):
        errors["params"] = "params must be a JSON object"
    workflows_load()
    try:
        workflow = registry.get(schedule.workflow)
    except KeyError as exc:
        errors["workflow"] = str(exc).strip("\"'")
    else:
        params = schedule.params if isinstance(schedule.params, dict) else {}
        unknown = workflow.params_unknown(params)
        if unknown:
            errors["params"] = (
                f"workflow {workflow.name!r} reads no parameter {', '.join(unknown)} "
                f"(its parameters: {', '.join(sorted(workflow.params or {})) or 'none'})"
            )
        if schedule.mode not in workflow.modes:
            errors["mode"] = (
                f"workflow {workflow.name!r} has no mode {schedule.mode!r} "
                f"(modes: {', '.join(workflow.modes)})"
            )
    return errors
