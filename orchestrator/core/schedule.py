"""When a schedule is due: cron (in its own time zone) or a fixed interval, and what to do
about due times that passed while no scheduler was running.

Pure time math, no database: the service layer reads a schedule's row, asks here for the
decision, and claims the row with it. Cron is evaluated on local wall-clock time and each
wall-clock time is converted with ``zoneinfo``, so daylight saving changes are handled the
same way everywhere: a local time that does not exist (spring forward) fires at the same
offset after the jump, a local time that occurs twice (fall back) fires once, at its first
occurrence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

MISFIRE_POLICIES = ("run_once", "skip")
OVERLAP_POLICIES = ("skip", "resume")
# A due time fired within this many seconds after it counts as on time, not as a misfire.
MISFIRE_GRACE = 60.0
# Counting missed cron times stops here (a one-minute cron down for two months).
MAX_COUNTED = 100_000


class ScheduleError(ValueError):
    """A schedule declared wrongly; ``field`` names the offending field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


def zone_get(name: str) -> ZoneInfo:
    """The time zone called ``name`` (``Asia/Seoul``), or ``ScheduleError`` on ``time_zone``."""
    if not name or not isinstance(name, str):
        raise ScheduleError("time_zone", "a time zone is required (e.g. 'Asia/Seoul')")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError("time_zone", f"unknown time zone {name!r}") from None


def cron_check(expr: str) -> str:
    """``expr`` normalized if it is a valid 5-field cron expression, else ``ScheduleError``."""
    fields = str(expr or "").split()
    if len(fields) != 5:
        raise ScheduleError(
            "cron",
            f"{expr!r} must have 5 fields (minute hour day month weekday), has {len(fields)}",
        )
    normalized = " ".join(fields)
    if not croniter.is_valid(normalized):
        raise ScheduleError("cron", f"{expr!r} is not a valid cron expression")
    return normalized


