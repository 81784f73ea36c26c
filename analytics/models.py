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
