"""How the blocks meet: sheet rows become hand clips (the seed's incremental flow), and the
catalog is loaded from a file.

``clips_from_rows`` takes every stored sheet row whose clip is missing or was made from other
values (its ``source_hash`` differs from the row's hash), finds the file with block A
(``match_file_path``), the episode with block B (``match_episode``; a weak match leaves the
clip without an episode and the title in the review queue) and writes the clip with block C.
A row that cannot become a clip is counted by reason and tried again next time. Because the
pending rows are found by hash, a run killed halfway resumes where it stopped and never makes
a clip twice (``source_key`` is unique).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import CharField, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat

from .catalog import CatalogError, create_episode, create_project, episode_choices, match_episode
from .clips import ClipError, upsert_hand_clip
from .models import HandClip, SheetRow
from .nas.lookup import match_file_path
from .sheets.offline import read_rows

# The sheet columns a clip is made of (header names, lower-case, spaces as '_').
FILE_NAME, FOLDER, IN, OUT, TAGS, EPISODE = (
    "file_name",
    "nas_folder_link",
    "in",
    "out",
    "tags",
    "episode",
)


@dataclass
class ClipRun:
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    unmatched_episodes: int = 0
    failures: dict[str, int] = field(default_factory=dict)

    def fail(self, reason: str) -> None:
        self.failures[reason] = self.failures.get(reason, 0) + 1

    @property
    def items(self) -> int:
        return self.created + self.changed + self.unchanged + sum(self.failures.values())


def pending_rows(source: str | None = None):
    """Sheet rows whose clip is missing or out of date."""
    clip_hash = HandClip.objects.filter(source_key=OuterRef("clip_key")).values("source_hash")[:1]
    rows = SheetRow.objects.all()
    if source:
        rows = rows.filter(source=source)
    rows = rows.annotate(
        clip_key=Concat("source", Value(":"), "row_key", output_field=CharField()),
        clip_hash=Subquery(clip_hash),
    )
    return rows.filter(Q(clip_hash__isnull=True) | ~Q(clip_hash=F("row_hash")))


def clip_key(row: SheetRow) -> str:
    return f"{row.source}:{row.row_key}"


def clips_from_rows(
    source: str | None = None,
    *,
    correlation_id: str = "",
    on_failure: Callable[[str], None] | None = None,
) -> ClipRun:
    run = ClipRun()
    choices = None
    for row in pending_rows(source).order_by("id").iterator(chunk_size=500):
        values = row.values or {}
        file_name = values.get(FILE_NAME, "")
        reason = None
        video = match_file_path(values.get(FOLDER, ""), file_name)
        if video is None:
            reason = "no present NAS file matches the row"
        else:
            if choices is None:
                choices = episode_choices()
            title = values.get(EPISODE) or file_name
            try:
                episode = match_episode(title, choices=choices).episode if title else None
            except CatalogError:
                episode = None
            if episode is None:
                run.unmatched_episodes += 1
            try:
                _, what = upsert_hand_clip(
                    video_file=video,
                    episode=episode,
                    timecode=values.get(IN, ""),
                    timecode_end=values.get(OUT, ""),
                    tags=values.get(TAGS, ""),
                    source_key=clip_key(row),
                    source_hash=row.row_hash,
                    correlation_id=correlation_id,
                )
            except ClipError as exc:
                reason = f"bad clip: {str(exc).split(':', 1)[0]}"
            else:
                setattr(run, what, getattr(run, what) + 1)
        if reason:
            run.fail(reason)
            if on_failure:
                on_failure(reason)
    return run


CATALOG_COLUMNS = ("project", "project_name", "season", "event", "episode", "title")


def catalog_import(path: str | Path, *, correlation_id: str = "") -> int:
    """Load the catalog from a CSV or XLSX file with the columns ``CATALOG_COLUMNS`` (header
    row first); returns how many episodes it names. A bad row raises, naming its row number."""
    rows = read_rows(path)
    if not rows:
        return 0
    header = [c.strip().lower().replace(" ", "_") for c in rows[0]]
    missing = [c for c in CATALOG_COLUMNS if c not in header]
    if missing:
        raise CatalogError(f"{path}: missing column(s) {', '.join(missing)}")
    at = {c: header.index(c) for c in CATALOG_COLUMNS}
    count = 0
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        value = {c: cells[i].strip() for c, i in at.items()}
        if not value["episode"].isdigit():
            raise CatalogError(f"{path} row {number}: episode {value['episode']!r} is not a number")
        try:
            project = create_project(
                value["project"], value["project_name"], correlation_id=correlation_id
            )
            create_episode(
                project,
                value["season"],
                value["event"],
                int(value["episode"]),
                value["title"],
                correlation_id=correlation_id,
            )
        except CatalogError as exc:
            raise CatalogError(f"{path} row {number}: {exc}") from None
        count += 1
    return count
