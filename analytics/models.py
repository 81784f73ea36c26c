"""The schema registry and the dead letters, kept in the project's database."""

from __future__ import annotations

from django.db import models


class RegisteredSchema(models.Model):
    """One version of one subject's Avro schema. The row id is the schema id of the
    Confluent wire format (byte 0 = 0, bytes 1-4 = this id), so ids are global, never reused,
    and the same schema text under one subject gets the same id back."""

    subject = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    schema = models.TextField(help_text="canonical JSON of the Avro schema")
    fingerprint = models.CharField(max_length=64, help_text="sha256 of the canonical form")
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "version"], name="analytics_subject_version"
            ),
            models.UniqueConstraint(
                fields=["subject", "fingerprint"], name="analytics_subject_fingerprint"
            ),
        ]
        ordering = ["subject", "version"]

    def __str__(self) -> str:
        return f"{self.subject} v{self.version} (id {self.id})"


class DeadLetter(models.Model):
    """An event refused at ingestion, with the reason, so it can be fixed and sent again."""

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    topic = models.CharField(max_length=200, blank=True)
    schema_id = models.IntegerField(null=True, blank=True)
    position = models.IntegerField(help_text="the event's index in its batch")
    reason = models.TextField()
    payload = models.BinaryField(help_text="the event as received (at most 64 KiB kept)")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"dead letter {self.id} ({self.topic}): {self.reason[:60]}"


class StreamCheckpoint(models.Model):
    """A stream consumer's offset in the log and its open state, always written together
    (with what the same step emitted) in one transaction: a restart resumes exactly here."""

    name = models.CharField(max_length=100)
    topic = models.CharField(max_length=200)
    offset = models.BigIntegerField(null=True, help_text="the last log entry applied")
    state = models.BinaryField(help_text="the open windows, sessions and profiles (msgpack)")
    watermark = models.BigIntegerField(null=True, help_text="event time, ms since the epoch")
    events = models.BigIntegerField(default=0)
    late_events = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "topic"], name="analytics_checkpoint_once")
        ]


class SessionSummary(models.Model):
    """A closed session: events of one session id, none more than 30 minutes apart."""

    stream = models.CharField(max_length=100)
    session_id = models.CharField(max_length=200)
    user_id = models.CharField(max_length=200, null=True, blank=True)
    start_ms = models.BigIntegerField()
    end_ms = models.BigIntegerField()
    events = models.IntegerField()
    page_views = models.IntegerField()
    clicks = models.IntegerField()
    purchased = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stream", "session_id", "start_ms"], name="analytics_session_once"
            )
        ]


class ProductPopularity(models.Model):
    """Events naming a product in one 5-minute window (event time)."""

    stream = models.CharField(max_length=100)
    window_start_ms = models.BigIntegerField(db_index=True)
    product_id = models.CharField(max_length=200)
    events = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stream", "window_start_ms", "product_id"],
                name="analytics_popularity_once",
            )
        ]


class AnomalyAlert(models.Model):
    """An event that broke one of the anomaly rules (fast clicks, a large purchase, a new
    location within the hour)."""

    stream = models.CharField(max_length=100)
    event_id = models.CharField(max_length=200)
    user_id = models.CharField(max_length=200)
    rule = models.CharField(max_length=40)
    reason = models.CharField(max_length=300)
    event_time_ms = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stream", "event_id", "rule"], name="analytics_alert_once"
            )
        ]
        ordering = ["-id"]
