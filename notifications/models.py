"""Where notifications go (channels), what was owed to each (deliveries), how far events were read.

A delivery is one event for one channel: unique on (channel, event id), so however many
processes collect events, an event is owed to a channel once. Its message is rendered when it
is collected, so sending needs neither the event nor the batch, which retention may delete.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from orchestrator.core.clock import get_clock

from . import kinds
from .channel_checks import channel_errors
from .kinds import DEFAULT_EVENT_KINDS, EVENT_KINDS

__all__ = ["DEFAULT_EVENT_KINDS", "EVENT_KINDS", "Channel", "Delivery", "EventCursor"]


def default_event_kinds() -> list[str]:
    return list(DEFAULT_EVENT_KINDS)


def engine_now():
    """The engine's clock, so channels and events compare on the same time line."""
    return get_clock().now()


class Channel(models.Model):
    """A Slack incoming webhook or a list of email recipients, for one workflow or all.

    ``webhook_url`` is a secret (whoever has it can post to the Slack channel): it is never
    shown back, logged or put in an error. A channel receives events that happen after it
    was created, never the history before it.
    """

    class Kind(models.TextChoices):
        SLACK = kinds.SLACK, _("Slack incoming webhook")
        EMAIL = kinds.EMAIL, _("Email (SMTP)")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    workflow = models.CharField(
        _("workflow"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("Only this workflow's events; blank for every workflow."),
    )
    event_kinds = models.JSONField(
        _("event kinds"),
        default=default_event_kinds,
        help_text=_(
            'A JSON list of: "batch.failed", "batch.completed_with_errors", "batch.completed",'
            ' "breaker.open", "listing.suspended", "report.ready".'
        ),
    )
    webhook_url = models.CharField(_("Slack webhook URL"), max_length=500, blank=True, default="")
    recipients = models.TextField(
        _("email recipients"),
        blank=True,
        default="",
        help_text=_("Addresses separated by commas."),
    )
    created_at = models.DateTimeField(_("created at"), default=engine_now)

    class Meta:
        db_table = "yooini_notification_channel"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def recipient_list(self) -> list[str]:
        return [r.strip() for r in self.recipients.split(",") if r.strip()]

    def clean(self) -> None:
        errors = channel_errors(self)
        if errors:
            from django.core.exceptions import ValidationError

            raise ValidationError(errors)


class Delivery(models.Model):
    """One event owed to one channel. ``attempts`` is also the claim token of a send."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("pending")
        SENT = "SENT", _("sent")
        FAILED = "FAILED", _("failed")

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.BigIntegerField()
    event_type = models.CharField(max_length=100)
    batch_id = models.CharField(max_length=64, blank=True, default="")
    workflow = models.CharField(max_length=100, blank=True, default="")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=engine_now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "yooini_notification_delivery"
        constraints = [
            models.UniqueConstraint(fields=["channel", "event_id"], name="uniq_delivery"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.event_id} -> {self.channel_id} {self.status}"


class EventCursor(models.Model):
    """One row: every event with an id up to ``last_event_id`` has been collected."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(default=0)

    class Meta:
        db_table = "yooini_notification_cursor"

    def __str__(self) -> str:
        return f"events up to #{self.last_event_id}"
