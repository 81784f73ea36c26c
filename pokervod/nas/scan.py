"""Scanning the NAS roots: what is new, changed, unchanged or gone since the last scan.

Incremental by modification time: a file whose size and mtime are what the last scan
recorded is neither parsed nor probed again (``full=True`` does both for every file, after a
rule change). New files, and files that come back, emit ``nas.file.added``; files gone emit
``nas.file.removed`` and stay recorded with ``present`` false. A root that cannot be read
(an unmounted share) is reported and its files are left as they were: an unreachable NAS is
not a NAS whose files were all deleted. Each root is written in one transaction with its
events.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import events
from ..models import VideoFile
from .filenames import Rule, configured_rules, parse_filename
from .probe import Probe, ffprobe_path, probe_file

DEFAULT_EXTENSIONS = frozenset({".mp4", ".mov", ".mkv", ".avi", ".mxf", ".m4v", ".ts", ".wmv"})


class NasUnavailable(RuntimeError):
    """No configured root could be read."""


@dataclass
class ScanResult:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    unparsed: int = 0
    probed: int = 0
    root_errors: dict[str, str] = field(default_factory=dict)

    @property
    def seen(self) -> int:
        return self.added + self.changed + self.unchanged

    def as_dict(self) -> dict:
        return {
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "unparsed": self.unparsed,
            "probed": self.probed,
            "root_errors": dict(self.root_errors),
        }


def path_key(root: str, path: str) -> str:
    return hashlib.sha256(f"{root}\0{path}".encode()).hexdigest()


def configured_roots() -> list[str]:
    return [str(r) for r in getattr(settings, "POKERVOD_NAS_ROOTS", None) or []]


def _walk(root: Path, extensions: frozenset[str]) -> Iterable[tuple[str, os.stat_result]]:
    """(relative posix path, stat) of every video file under ``root``; hidden entries skipped.
    An unreadable subfolder raises, so the root is reported rather than half-scanned."""

    def fail(error: OSError) -> None:
        raise error

    for folder, dirs, files in os.walk(root, onerror=fail):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or Path(name).suffix.lower() not in extensions:
                continue
            full = Path(folder) / name
            yield full.relative_to(root).as_posix(), full.stat()


def scan_nas(
    roots: Iterable[str] | None = None,
    *,
    rules: list[Rule] | None = None,
    extensions: Iterable[str] | None = None,
    full: bool = False,
    correlation_id: str = "",
) -> ScanResult:
    """Scan ``roots`` (default ``settings.POKERVOD_NAS_ROOTS``) and record what changed."""
    roots = list(roots) if roots is not None else configured_roots()
    if not roots:
        raise NasUnavailable("no NAS root is configured (settings.POKERVOD_NAS_ROOTS)")
    rules = rules if rules is not None else configured_rules()
    wanted = (
        frozenset(e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions)
        if extensions
        else DEFAULT_EXTENSIONS
    )
    ffprobe = ffprobe_path()
    result = ScanResult()
    for root in roots:
        root_path = Path(root)
        if not root_path.is_dir():
            result.root_errors[root] = "not a readable folder"
            continue
        try:
            found = dict(_walk(root_path, wanted))
        except OSError as exc:
            result.root_errors[root] = f"{type(exc).__name__}: {exc.strerror or exc}"
            continue
        _record_root(root, root_path, found, rules, ffprobe, full, correlation_id, result)
    if len(result.root_errors) == len(roots):
        raise NasUnavailable(
            "no NAS root could be read: "
            + "; ".join(f"{r}: {e}" for r, e in result.root_errors.items())
        )
    return result


def _record_root(
    root: str,
    root_path: Path,
    found: dict[str, os.stat_result],
    rules: list[Rule],
    ffprobe: str | None,
    full: bool,
    correlation_id: str,
    result: ScanResult,
) -> None:
    now = timezone.now()
    known = {f.path: f for f in VideoFile.objects.filter(root=root)}
    added_events: list[dict] = []
    removed_events: list[dict] = []
    new_rows: list[VideoFile] = []
    with transaction.atomic():
        for path, stat in found.items():
            row = known.get(path)
            same = row is not None and row.size == stat.st_size and row.mtime_ns == stat.st_mtime_ns
            if same and row.present and not full:
                result.unchanged += 1
                continue
            if row is None:
                row = VideoFile(
                    root=root, path=path, path_key=path_key(root, path), first_seen_at=now
                )
                new_rows.append(row)
                result.added += 1
            elif not row.present:
                result.added += 1
            else:
                result.changed += 1
            came_back = row.pk is not None and not row.present
            _describe(row, root_path / path, stat, rules, ffprobe, now, result)
            if row.pk is not None:
                row.save()
            if row.pk is None or came_back:
                added_events.append(_payload(row))
        VideoFile.objects.bulk_create(new_rows, batch_size=500)
        gone = [f for p, f in known.items() if f.present and p not in found]
        if gone:
            VideoFile.objects.filter(pk__in=[f.pk for f in gone]).update(
                present=False, removed_at=now
            )
            result.removed += len(gone)
            removed_events = [_payload(f) for f in gone]
        # Ids of bulk-created rows are not known on every database: the event names the file.
        events.emit_many(
            events.NAS_FILE_ADDED, added_events, block="A", correlation_id=correlation_id
        )
        events.emit_many(
            events.NAS_FILE_REMOVED, removed_events, block="A", correlation_id=correlation_id
        )


def _describe(
    row: VideoFile,
    full_path: Path,
    stat: os.stat_result,
    rules: list[Rule],
    ffprobe: str | None,
    now,
    result: ScanResult,
) -> None:
    parsed = parse_filename(full_path.name, rules)
    row.name = full_path.name
    row.size = stat.st_size
    row.mtime_ns = stat.st_mtime_ns
    row.rule, row.event, row.year = parsed.rule, parsed.event, parsed.year
    row.day, row.table, row.part = parsed.day, parsed.table, parsed.part
    row.parse_error = parsed.error
    if parsed.error:
        result.unparsed += 1
    probe = probe_file(full_path, ffprobe) if ffprobe else Probe()
    if ffprobe:
        result.probed += 1
    row.duration_seconds, row.width, row.height = probe.duration_seconds, probe.width, probe.height
    row.probe_error = probe.error
    row.present, row.removed_at, row.scanned_at = True, None, now


def _payload(row: VideoFile) -> dict:
    return {
        "root": row.root,
        "path": row.path,
        "name": row.name,
        "size": row.size,
        "parse_error": row.parse_error,
    }
