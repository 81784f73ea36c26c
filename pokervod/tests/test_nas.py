"""Block A: file names parsed by configurable rules, the NAS scanned incrementally, changes
announced as events, ffprobe used only when it is there."""

from __future__ import annotations

import json
import os
import stat
import sys

import pytest

from orchestrator.models import Event
from pokervod.models import VideoFile
from pokervod.nas.filenames import DEFAULT_RULES, RuleError, compile_rules, parse_filename
from pokervod.nas.probe import probe_from_json
from pokervod.nas.scan import NasUnavailable, scan_nas

RULES = compile_rules(DEFAULT_RULES)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "WSOP_2024_Main_Event_Day1A_Table3_Part2.mp4",
            ("WSOP Main Event", 2024, "1A", "3", 2),
        ),
        (
            "2023 WSOP Europe - Main Event - Day 2 - Table 5 - Part 1.mov",
            ("WSOP Europe Main Event", 2023, "2", "5", 1),
        ),
        ("EPT 2022 Barcelona Day 3.mkv", ("EPT Barcelona", 2022, "3", "", None)),
        ("HCL_2024_Table_12.mp4", ("HCL", 2024, "", "12", None)),
    ],
)
def test_default_rules_read_realistic_names(name, expected):
    parsed = parse_filename(name, RULES)
    assert parsed.error == ""
    assert (parsed.event, parsed.year, parsed.day, parsed.table, parsed.part) == expected


def test_unreadable_names_get_a_reason():
    assert parse_filename("final table highlights.mp4", RULES).error == (
        "no filename rule matches 'final table highlights'"
    )
    assert "year 1890 is out of range" in parse_filename("WSOP_1890_Day1.mp4", RULES).error


def test_custom_rules_and_their_errors():
    rules = compile_rules([{"name": "ggpoker", "pattern": r"GG-(?P<event>\w+)-P(?P<part>\d+)"}])
    assert parse_filename("GG-Millions-P7.mp4", rules).part == 7
    with pytest.raises(RuleError, match="'broken': bad pattern"):
        compile_rules([{"name": "broken", "pattern": "(?P<event>"}])
    with pytest.raises(RuleError, match="needs a named group 'event'"):
        compile_rules([{"name": "no-event", "pattern": r"(?P<year>\d+)"}])
    with pytest.raises(RuleError, match=r"unknown group\(s\) \['season'\]"):
        compile_rules([{"name": "x", "pattern": r"(?P<event>\w+)(?P<season>\d)"}])
    with pytest.raises(RuleError, match="'pattern' is required"):
        compile_rules([{"name": "empty"}])


def test_ffprobe_json_gives_duration_and_resolution():
    raw = json.dumps(
        {
            "streams": [
                {"codec_type": "audio"},
                {"codec_type": "video", "width": 1920, "height": 1080},
            ],
            "format": {"duration": "3605.120000"},
        }
    )
    probe = probe_from_json(raw)
    assert (probe.duration_seconds, probe.width, probe.height) == (3605.12, 1920, 1080)
    assert probe_from_json("{}").error == "ffprobe found no duration"
    assert probe_from_json("not json").error == "ffprobe answered no JSON"


def write(root, relative, data=b"x"):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def events_of(event_type):
    return list(Event.objects.filter(type=event_type).order_by("id"))


@pytest.fixture
def nas(tmp_path, settings):
    settings.POKERVOD_FFPROBE = str(tmp_path / "no-ffprobe-here")
    root = tmp_path / "nas"
    write(root, "WSOP/2024/WSOP_2024_Main_Event_Day1A_Table3_Part1.mp4", b"a" * 10)
    write(root, "WSOP/2024/WSOP_2024_Main_Event_Day1A_Table3_Part2.mp4", b"b" * 20)
    write(root, "misc/final table highlights.mov", b"c")
    write(root, "misc/notes.txt", b"not a video")
    write(root, "misc/.hidden.mp4", b"hidden")
    return root


@pytest.mark.django_db
def test_scan_records_every_video_and_announces_new_ones(nas):
    result = scan_nas([str(nas)])
    assert (result.added, result.unparsed, result.probed) == (3, 1, 0)
    files = {f.path: f for f in VideoFile.objects.all()}
    assert set(files) == {
        "WSOP/2024/WSOP_2024_Main_Event_Day1A_Table3_Part1.mp4",
        "WSOP/2024/WSOP_2024_Main_Event_Day1A_Table3_Part2.mp4",
        "misc/final table highlights.mov",
    }
    part2 = files["WSOP/2024/WSOP_2024_Main_Event_Day1A_Table3_Part2.mp4"]
    assert (part2.event, part2.year, part2.day, part2.table, part2.part) == (
        "WSOP Main Event",
        2024,
        "1A",
        "3",
        2,
    )
    assert part2.size == 20 and part2.duration_seconds is None
    unparsed = files["misc/final table highlights.mov"]
    assert unparsed.parse_error.startswith("no filename rule matches") and unparsed.present
    added = events_of("nas.file.added")
    assert len(added) == 3 and {e.source for e in added} == {"pokervod.A"}
    assert {e.payload["path"] for e in added} == set(files)


