"""Schedules: create, enable, sync the declared defaults, and fire the due ones exactly once.

Any number of schedulers may run at once. Each claims a due schedule with a conditional
update of ``next_run_at`` (the value it read is the token); only the one whose update changed
the row starts the batch, in the same short transaction. A schedule that cannot start (its
workflow is gone, another mode is running) records why on its row; the loop goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from ..core.clock import get_clock
from ..core.schedule import (
    ScheduleError,
    misfire_decide,
)
from ..core.workflow import NoPartitions, registry
from ..models import Batch, BatchStatus, Schedule, schedule_default_time_zone
from ..schedule_checks import schedule_errors
from .batches import batch_start

log = logging.getLogger("yooini.schedules")

# Editing one of these counts the schedule's next run from now, so an edit is never a misfire.
TIMING_FIELDS = frozenset({"cron", "every_seconds", "time_zone", "enabled"})
EDITABLE_FIELDS = TIMING_FIELDS | {"params", "mode", "misfire", "overlap"}


class ScheduleInvalid(ValueError):
    """An edit that would leave the schedule invalid; ``errors`` maps each field to why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Fired:
    """What one scheduler did with one due schedule."""

    schedule: str
    workflow: str
    due_at: datetime
    action: str  # started | resumed | skipped | misfire | error
    outcome: str
    batch_id: str = ""


def schedule_create(
    name: str,
    *,
    workflow: str,
    mode: str | None = None,
    cron: str | None = None,
    every_seconds: int | None = None,
    time_zone: str | None = None,
    params: Mapping[str, Any] | None = None,
    misfire: str = "run_once",
    overlap: str = "skip",
    enabled: bool = True,
) -> Schedule:
    """Validate and save a new schedule; its first run is the first due time from now.

    Raises ``ValidationError`` naming the field (bad cron, zone, workflow, mode, policy, or a
    name already taken).
    """
    if mode is None and workflow in {w.name for w in registry.workflows()}:
        mode = registry.get(workflow).default_mode
    schedule = Schedule(
        name=name,
        workflow=workflow,
        mode=mode or "",
        cron=" ".join((cron or "").split()),
        every_seconds=every_seconds,
        time_zone=time_zone or schedule_default_time_zone(),
        params=dict(params or {}),
        misfire=misfire,
        overlap=overlap,
        enabled=enabled,
    )
    schedule.full_clean()
    schedule.next_run_at = schedule.timing().next_after(get_clock().now())
    schedule.save()
    return schedule


def schedule_reschedule(schedule: Schedule) -> Schedule:
    """Set ``next_run_at`` to the first due time from now (after its timing was edited)."""
    schedule.next_run_at = schedule.timing().next_after(get_clock().now())
    Schedule.objects.filter(id=schedule.id).update(next_run_at=schedule.next_run_at)
    return schedule


