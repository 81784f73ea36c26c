"""One way to show a moment, in the CLI and in the dashboard: the installation's time zone
(``TIME_ZONE``, from ``YOOINI_TIME_ZONE``) and ``YYYY-MM-DD HH:MM:SS``.

The dashboard uses it through the ``when`` template filter (a builtin, no ``{% load %}``
needed); the CLI calls ``when`` directly.
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone

FORMAT = "%Y-%m-%d %H:%M:%S"
NOTHING = "-"

register = template.Library()


def when(moment: datetime | None, empty: str = NOTHING) -> str:
    """``moment`` in the installation's time zone as ``YYYY-MM-DD HH:MM:SS`` (``empty`` if
    None). A naive datetime is taken as already local."""
    if moment is None or moment == "":
        return empty
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime(FORMAT)


def local_day(moment: datetime) -> date:
    """The day ``moment`` falls on in the installation's time zone."""
    return timezone.localtime(moment).date()


def day_start(day: date) -> datetime:
    """The first moment of ``day`` in the installation's time zone."""
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


@register.filter(name="when")
def when_filter(moment: datetime | None, empty: str = "—") -> str:
    """``{{ cell.started_at|when }}``; ``{{ x|when:"–" }}`` shows that when there is none."""
    return when(moment, empty)
