"""Block C: hand clips with timecodes checked against the file, tags, and their events."""

from __future__ import annotations

import pytest
from django.utils import timezone

from orchestrator.models import Event
from pokervod.catalog import create_episode, create_project
from pokervod.clips import (
    ClipError,
    add_tags,
    clips_on_removed_files,
    format_timecode,
    parse_timecode,
    upsert_hand_clip,
)
from pokervod.models import HandClip, VideoFile
from pokervod.nas.scan import path_key

pytestmark = pytest.mark.django_db


def video(name="WSOP_2024_Main_Event_Day1A_Part1.mp4", duration=3600.0):
    now = timezone.now()
    return VideoFile.objects.create(
        root="/nas",
        path=f"WSOP/{name}",
        path_key=path_key("/nas", f"WSOP/{name}"),
        name=name,
        size=1,
        mtime_ns=1,
        duration_seconds=duration,
        first_seen_at=now,
        scanned_at=now,
    )


@pytest.fixture
def episode():
    return create_episode(create_project("WSOP", "WSOP"), "2024", "Main Event", 1, "Day 1A")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("01:02:03", 3723.0), ("02:03.5", 123.5), ("75", 75.0), ("0:00:01.250", 1.25), (90, 90.0)],
)
def test_timecodes(text, seconds):
    assert parse_timecode(text) == seconds


@pytest.mark.parametrize("text", ["1:61:00", "00:00:75", "abc", "", "-5", "1::2"])
def test_bad_timecodes_name_the_field(text):
    with pytest.raises(ClipError, match=r"^in: "):
        parse_timecode(text, "in")


def test_format_timecode():
    assert format_timecode(3723.25) == "01:02:03.250"
    assert format_timecode(59) == "00:00:59"


def test_a_clip_is_checked_against_its_file(episode):
    file = video(duration=600.0)
    with pytest.raises(ClipError, match=r"out: 00:10:01 is past the end of .* \(00:10:00\)"):
        upsert_hand_clip(video_file=file, episode=episode, timecode="9:00", timecode_end="10:01")
    with pytest.raises(ClipError, match="out: 00:01:00 is not after in: 00:02:00"):
        upsert_hand_clip(video_file=file, episode=episode, timecode="2:00", timecode_end="1:00")
    unknown = video("unprobed.mp4", duration=None)
    clip, _ = upsert_hand_clip(
        video_file=unknown, episode=None, timecode="5:00:00", timecode_end="5:01:00"
    )
    assert clip.out_seconds == 18060.0
    assert HandClip.objects.count() == 1


def test_the_same_row_is_one_clip_and_changes_are_reported(episode):
    file = video()
    clip, what = upsert_hand_clip(
        video_file=file,
        episode=episode,
        timecode="00:10:00",
        timecode_end="00:12:30",
        tags="Bluff, hero call ,bluff",
        source_key="sheet:H-001",
    )
    assert what == "created"
    assert sorted(clip.tags.values_list("name", flat=True)) == ["bluff", "hero call"]
    same = dict(video_file=file, episode=episode, source_key="sheet:H-001")
    _, what = upsert_hand_clip(
        **same, timecode="00:10:00", timecode_end="00:12:30", tags=["hero call", "BLUFF"]
    )
    assert what == "unchanged"
    _, what = upsert_hand_clip(**same, timecode="00:10:05", timecode_end="00:12:30", tags="bluff")
    assert what == "changed"
    clip.refresh_from_db()
    assert clip.in_seconds == 605.0 and list(clip.tags.values_list("name", flat=True)) == ["bluff"]
    assert HandClip.objects.count() == 1
    [created] = Event.objects.filter(type="hand.clip.created")
    assert created.payload["source_key"] == "sheet:H-001" and created.source == "pokervod.C"


def test_add_tags_announces_only_new_tags(episode):
    clip, _ = upsert_hand_clip(
        video_file=video(), episode=episode, timecode="1:00", timecode_end="2:00"
    )
    assert [t.name for t in add_tags(clip, ["river", "all-in"])] == ["all-in", "river"]
    assert add_tags(clip, "River") == []
    tagged = Event.objects.filter(type="hand.clip.tagged")
    assert [e.payload["tags"] for e in tagged] == [["all-in", "river"]]


def test_clips_of_removed_files_are_flagged(episode):
    file = video()
    clip, _ = upsert_hand_clip(video_file=file, episode=episode, timecode="1", timecode_end="2")
    assert not clips_on_removed_files().exists()
    VideoFile.objects.filter(pk=file.pk).update(present=False)
    assert list(clips_on_removed_files()) == [clip]
