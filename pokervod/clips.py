"""Block C, hand clips: a stretch of a video file with its episode and tags.

Timecodes are ``HH:MM:SS``, ``MM:SS`` or seconds, each with an optional fraction (``.250``);
``out`` must come after ``in``, and both within the file's duration when it is known (probed
by block A). ``upsert_hand_clip`` is idempotent on ``source_key`` (the sheet's hand id): the
same row read twice is one clip. New clips emit ``hand.clip.created``, new tags
``hand.clip.tagged``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction

from . import events
from .models import Episode, HandClip, Tag, VideoFile

_TIMECODE = re.compile(r"(?:(?:(\d+):)?([0-5]?\d):)?(\d+(?:\.\d+)?)")


class ClipError(ValueError):
    """A clip that cannot be; the message names the field and the value."""


def parse_timecode(value: str | float | int, field: str = "timecode") -> float:
    """Seconds from ``HH:MM:SS[.fff]``, ``MM:SS[.fff]`` or plain seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        text = str(value or "").strip()
        found = _TIMECODE.fullmatch(text)
        if not found:
            raise ClipError(f"{field}: {text!r} is not a timecode (HH:MM:SS[.fff])")
        hours, minutes, secs = found.groups()
        if (hours or minutes) and float(secs) >= 60:
            raise ClipError(f"{field}: {text!r} has {secs} seconds")
        seconds = int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(secs)
    if seconds < 0:
        raise ClipError(f"{field}: {value!r} is negative")
    return seconds


def format_timecode(seconds: float) -> str:
    whole = int(seconds)
    text = f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    fraction = round(seconds - whole, 3)
    return f"{text}.{int(fraction * 1000):03d}" if fraction else text


def check_span(video_file: VideoFile, start: float, end: float) -> None:
    if end <= start:
        raise ClipError(f"out: {format_timecode(end)} is not after in: {format_timecode(start)}")
    duration = video_file.duration_seconds
    if duration is not None and end > duration:
        raise ClipError(
            f"out: {format_timecode(end)} is past the end of {video_file.name} "
            f"({format_timecode(duration)})"
        )


def normalize_tags(tags: Iterable[str] | str) -> list[str]:
    """Tags as a list of distinct lower-case words; a string is split on commas."""
    if isinstance(tags, str):
        tags = tags.split(",")
    seen: dict[str, None] = {}
    for tag in tags:
        name = " ".join(str(tag).split()).lower()
        if len(name) > 100:
            raise ClipError(f"tags: {name[:20]!r}... is longer than 100 characters")
        if name:
            seen.setdefault(name, None)
    return list(seen)


def upsert_hand_clip(
    *,
    video_file: VideoFile,
    episode: Episode | None,
    timecode: str | float,
    timecode_end: str | float,
    tags: Iterable[str] | str = (),
    source_key: str | None = None,
    source_hash: str = "",
    correlation_id: str = "",
) -> tuple[HandClip, str]:
    """The clip of ``source_key`` created or brought up to date; returns it and what happened:
    ``created``, ``changed`` or ``unchanged``."""
    start = parse_timecode(timecode, "in")
    end = parse_timecode(timecode_end, "out")
    check_span(video_file, start, end)
    names = normalize_tags(tags)
    with transaction.atomic():
        clip = None
        if source_key:
            clip = HandClip.objects.select_for_update().filter(source_key=source_key).first()
        if clip is None:
            clip = HandClip.objects.create(
                video_file=video_file,
                episode=episode,
                in_seconds=start,
                out_seconds=end,
                source_key=source_key or None,
                source_hash=source_hash,
            )
            events.emit(
                events.HAND_CLIP_CREATED,
                _payload(clip),
                block="C",
                correlation_id=correlation_id,
            )
            add_tags(clip, names, correlation_id=correlation_id)
            return clip, "created"
        before = (clip.video_file_id, clip.episode_id, clip.in_seconds, clip.out_seconds)
        clip.video_file, clip.episode = video_file, episode
        clip.in_seconds, clip.out_seconds = start, end
        moved = before != (video_file.pk, getattr(episode, "pk", None), start, end)
        if moved or clip.source_hash != source_hash:
            clip.source_hash = source_hash
            clip.save()
        removed = clip.tags.exclude(name__in=names)
        dropped = list(removed.values_list("name", flat=True))
        if dropped:
            clip.tags.remove(*removed)
        added = add_tags(clip, names, correlation_id=correlation_id)
        return clip, "changed" if moved or added or dropped else "unchanged"


def create_hand_clip(**kwargs) -> HandClip:
    """The seed's ``create_hand_clip``: ``upsert_hand_clip`` without what happened."""
    return upsert_hand_clip(**kwargs)[0]


def add_tags(clip: HandClip, tags: Iterable[str] | str, *, correlation_id: str = "") -> list[Tag]:
    """Put ``tags`` on ``clip``; returns the tags that were not on it yet (announced in one
    ``hand.clip.tagged``)."""
    names = normalize_tags(tags)
    with transaction.atomic():
        have = set(clip.tags.values_list("name", flat=True))
        new = [n for n in names if n not in have]
        if not new:
            return []
        Tag.objects.bulk_create([Tag(name=n) for n in new], ignore_conflicts=True)
        rows = list(Tag.objects.filter(name__in=new))
        clip.tags.add(*rows)
        events.emit(
            events.HAND_CLIP_TAGGED,
            {"clip": clip.pk, "tags": sorted(new)},
            block="C",
            correlation_id=correlation_id,
        )
    return rows


def clips_on_removed_files():
    """Clips whose video file is gone from the NAS: flagged for a person."""
    return HandClip.objects.filter(video_file__present=False)


def _payload(clip: HandClip) -> dict:
    return {
        "clip": clip.pk,
        "video_file": clip.video_file_id,
        "episode": clip.episode_id,
        "in": clip.in_seconds,
        "out": clip.out_seconds,
        "source_key": clip.source_key,
    }
