"""The engine's tables: batches, stage runs, resources, events. The database is the only truth."""

from django.db import models

from .schedule_checks import schedule_errors


class BatchStatus(models.TextChoices):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    COMPLETED_WITH_ERRORS = "COMPLETED_WITH_ERRORS"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class CellStatus(models.TextChoices):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    ERROR = "ERROR"
    BLOCKED = "BLOCKED"
    SKIPPED = "SKIPPED"
    CANCELLED = "CANCELLED"


FINISHED_BATCH = (
    BatchStatus.COMPLETED,
    BatchStatus.COMPLETED_WITH_ERRORS,
    BatchStatus.FAILED,
    BatchStatus.CANCELLED,
)
SETTLED_CELL = (CellStatus.DONE, CellStatus.SKIPPED)


class Batch(models.Model):
    """One run of a workflow in one mode. Its id is also the correlation id of its events."""

    id = models.CharField(primary_key=True, max_length=32)
    workflow = models.CharField(max_length=100, db_index=True)
    workflow_version = models.CharField(max_length=32)
    mode = models.CharField(max_length=50)
    params = models.JSONField(default=dict, blank=True)
    # Run-scoped settings (``yooini.run_settings``) applied around each of its stage runs, in
    # whichever process runs them.
    settings = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=32, choices=BatchStatus.choices, default=BatchStatus.RUNNING
    )
    cancel_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    cells_total = models.IntegerField(default=0)
    totals = models.JSONField(default=dict, blank=True)
    trigger_event = models.BigIntegerField(null=True, blank=True, unique=True)
    parent_batch = models.CharField(max_length=32, blank=True, default="", db_index=True)

    class Meta:
        db_table = "yooini_batch"
        indexes = [models.Index(fields=["workflow", "status"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.id} {self.workflow}/{self.mode} {self.status}"

    @property
    def correlation_id(self) -> str:
        return self.id


class StageRun(models.Model):
    """One cell of the grid: batch x partition x stage.

    ``attempt`` is the fencing token: every claim increments it and every write by a holder
    is conditional on it, so a holder whose lease was taken over cannot overwrite anything.
    ``waiting_on`` counts the upstream cells not yet DONE or SKIPPED (fan-in by counter).
    """

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="stage_runs")
    workflow = models.CharField(max_length=100)
    partition = models.CharField(max_length=200)
    stage = models.CharField(max_length=100)
    position = models.SmallIntegerField(default=0)
    resource = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(max_length=16, choices=CellStatus.choices, default=CellStatus.PENDING)
    waiting_on = models.SmallIntegerField(default=0)
    attempt = models.IntegerField(default=0)
    failures = models.IntegerField(default=0)
    item_count = models.IntegerField(default=0)
    error = models.TextField(blank=True, default="")
    error_type = models.CharField(max_length=200, blank=True, default="")
    traceback = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=200, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    checkpoint = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)

    class Meta:
        db_table = "yooini_stage_run"
        constraints = [
            models.UniqueConstraint(fields=["batch", "partition", "stage"], name="uniq_cell"),
        ]
        indexes = [
            models.Index(fields=["batch", "status", "waiting_on", "id"], name="cell_ready_by_id"),
            # Also serves every "RUNNING cells" lookup (leases, stage caps) by its first column.
            models.Index(fields=["status", "resource"], name="cell_resource"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.partition}:{self.stage} {self.status}#{self.attempt}"


class StageRunLog(models.Model):
    """What one attempt of a cell logged (``ctx.log``, warnings, item errors), written once with
    its outcome and bounded (``core.stagelog.LIMIT``); an attempt that logged nothing has none."""

    stage_run = models.ForeignKey(StageRun, on_delete=models.CASCADE, related_name="logs")
    attempt = models.IntegerField()
    text = models.TextField()
    truncated = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "yooini_stage_run_log"
        constraints = [
            models.UniqueConstraint(fields=["stage_run", "attempt"], name="uniq_cell_attempt_log"),
        ]

    def __str__(self) -> str:
        return f"log of {self.stage_run_id}#{self.attempt}"


class ResourceState(models.Model):
    """A shared resource's limits and live state; one row, read and written by every process."""

    name = models.CharField(primary_key=True, max_length=100)
    concurrency = models.IntegerField(null=True, blank=True, help_text="max stage runs at once")
    rate = models.FloatField(null=True, blank=True, help_text="max starts per `rate_per` seconds")
    rate_per = models.FloatField(default=1.0)
    burst = models.FloatField(null=True, blank=True)
    breaker_threshold = models.IntegerField(
        null=True, blank=True, help_text="consecutive failures that open the breaker"
    )
    breaker_reset_after = models.FloatField(default=60.0)
    breaker_status = models.CharField(max_length=16, default="CLOSED")
    breaker_failures = models.IntegerField(default=0)
    breaker_opened_at = models.DateTimeField(null=True, blank=True)
    tokens = models.FloatField(default=0.0)
    tokens_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "yooini_resource"

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """A typed event in the outbox: written with the state change that caused it."""

    type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField()
    correlation_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    causation_id = models.CharField(max_length=64, blank=True, default="")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # Who asked for it, for an operator's action: the dashboard user, "cli:<os user>" or
    # "api:<user>"; empty for what the engine did by itself.
    actor = models.CharField(max_length=150, blank=True, default="", db_default="")

    class Meta:
        db_table = "yooini_event"
        indexes = [models.Index(fields=["dispatched_at", "id"], name="event_outbox")]

    def __str__(self) -> str:
        return f"#{self.id} {self.type} {self.correlation_id}"


class EngineLock(models.Model):
    """Rows locked with SELECT ... FOR UPDATE to serialize claims across processes."""

    name = models.CharField(primary_key=True, max_length=50)

    class Meta:
        db_table = "yooini_lock"


class EngineProcess(models.Model):
    """A process that runs stage runs (serve, scheduler, run, worker) and the workflows it
    knows, refreshed while it lives: a cell no process knows can say who could run it."""

    owner = models.CharField(primary_key=True, max_length=200)
    kind = models.CharField(max_length=20)
    workflows = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    class Meta:
        db_table = "yooini_process"

    def __str__(self) -> str:
        return f"{self.kind} {self.owner}"


def lock_dispatch() -> None:
    """Take the ``dispatch`` row lock for the current transaction (created if missing)."""
    from .services import cellsql

    if not cellsql.lock_dispatch():
        EngineLock.objects.get_or_create(name="dispatch")
        cellsql.lock_dispatch()


def schedule_default_time_zone() -> str:
    """A new schedule's zone: the installation's ``TIME_ZONE``."""
    from django.conf import settings

    return settings.TIME_ZONE


class Schedule(models.Model):
    """A workflow started on a cron expression or an interval; the row is the configuration.

    ``next_run_at`` (UTC) is also the claim token: a scheduler fires the schedule only if its
    ``UPDATE ... WHERE next_run_at = <value read>`` changed the row, so each due time fires once
    however many schedulers run.
    """

    class Misfire(models.TextChoices):
        RUN_ONCE = "run_once", "run once, late"
        SKIP = "skip", "skip to the next time"

    class Overlap(models.TextChoices):
        SKIP = "skip", "skip while a batch runs"
        RESUME = "resume", "resume the running batch"

    name = models.CharField(max_length=100, unique=True)
    workflow = models.CharField(max_length=100)
    mode = models.CharField(max_length=50)
    params = models.JSONField(default=dict, blank=True)
    cron = models.CharField(
        max_length=100, blank=True, default="", help_text="5 fields: minute hour day month weekday"
    )
    every_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="an interval instead of a cron expression"
    )
    time_zone = models.CharField(max_length=64, default=schedule_default_time_zone)
    enabled = models.BooleanField(default=True)
    misfire = models.CharField(max_length=16, choices=Misfire.choices, default=Misfire.RUN_ONCE)
    overlap = models.CharField(max_length=16, choices=Overlap.choices, default=Overlap.SKIP)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    last_batch_id = models.CharField(max_length=32, blank=True, default="")
    last_outcome = models.TextField(blank=True, default="")

    class Meta:
        db_table = "yooini_schedule"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def timing(self):
        """The pure ``Timing`` of this row (``ScheduleError`` when it is invalid)."""
        from .core.schedule import Timing

        return Timing(self.cron or None, self.every_seconds, self.time_zone)

    def clean(self) -> None:
        errors = schedule_errors(self)
        if errors:
            from django.core.exceptions import ValidationError

            raise ValidationError(errors)
