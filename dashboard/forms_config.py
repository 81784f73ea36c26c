"""The forms of the configuration pages: a resource's limits and a schedule's timing.

Both check what they can with translated messages, then ask the engine's own validation
(``resource_limit_errors``, ``schedule_errors``) so the page and the CLI refuse the same things.
"""

from __future__ import annotations

import copy

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orchestrator.models import ResourceState, Schedule
from orchestrator.services.resources import resource_limit_errors
from orchestrator.services.schedules import schedule_errors, schedule_update

DEFAULT_RATE_PER = 1.0
DEFAULT_RESET_AFTER = 60.0


def _positive(value) -> None:
    if value is not None and value <= 0:
        raise ValidationError(_("Must be greater than 0 (leave it empty for no limit)."))


def _positive_seconds(value) -> None:
    if value is not None and value <= 0:
        raise ValidationError(_("Must be a positive number of seconds."))


class ResourceLimitsForm(forms.Form):
    """Empty means "no limit" (or, for the two durations, their default)."""

    concurrency = forms.IntegerField(
        required=False,
        validators=[_positive],
        label=_("Concurrency"),
        help_text=_("Stage runs at once; empty for no limit."),
    )
    rate = forms.FloatField(
        required=False,
        validators=[_positive],
        label=_("Rate"),
        help_text=_("Starts per period; empty for no rate limit."),
    )
    rate_per = forms.FloatField(
        required=False,
        validators=[_positive_seconds],
        label=_("Rate period (seconds)"),
        help_text=_("Empty for 1 second."),
    )
    burst = forms.FloatField(
        required=False,
        validators=[_positive],
        label=_("Burst"),
        help_text=_("Starts allowed at once; empty for the rate."),
    )
    breaker_threshold = forms.IntegerField(
        required=False,
        validators=[_positive],
        label=_("Breaker threshold"),
        help_text=_("Consecutive failures that open the breaker; empty for no breaker."),
    )
    breaker_reset_after = forms.FloatField(
        required=False,
        validators=[_positive_seconds],
        label=_("Breaker reset after (seconds)"),
        help_text=_("How long an open breaker waits before a trial run; empty for 60."),
    )

    @classmethod
    def for_row(cls, row: ResourceState, data=None) -> ResourceLimitsForm:
        initial = {name: getattr(row, name) for name in cls.base_fields}
        return cls(data=data, initial=initial)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("rate_per") is None:
            cleaned["rate_per"] = DEFAULT_RATE_PER
        if cleaned.get("breaker_reset_after") is None:
            cleaned["breaker_reset_after"] = DEFAULT_RESET_AFTER
        errors = resource_limit_errors(**{name: cleaned.get(name) for name in self.fields})
        for field, message in errors.items():
            if field == "burst" and cleaned.get("rate") is None:
                message = _("A burst needs a rate.")
            self.add_error(field if field in self.fields else None, message)
        return cleaned

    def limits(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.fields}


class ScheduleTimingForm(forms.Form):
    """A schedule's cron expression or interval, its time zone and its params."""

    cron = forms.CharField(
        required=False,
        max_length=100,
        label=_("Cron expression"),
        help_text=_("5 fields: minute hour day month weekday. Leave empty to use an interval."),
    )
    every_seconds = forms.IntegerField(
        required=False,
        min_value=1,
        label=_("Interval (seconds)"),
        help_text=_("Instead of a cron expression."),
    )
    time_zone = forms.CharField(
        max_length=64,
        label=_("Time zone"),
        help_text=_("An IANA name such as Asia/Seoul; the cron runs on its local time."),
    )
    params = forms.JSONField(
        required=False,
        label=_("Params (JSON object)"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
    )

    def __init__(self, *args, schedule: Schedule, **kwargs):
        self.schedule = schedule
        kwargs.setdefault(
            "initial",
            {
                "cron": schedule.cron,
                "every_seconds": schedule.every_seconds,
                "time_zone": schedule.time_zone,
                "params": schedule.params,
            },
        )
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        edited = self._edited(cleaned)
        for field, message in schedule_errors(edited).items():
            # "give exactly one of ..." is about the pair: show it on both.
            if field == "cron" and bool(edited.cron) == (edited.every_seconds is not None):
                message = _("Give exactly one of a cron expression and an interval.")
                self.add_error("every_seconds", message)
            self.add_error(field if field in self.fields else None, message)
        return cleaned

    def _edited(self, cleaned) -> Schedule:
        edited = copy.copy(self.schedule)
        edited.cron = " ".join((cleaned.get("cron") or "").split())
        edited.every_seconds = cleaned.get("every_seconds")
        edited.time_zone = (cleaned.get("time_zone") or "").strip()
        params = cleaned.get("params")
        edited.params = {} if params in (None, "") else params
        return edited

    def save(self) -> Schedule:
        """Write the edit (``schedule_update``: a changed timing counts from now)."""
        edited = self._edited(self.cleaned_data)
        return schedule_update(
            self.schedule.name,
            changes={
                "cron": edited.cron,
                "every_seconds": edited.every_seconds,
                "time_zone": edited.time_zone,
                "params": edited.params,
            },
        )
