"""``yooini pokervod``: each action by hand, and bad input refused with a clear message."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pokervod.catalog import create_episode, create_project
from pokervod.sheets.offline import read_rows, write_rows

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("pokervod", *args, stdout=out)
    return out.getvalue()


def test_scan_match_reviews_and_status(tmp_path, settings):
    settings.POKERVOD_FFPROBE = str(tmp_path / "none")
    (tmp_path / "nas").mkdir()
    (tmp_path / "nas" / "WSOP_2024_Main_Event_Day1_Part1.mp4").write_bytes(b"x")
    assert json.loads(run("scan", str(tmp_path / "nas"), "--json"))["added"] == 1
    create_episode(create_project("WSOP", "WSOP"), "2024", "Main Event", 1, "Day 1")
    assert run("match", "WSOP_2024_Main_Event_Day1.mp4").startswith("matched: Day 1")
    assert "queued for review" in run("match", "EPT Prague")
    assert "EPT Prague" in run("reviews")
    status = json.loads(run("status", "--json"))
    assert status["overall"] == "idle" and set(status["blocks"]) == {"A", "B", "C", "D"}
    with pytest.raises(CommandError, match="no NAS root could be read"):
        run("scan", str(tmp_path / "missing"))


def test_sheet_import_and_export(tmp_path):
    rows = [["Hand ID", "In"], ["H-1", "00:00:01"], ["H-2", "00:00:02"]]
    source = write_rows(tmp_path / "in.xlsx", rows)
    assert "2 added" in run(
        "sheet-import", str(source), "--spreadsheet", "S", "--range", "Hands!A1:B"
    )
    assert "2 rows" in run(
        "sheet-export", str(tmp_path / "out.csv"), "--spreadsheet", "S", "--range", "Hands!A1:B"
    )
    assert read_rows(tmp_path / "out.csv") == [
        ["hand_id", "in"],
        ["H-1", "00:00:01"],
        ["H-2", "00:00:02"],
    ]
    with pytest.raises(CommandError, match="only .csv and .xlsx"):
        run("sheet-import", str(tmp_path / "x.ods"), "--spreadsheet", "S")
    with pytest.raises(CommandError, match="no rows were read yet"):
        run("sheet-export", str(tmp_path / "o.csv"), "--spreadsheet", "other")


def test_health_and_migrate(tmp_path, settings):
    settings.POKERVOD_NAS_ROOTS = [str(tmp_path)]
    assert "G ok" in run("health")
    assert "nothing to apply" in run("migrate")
    settings.POKERVOD_NAS_ROOTS = []
    with pytest.raises(CommandError, match="not healthy"):
        run("health")
