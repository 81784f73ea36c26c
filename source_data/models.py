"""SourceData (every version of every record) and DataLineage (which record came from which).

Versions live in one table. The current version of (source_system, source_id) is the row
with ``is_current = True``; older versions keep their row with ``is_current = NULL``. The
unique constraint on (source_id, source_system, is_current) therefore allows any number of
history rows but at most one current row, on every database: NULLs never collide in a unique
index on SQLite, PostgreSQL or MariaDB, and MariaDB has no partial (conditional) unique
index that would say the same thing more directly. Reading the current version is one query
on that index. A separate "current" table was the other choice; it would double every first
load (two inserts per record) and make lineage point at either a current or a history row.
"""

from django.db import models


class SourceType(models.TextChoices):
    SUPPLIER_PRODUCT = "supplier_product", "supplier product"
    MARKET_LISTING = "market_listing", "market listing"
    ORDER = "order", "order"
    INVENTORY = "inventory", "inventory"
    PRICING = "pricing", "pricing"
    CUSTOMER = "customer", "customer"
    ANALYTICS = "analytics", "analytics"


class ProcessingStatus(models.TextChoices):
    RAW = "raw", "raw"
    PROCESSING = "processing", "processing"
    PROCESSED = "processed", "processed"
    ERROR = "error", "error"
    ARCHIVED = "archived", "archived"


class SourceData(models.Model):
    """One version of one record from a source system.

    ``raw`` is what the source sent; ``content_hash`` is sha256 of its canonical JSON and
    decides whether a new version is written. ``normalized``, ``market_data`` (keyed by
    market: ``{"buyma": {"status": "active", "price": 12000, "price_updated_at": ...}}``) and
    ``ai_data`` are derived and are carried forward to a new version.
    """

    source_type = models.CharField(max_length=50, choices=SourceType.choices)
    source_system = models.CharField(max_length=50)
    source_id = models.CharField(max_length=200)
    raw = models.JSONField(default=dict)
    normalized = models.JSONField(default=dict, blank=True)
    market_data = models.JSONField(default=dict, blank=True)
    ai_data = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64)
    version = models.PositiveIntegerField(default=1)
    # True for the current version, NULL for history (see the module docstring).
    is_current = models.BooleanField(null=True, default=True)
    processing_status = models.CharField(
        max_length=20, choices=ProcessingStatus.choices, default=ProcessingStatus.RAW
    )
    batch_id = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "yooini_source_data"
        verbose_name = "source data"
        verbose_name_plural = "source data"
        constraints = [
            # source_id leads: the upsert's "current rows of these 1,000 ids" is then a plain
            # index lookup per id, which PostgreSQL picks even before the table has statistics.
            models.UniqueConstraint(
                fields=["source_id", "source_system", "is_current"], name="source_data_current"
            ),
            models.UniqueConstraint(
                fields=["source_system", "source_id", "version"], name="source_data_version"
            ),
        ]
        # Each index costs the bulk load about 5%; these are the ones a query needs. A system's
        # records are found through source_data_version (source_system leads), work queues
        # through source_data_status; the JSON columns get GIN indexes on PostgreSQL (0002).
        indexes = [
            models.Index(fields=["processing_status", "created_at"], name="source_data_status"),
        ]

    def __str__(self) -> str:
        return f"{self.source_system}:{self.source_id} v{self.version}"


class DataLineage(models.Model):
    """``child`` was made from ``parent`` by ``transformation`` (e.g. ``normalize``,
    ``translate``, ``listing``); one row per (parent, child, transformation)."""

    parent = models.ForeignKey(SourceData, on_delete=models.CASCADE, related_name="child_links")
    child = models.ForeignKey(SourceData, on_delete=models.CASCADE, related_name="parent_links")
    transformation = models.CharField(max_length=50)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "yooini_data_lineage"
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "child", "transformation"], name="data_lineage_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent_id} -{self.transformation}-> {self.child_id}"
