"""The incremental flow's parts: links to files, rows to clips, the catalog file."""

from __future__ import annotations

import pytest
from django.utils import timezone

from pokervod.catalog import CatalogError
from pokervod.flows import catalog_import, clips_from_rows, pending_rows
from pokervod.models import Episode, HandClip, SheetRow, VideoFile
from pokervod.nas.lookup import match_file_path
from pokervod.nas.scan import path_key
from pokervod.sheets.offline import write_rows
from pokervod.sheets.sync import SheetSource, sync_sheet

pytestmark = pytest.mark.django_db


def video(root, path, duration=None):
    now = timezone.now()
    return VideoFile.objects.create(
        root=root,
        path=path,
        path_key=path_key(root, path),
        name=path.rsplit("/", 1)[-1],
        size=1,
        mtime_ns=1,
        duration_seconds=duration,
        first_seen_at=now,
        scanned_at=now,
    )


def test_links_in_every_form_find_their_file():
    a = video("/mnt/nas", "WSOP/2024/Main.mp4")
    b = video("/mnt/nas", "EPT/2024/Main.mp4")
    assert match_file_path(r"\\nas\vod\WSOP\2024", "Main.mp4") == a
    assert match_file_path("smb://nas/vod/EPT/2024/Main.mp4") == b
    assert match_file_path("/elsewhere", "Main.mp4") is None  # two candidates, no clue
    assert match_file_path("/x", "Other.mp4") is None
    VideoFile.objects.filter(pk=b.pk).update(present=False)
    assert match_file_path("/elsewhere", "Main.mp4") == a


def test_rows_become_clips_once_and_bad_rows_are_counted(tmp_path):
    video("/nas", "WSOP/WSOP_2024_Main_Event_Day1.mp4", duration=600)
    header = ["hand_id", "file_name", "nas_folder_link", "in", "out", "tags"]
    rows = [
        header,
        ["H-1", "WSOP_2024_Main_Event_Day1.mp4", "/nas/WSOP", "00:01:00", "00:02:00", "bluff"],
        ["H-2", "WSOP_2024_Main_Event_Day1.mp4", "/nas/WSOP", "00:09:00", "00:11:00", ""],
        ["H-3", "missing.mp4", "/nas/WSOP", "00:01:00", "00:02:00", ""],
    ]
    path = write_rows(tmp_path / "hands.csv", rows)
    source = SheetSource("s", "Hands!A1:F")
    sync_sheet(source, from_file=path)
    first = clips_from_rows()
    assert (first.created, first.unmatched_episodes) == (1, 2)
    assert first.failures == {"bad clip: out": 1, "no present NAS file matches the row": 1}
    assert pending_rows().count() == 2  # the failing rows wait for the next run
    again = clips_from_rows()
    assert again.created == 0 and HandClip.objects.count() == 1

    rows[2][4] = "00:09:30"  # fixed by the editor
    write_rows(path, rows)
    sync_sheet(source, from_file=path)
    assert clips_from_rows().created == 1
    assert set(SheetRow.objects.values_list("row_key", flat=True)) == {"H-1", "H-2", "H-3"}


def test_catalog_file(tmp_path):
    good = write_rows(
        tmp_path / "catalog.csv",
        [
            ["project", "project_name", "season", "event", "episode", "title"],
            ["WSOP", "World Series of Poker", "2024", "Main Event", "1", "Day 1"],
            ["WSOP", "World Series of Poker", "2024", "Main Event", "2", "Day 2"],
        ],
    )
    assert catalog_import(good) == 2 and Episode.objects.count() == 2
    assert catalog_import(good) == 2 and Episode.objects.count() == 2
    bad = write_rows(
        tmp_path / "bad.csv",
        [
            ["project", "project_name", "season", "event", "episode", "title"],
            ["W", "", "1", "E", "x", "t"],
        ],
    )
    with pytest.raises(CatalogError, match=r"bad.csv row 2: episode 'x' is not a number"):
        catalog_import(bad)
    with pytest.raises(CatalogError, match="missing column"):
        catalog_import(write_rows(tmp_path / "short.csv", [["project"]]))