def schedule_update(name: str, *, changes: Mapping[str, Any]) -> Schedule:
    """Apply ``changes`` (fields of ``EDITABLE_FIELDS``) to the schedule ``name`` atomically.

    Setting a cron expression clears the interval and the reverse. The edited row is checked
    with ``schedule_errors`` first: ``ScheduleInvalid`` leaves it unchanged. A changed timing
    counts from now. Raises ``Schedule.DoesNotExist`` naming the schedule if there is none.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ScheduleInvalid({field: "cannot be edited" for field in sorted(unknown)})
    changes = dict(changes)
    if "cron" in changes:
        changes["cron"] = " ".join((changes["cron"] or "").split())
        if changes["cron"]:
            changes.setdefault("every_seconds", None)
    if changes.get("every_seconds") is not None:
        changes.setdefault("cron", "")
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update().filter(name=name).first()
        if schedule is None:
            raise Schedule.DoesNotExist(f"no schedule named {name!r}")
        retimed = any(
            getattr(schedule, field) != value
            for field, value in changes.items()
            if field in TIMING_FIELDS
        )
        for field, value in changes.items():
            setattr(schedule, field, value)
        errors = schedule_errors(schedule)
        if errors:
            raise ScheduleInvalid(errors)
        schedule.save(update_fields=list(changes) or None)
        if retimed and schedule.enabled:
            schedule_reschedule(schedule)
    return schedule


def schedule_enable(name: str, enabled: bool = True) -> Schedule:
    """Enable or disable a schedule. Enabling counts from now: the due times that passed while
    it was disabled are not misfires."""
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update().get(name=name)
        if enabled and not schedule.enabled:
            schedule.next_run_at = schedule.timing().next_after(get_clock().now())
        schedule.enabled = enabled
        schedule.save(update_fields=["enabled", "next_run_at"])
    return schedule


def schedule_remove(name: str) -> None:
    deleted, _ = Schedule.objects.filter(name=name).delete()
    if not deleted:
        raise Schedule.DoesNotExist(f"no schedule named {name!r}")


def schedules_sync() -> list[Schedule]:
    """Create the row of each schedule declared with a workflow whose name has no row yet.

    An existing row is never changed (edits made in the admin or the CLI win). A declared
    schedule that is invalid for its workflow (unknown mode) is logged and left out.
    """
    created: list[Schedule] = []
    for workflow in registry.workflows():
        for spec in getattr(workflow, "schedules", ()):
            if Schedule.objects.filter(name=spec.name).exists():
                continue
            try:
                with transaction.atomic():
                    created.append(
                        schedule_create(
                            spec.name,
                            workflow=workflow.name,
                            mode=spec.mode,
                            cron=spec.cron,
                            every_seconds=spec.every_seconds,
                            time_zone=spec.time_zone,
                            params=spec.params,
                            misfire=spec.misfire,
                            overlap=spec.overlap,
                            enabled=spec.enabled,
                        )
                    )
            except ValidationError as exc:
                if "name" in exc.message_dict:  # another scheduler created it meanwhile
                    continue
                log.error("schedule %s of %s is invalid: %s", spec.name, workflow.name, exc)
            except IntegrityError:
                continue
    return created


def schedules_fire_due(now: datetime | None = None) -> list[Fired]:
    """Fire every enabled schedule whose ``next_run_at`` has come; one transaction each.

    Returns what this call did; schedules another scheduler claimed first are not in it.
    """
    now = now or get_clock().now()
    due = list(
        Schedule.objects.filter(enabled=True)
        .filter(Q(next_run_at__lte=now) | Q(next_run_at__isnull=True))
        .order_by("next_run_at", "id")
    )
    fired: list[Fired] = []
    for schedule in due:
        try:
            result = _fire_one(schedule, now)
        except Exception as exc:  # the loop must survive anything one schedule does
            log.exception("schedule %s could not be fired", schedule.name)
            _record(schedule, now, "", f"error: {type(exc).__name__}: {exc}")
            result = Fired(schedule.name, schedule.workflow, now, "error", f"error: {exc}")
        if result is not None:
            fired.append(result)
    return fired


def _fire_one(schedule: Schedule, now: datetime) -> Fired | None:
    read = schedule.next_run_at
    try:
        timing = schedule.timing()
    except ScheduleError as exc:
        if _claim(schedule, read, None):
            _record(schedule, now, "", f"error: {exc}")
        return None
    with transaction.atomic():
        if read is None:  # a row written without its first due time (e.g. by hand)
            _claim(schedule, read, timing.next_after(now))
            return None
        decision = misfire_decide(timing, due_at=read, now=now, policy=schedule.misfire)
        if not _claim(schedule, read, decision.next_run_at):
            return None  # another scheduler fired this due time
        note = decision.note()
        if not decision.fire:
            _record(schedule, now, "", note, fired=False)
            log.warning("schedule %s: %s", schedule.name, note)
            return Fired(schedule.name, schedule.workflow, read, "misfire", note)
        action, batch_id, outcome = _start(schedule)
        if note:
            outcome = f"{outcome} ({note})"
        _record(schedule, now, batch_id, outcome)
    if action == "error":
        log.error("schedule %s: %s", schedule.name, outcome)
    else:
        log.info("schedule %s: %s", schedule.name, outcome)
    return Fired(schedule.name, schedule.workflow, read, action, outcome, batch_id)


def _claim(schedule: Schedule, read: datetime | None, next_run_at: datetime | None) -> bool:
    """Move ``next_run_at`` on only if it still holds the value read: True for one claimer."""
    rows = Schedule.objects.filter(id=schedule.id, enabled=True)
    rows = rows.filter(next_run_at__isnull=True) if read is None else rows.filter(next_run_at=read)
    return rows.update(next_run_at=next_run_at) == 1


def _start(schedule: Schedule) -> tuple[str, str, str]:
    """Start (or, by the overlap policy, resume or skip) the schedule's batch."""
    running = (
        Batch.objects.filter(workflow=schedule.workflow, status=BatchStatus.RUNNING)
        .order_by("created_at")
        .first()
    )
    if running is not None and schedule.overlap == Schedule.Overlap.SKIP:
        return "skipped", "", f"skipped: {running.id} still RUNNING"
    try:
        with transaction.atomic():  # a savepoint: a failed start leaves the claim standing
            started = batch_start(
                schedule.workflow, mode=schedule.mode, params=dict(schedule.params or {})
            )
    except NoPartitions as exc:  # nothing enabled to run (e.g. after the sample): not a fault
        return "nothing", "", f"nothing to run: {exc}"
    except Exception as exc:
        return "error", "", f"error: {str(exc).strip(chr(34) + chr(39))}"
    batch = started.batch
    if started.resumed:
        return "resumed", batch.id, f"resumed {batch.id}"
    return "started", batch.id, f"started {batch.id}"


def _record(
    schedule: Schedule, now: datetime, batch_id: str, outcome: str, *, fired: bool = True
) -> None:
    changes: dict[str, Any] = {"last_outcome": outcome[:2000]}
    if fired:
        changes["last_fired_at"] = now
    if batch_id:
        changes["last_batch_id"] = batch_id
    Schedule.objects.filter(id=schedule.id).update(**changes)