@dataclass(frozen=True)
class Timing:
    """When a schedule is due: exactly one of ``cron`` and ``every_seconds``."""

    cron: str | None = None
    every_seconds: int | None = None
    time_zone: str = "UTC"

    def __post_init__(self) -> None:
        if bool(self.cron) == (self.every_seconds is not None):
            raise ScheduleError("cron", "give exactly one of a cron expression and an interval")
        if self.cron:
            object.__setattr__(self, "cron", cron_check(self.cron))
        elif int(self.every_seconds) < 1:  # type: ignore[arg-type]
            raise ScheduleError("every_seconds", "the interval must be at least 1 second")
        zone_get(self.time_zone)

    @property
    def zone(self) -> ZoneInfo:
        return zone_get(self.time_zone)

    def describe(self) -> str:
        return f"cron {self.cron}" if self.cron else f"every {self.every_seconds}s"

    def next_after(self, instant: datetime, *, anchor: datetime | None = None) -> datetime:
        """The first due time strictly after ``instant``, in UTC.

        An interval counts from ``anchor`` (a previous due time) so its due times stay on one
        grid; without an anchor the first is one interval after ``instant``, whole seconds.
        """
        instant = _utc(instant)
        if self.every_seconds is not None:
            step = timedelta(seconds=int(self.every_seconds))
            if anchor is None:
                return instant.replace(microsecond=0) + step
            anchor = _utc(anchor)
            if anchor > instant:
                return anchor
            return anchor + step * ((instant - anchor) // step + 1)
        assert self.cron is not None  # __post_init__: exactly one of cron and every_seconds
        zone = self.zone
        wall = instant.astimezone(zone).replace(tzinfo=None)
        times = croniter(self.cron, wall)
        while True:
            local = times.get_next(datetime).replace(tzinfo=zone, fold=0)
            found = local.astimezone(UTC)
            # A wall time of the repeated hour may map before ``instant``: it already passed.
            if found > instant:
                return found

    def due_between(self, first: datetime, now: datetime, *, limit: int = MAX_COUNTED) -> int:
        """How many due times lie in ``[first, now]``, ``first`` being a due time (at most
        ``limit`` counted for cron)."""
        first, now = _utc(first), _utc(now)
        if now < first:
            return 0
        if self.every_seconds is not None:
            return int((now - first) // timedelta(seconds=int(self.every_seconds))) + 1
        count, current = 1, first
        while count < limit:
            current = self.next_after(current)
            if current > now:
                break
            count += 1
        return count

    def latest_due(self, first: datetime, now: datetime) -> datetime:
        """The last due time in ``[first, now]`` (``first`` when none follows it by ``now``)."""
        first, now = _utc(first), _utc(now)
        if self.every_seconds is not None:
            step = timedelta(seconds=int(self.every_seconds))
            return first + step * max(0, (now - first) // step)
        current = first
        for _ in range(MAX_COUNTED):
            following = self.next_after(current)
            if following > now:
                break
            current = following
        return current


@dataclass(frozen=True)
class Decision:
    """What to do with a schedule found due: fire it or not, and where it goes next."""

    fire: bool
    due: int  # due times in [next_run_at, now]
    missed: int  # of those, how many are not fired (each firing covers one)
    late: bool  # the newest due time is older than the grace
    next_run_at: datetime

    def note(self) -> str:
        """The misfire part of the row's outcome ('' when on time)."""
        if not self.fire:
            return f"misfire: skipped {_times(self.missed)}"
        if self.late:
            return f"misfire: {_times(self.due)} passed, fired once late"
        if self.missed:
            return f"misfire: skipped {_times(self.missed)}, fired the newest on time"
        return ""


def misfire_decide(
    timing: Timing,
    *,
    due_at: datetime,
    now: datetime,
    policy: str,
    grace: float = MISFIRE_GRACE,
) -> Decision:
    """Decide for a schedule whose ``next_run_at`` (``due_at``) has come.

    On time (the newest due time within ``grace``, none missed before it): fire. Otherwise
    the scheduler was down over due times: ``run_once`` fires once, late, for all of them;
    ``skip`` fires only if the newest due time is within the grace and skips the rest. Either
    way the next run is the first due time after ``now``.
    """
    if policy not in MISFIRE_POLICIES:
        raise ScheduleError("misfire", f"unknown policy {policy!r} (one of {MISFIRE_POLICIES})")
    due_at, now = _utc(due_at), _utc(now)
    next_run_at = timing.next_after(now, anchor=due_at)
    due = timing.due_between(due_at, now)
    newest = timing.latest_due(due_at, now)
    late = (now - newest).total_seconds() > grace
    if due <= 1 and not late:
        return Decision(True, due, 0, False, next_run_at)
    if policy == "run_once":
        return Decision(True, due, due - 1, late, next_run_at)
    if late:
        return Decision(False, due, due, True, next_run_at)
    return Decision(True, due, due - 1, False, next_run_at)


@dataclass(frozen=True)
class ScheduleSpec:
    """A default schedule declared with a workflow (``Workflow(..., schedules=[...])``).

    Written to the database once, when no schedule of that name exists; from then on the row
    is the configuration (an operator's edits win). ``mode`` None is the workflow's default
    mode, ``time_zone`` None the installation's ``TIME_ZONE``.
    """

    name: str
    cron: str | None = None
    every_seconds: int | None = None
    mode: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    time_zone: str | None = None
    misfire: str = "run_once"
    overlap: str = "skip"
    enabled: bool = True

    def __post_init__(self) -> None:
        if not self.name:
            raise ScheduleError("name", "a schedule needs a name")
        Timing(self.cron, self.every_seconds, self.time_zone or "UTC")
        if self.misfire not in MISFIRE_POLICIES:
            raise ScheduleError("misfire", f"{self.misfire!r} is not one of {MISFIRE_POLICIES}")
        if self.overlap not in OVERLAP_POLICIES:
            raise ScheduleError("overlap", f"{self.overlap!r} is not one of {OVERLAP_POLICIES}")


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: the engine works in aware datetimes")
    return value.astimezone(UTC)


def _times(n: int) -> str:
    return f"{n} due time" if n == 1 else f"{n} due times"
