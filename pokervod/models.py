"""What the PokerVOD blocks keep: video files on the NAS (A), the catalog (B), hand clips
(C) and the sheet rows last read (D)."""

from django.db import models


class VideoFile(models.Model):
    """One file under a scanned root, as the last scan saw it.

    ``(root, path)`` names it; ``path_key`` (its SHA-256) is the unique key, because a path can
    be longer than a unique index may be on MariaDB. A file whose name no rule parses keeps
    ``parse_error`` (the reason) and is never dropped. A file gone from the NAS stays, with
    ``present`` false and ``removed_at``, so its clips can be flagged.
    """

    root = models.CharField(max_length=500)
    path = models.TextField(help_text="Relative to the root, with '/' separators.")
    path_key = models.CharField(max_length=64, unique=True, editable=False)
    name = models.CharField(max_length=500)
    size = models.BigIntegerField()
    mtime_ns = models.BigIntegerField(help_text="Modification time, nanoseconds since the epoch.")
    # Parsed from the file name by the first matching rule (see pokervod.nas.filenames).
    rule = models.CharField(max_length=100, blank=True, default="")
    event = models.CharField(max_length=200, blank=True, default="")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    day = models.CharField(max_length=20, blank=True, default="")
    table = models.CharField(max_length=20, blank=True, default="")
    part = models.PositiveSmallIntegerField(null=True, blank=True)
    parse_error = models.CharField(max_length=500, blank=True, default="")
    # From ffprobe when it is installed; null when not probed or unreadable.
    duration_seconds = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    probe_error = models.CharField(max_length=500, blank=True, default="")
    present = models.BooleanField(default=True)
    first_seen_at = models.DateTimeField()
    scanned_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "yooini_pokervod_video_file"
        indexes = [models.Index(fields=["root", "present"], name="pokervod_file_root_present")]

    def __str__(self) -> str:
        return f"{self.root}:{self.path}"

    @property
    def parsed(self) -> bool:
        return not self.parse_error


class Project(models.Model):
    """A production (``WSOP``, ``HCL``): the top of the catalog."""

    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "yooini_pokervod_project"
        ordering = ("code",)

    def __str__(self) -> str:
        return self.code


class Season(models.Model):
    """A project's year or series (``2024``)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="seasons")
    name = models.CharField(max_length=100)
    year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        db_table = "yooini_pokervod_season"
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="pokervod_season_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.name}"


class CatalogEvent(models.Model):
    """A tournament within a season (``Main Event``); named so beside the engine's events."""

    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=200)

    class Meta:
        db_table = "yooini_pokervod_event"
        constraints = [
            models.UniqueConstraint(fields=["season", "name"], name="pokervod_event_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Episode(models.Model):
    """One published episode of an event; ``title`` is what file names and sheets call it."""

    event = models.ForeignKey(CatalogEvent, on_delete=models.CASCADE, related_name="episodes")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)

    class Meta:
        db_table = "yooini_pokervod_episode"
        ordering = ("event_id", "number")
        constraints = [
            models.UniqueConstraint(fields=["event", "number"], name="pokervod_episode_unique")
        ]

    def __str__(self) -> str:
        return self.title


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "pending"
    ACCEPTED = "accepted", "accepted"
    REJECTED = "rejected", "rejected"


class MatchReview(models.Model):
    """A title matched below the confidence threshold, waiting for a person.

    One row per title (``title_key``, its SHA-256): asking again updates the candidate.
    """

    title = models.CharField(max_length=500)
    title_key = models.CharField(max_length=64, unique=True, editable=False)
    candidate = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confidence = models.FloatField()
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    resolved = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "yooini_pokervod_match_review"
        indexes = [models.Index(fields=["status"], name="pokervod_review_status")]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"


class Tag(models.Model):
    """A word editors put on hands (``bluff``, ``hero-call``); stored lower-case."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        db_table = "yooini_pokervod_tag"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class HandClip(models.Model):
    """One hand: a stretch of a video file, in and out in seconds, with its tags.

    ``source_key`` is the identity of the row it came from (a sheet's hand id), unique, so a
    row read again updates its clip instead of making a second one. A clip whose file is gone
    from the NAS is flagged by that alone: ``video_file.present`` is false.
    """

    video_file = models.ForeignKey(VideoFile, on_delete=models.PROTECT, related_name="clips")
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.SET_NULL, related_name="clips"
    )
    in_seconds = models.FloatField()
    out_seconds = models.FloatField()
    source_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # The hash of the sheet row it was last made from: a row whose hash differs is pending.
    source_hash = models.CharField(max_length=64, blank=True, default="")
    tags = models.ManyToManyField(Tag, related_name="clips", db_table="yooini_pokervod_clip_tag")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "yooini_pokervod_hand_clip"

    def __str__(self) -> str:
        return f"{self.video_file.name} {self.in_seconds:.1f}-{self.out_seconds:.1f}"


class SheetRow(models.Model):
    """A sheet row as last read, by its key column (the hand id): what changed is what hashes
    differently. ``source`` is ``<spreadsheet id>!<tab>``; ``key_hash`` (SHA-256 of source and
    key) is the unique key, as both can be long."""

    source = models.CharField(max_length=300)
    row_key = models.CharField(max_length=200)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    row_hash = models.CharField(max_length=64)
    values = models.JSONField(default=dict)
    row_number = models.PositiveIntegerField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "yooini_pokervod_sheet_row"
        indexes = [models.Index(fields=["source"], name="pokervod_sheet_row_source")]

    def __str__(self) -> str:
        return f"{self.source} {self.row_key}"


class SearchEntry(models.Model):
    """One searchable thing of the catalog (an episode or a hand clip) and its words.

    The full-text index over ``text`` is each database's own (migration 0005): FTS5 on SQLite,
    a ``tsvector`` GIN index on PostgreSQL, a FULLTEXT index on MariaDB (pokervod.search).
    """

    kind = models.CharField(max_length=20)
    ref_id = models.BigIntegerField()
    title = models.CharField(max_length=500)
    text = models.TextField()

    class Meta:
        db_table = "yooini_pokervod_search"
        constraints = [
            models.UniqueConstraint(fields=["kind", "ref_id"], name="pokervod_search_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref_id}: {self.title}"