@pytest.mark.django_db
def test_rescan_is_incremental_by_mtime(nas):
    scan_nas([str(nas)])
    again = scan_nas([str(nas)])
    assert (again.added, again.changed, again.unchanged, again.removed) == (0, 0, 3, 0)
    assert len(events_of("nas.file.added")) == 3

    changed = nas / "WSOP/2024/WSOP_2024_Main_Event_Day1A_Table3_Part1.mp4"
    changed.write_bytes(b"a" * 99)
    os.utime(changed, ns=(10**18, 10**18))
    third = scan_nas([str(nas)])
    assert (third.added, third.changed, third.unchanged) == (0, 1, 2)
    row = VideoFile.objects.get(name=changed.name)
    assert (row.size, row.mtime_ns) == (99, 10**18)


@pytest.mark.django_db
def test_a_removed_file_is_kept_and_announced_and_can_come_back(nas):
    scan_nas([str(nas)])
    gone = nas / "WSOP/2024/WSOP_2024_Main_Event_Day1A_Table3_Part2.mp4"
    data = gone.read_bytes()
    gone.unlink()
    result = scan_nas([str(nas)])
    assert result.removed == 1
    row = VideoFile.objects.get(name=gone.name)
    assert not row.present and row.removed_at is not None
    [removed] = events_of("nas.file.removed")
    assert removed.payload["path"] == row.path
    assert scan_nas([str(nas)]).removed == 0

    gone.write_bytes(data)
    back = scan_nas([str(nas)])
    assert back.added == 1
    row.refresh_from_db()
    assert row.present and row.removed_at is None
    assert len(events_of("nas.file.added")) == 4


@pytest.mark.django_db
def test_an_unreachable_root_removes_nothing(nas, tmp_path):
    scan_nas([str(nas)])
    mounted_elsewhere = nas.rename(tmp_path / "unmounted")
    other = tmp_path / "other"
    write(other, "EPT 2022 Barcelona Day 3.mkv")
    result = scan_nas([str(nas), str(other)])
    assert result.root_errors == {str(nas): "not a readable folder"}
    assert result.added == 1 and result.removed == 0
    assert VideoFile.objects.filter(root=str(nas), present=True).count() == 3
    with pytest.raises(NasUnavailable, match="no NAS root could be read"):
        scan_nas([str(nas)])
    assert mounted_elsewhere.exists()


@pytest.mark.django_db
def test_no_root_configured_is_a_clear_error(settings):
    settings.POKERVOD_NAS_ROOTS = []
    with pytest.raises(NasUnavailable, match="POKERVOD_NAS_ROOTS"):
        scan_nas()


@pytest.mark.django_db
def test_ffprobe_when_installed_gives_duration(nas, tmp_path, settings):
    # ffprobe is not installed on every machine that runs these tests; a stand-in executable
    # answers what ffprobe -print_format json answers, so the scan's use of it is exercised.
    stand_in = tmp_path / "ffprobe"
    stand_in.write_text(
        f"#!{sys.executable}\n"
        "import json, sys, os\n"
        "path = sys.argv[-1]\n"
        "if path.endswith('.mov'):\n"
        "    sys.stderr.write(path + ': Invalid data found when processing input\\n'); sys.exit(1)\n"
        "print(json.dumps({'streams': [{'codec_type': 'video', 'width': 1280, 'height': 720}],\n"
        "                  'format': {'duration': str(os.path.getsize(path) * 60)}}))\n"
    )
    stand_in.chmod(stand_in.stat().st_mode | stat.S_IEXEC)
    settings.POKERVOD_FFPROBE = str(stand_in)
    result = scan_nas([str(nas)])
    assert result.probed == 3
    part2 = VideoFile.objects.get(name="WSOP_2024_Main_Event_Day1A_Table3_Part2.mp4")
    assert (part2.duration_seconds, part2.width, part2.height) == (1200.0, 1280, 720)
    broken = VideoFile.objects.get(name="final table highlights.mov")
    assert broken.duration_seconds is None
    assert broken.probe_error.endswith("Invalid data found when processing input")


@pytest.mark.django_db
def test_the_configured_rules_are_used(tmp_path, settings):
    settings.POKERVOD_FFPROBE = str(tmp_path / "none")
    settings.POKERVOD_FILENAME_RULES = [
        {"name": "ggpoker", "pattern": r"GG-(?P<event>\w+)-(?P<year>\d{4})-P(?P<part>\d+)"}
    ]
    write(tmp_path / "nas", "GG-Millions-2024-P3.mp4")
    write(tmp_path / "nas", "WSOP_2024_Main_Event_Day1.mp4")
    result = scan_nas([str(tmp_path / "nas")])
    assert result.unparsed == 1  # the defaults are replaced, not extended
    gg = VideoFile.objects.get(name="GG-Millions-2024-P3.mp4")
    assert (gg.rule, gg.event, gg.year, gg.part) == ("ggpoker", "Millions", 2024, 3)
    settings.POKERVOD_FILENAME_RULES = [{"name": "bad", "pattern": "("}]
    with pytest.raises(RuleError, match="'bad': bad pattern"):
        scan_nas([str(tmp_path / "nas")])
