"""``pokervod_sync`` end to end on the engine: a full sync of a sample archive against the
local Sheets server, then an edited row, a new row and a removed file."""

from __future__ import annotations

import pytest

from orchestrator.models import Batch, Event, StageRun
from pokervod.models import Episode, HandClip, MatchReview, VideoFile
from pokervod.sample_run import archive_served
from pokervod.workflow import pokervod_sync

SHEET = "1pokervod-e2e"


@pytest.fixture
def world(tmp_path, settings):
    settings.POKERVOD_EXPORT_DIR = str(tmp_path / "exports")
    settings.POKERVOD_FFPROBE = str(tmp_path / "no-ffprobe")
    with archive_served(tmp_path, files=120, hands=30, sheet=SHEET) as served:
        yield served


def events_of(event_type):
    return Event.objects.filter(type=event_type).count()


def test_full_then_incremental(world, run_batch):
    sample, server, params = world
    full = run_batch(pokervod_sync, mode="full", params=params)
    assert full.status == "COMPLETED", list(StageRun.objects.values("stage", "status", "error"))
    assert VideoFile.objects.count() == 120
    assert VideoFile.objects.exclude(parse_error="").count() == 3
    assert Episode.objects.count() > 0
    assert HandClip.objects.count() == 30  # one clip per hand row
    assert HandClip.objects.filter(episode__isnull=True).count() == 0
    assert MatchReview.objects.count() == 0
    assert events_of("system.sync.completed") == 1
    created = events_of("hand.clip.created")
    assert created == 30

    # An editor changes one hand's out timecode: exactly one clip changes.
    server.edit(SHEET, "Hands", 5, 5, "03:30:00")
    before = {c.pk: (c.in_seconds, c.out_seconds) for c in HandClip.objects.all()}
    sheet = run_batch(pokervod_sync, mode="incremental", params=params)
    assert sheet.status == "COMPLETED"
    after = {c.pk: (c.in_seconds, c.out_seconds) for c in HandClip.objects.all()}
    assert [pk for pk in after if after[pk] != before[pk]] == [
        HandClip.objects.get(source_key=f"{SHEET}!Hands:{sample.sheet_rows[5][0]}").pk
    ]
    assert events_of("hand.clip.created") == 30
    clips_cell = StageRun.objects.get(batch=sheet.id, stage="clips")
    assert (clips_cell.result["changed"], clips_cell.result["created"]) == (1, 0)

    # A removed file is reported by the hourly NAS run and its clips are flagged.
    victim = HandClip.objects.first().video_file
    (sample.nas_root / victim.path).unlink()
    nas = run_batch(pokervod_sync, mode="nas", params=params)
    assert nas.status == "COMPLETED"
    assert StageRun.objects.get(batch=nas.id, stage="nas").result["removed"] == 1
    assert events_of("nas.file.removed") == 1
    assert HandClip.objects.filter(video_file=victim, video_file__present=False).exists()


def test_a_failing_block_fails_alone(world, run_batch):
    _, server, params = world
    params = {**params, "service_account_file": "/nonexistent/key.json"}
    batch = run_batch(pokervod_sync, mode="full", params=params)
    cells = {c.stage: c.status for c in StageRun.objects.filter(batch=batch.id)}
    assert cells["nas"] == "DONE" and cells["catalog"] == "DONE"
    assert cells["sheet"] == "ERROR"
    assert cells["clips"] == "BLOCKED" and cells["finish"] == "BLOCKED"
    assert batch.status == "COMPLETED_WITH_ERRORS"
    assert Batch.objects.count() == 1
    [told] = Event.objects.filter(type="system.error")
    assert told.payload["source"] == "D" and told.payload["dependents"] == ["C"]
    assert "key.json" in told.payload["error"] and told.correlation_id == batch.id


def test_block_statuses_follow_the_cells(world, run_batch):
    from pokervod.status import block_statuses, overall_status

    _, server, params = world
    assert overall_status(block_statuses()) == "idle"
    run_batch(pokervod_sync, mode="full", params=params)
    blocks = block_statuses()
    assert {b: s.status for b, s in blocks.items()} == {
        "A": "completed",  # names no rule reads are recorded with the reason: not failures
        "B": "completed",
        "D": "completed",
        "C": "completed",
    }
    assert blocks["A"].items_total == 120 and blocks["C"].items_processed == 30
    assert overall_status(blocks) == "completed"
    broken = {**params, "service_account_file": "/nonexistent/key.json"}
    run_batch(pokervod_sync, mode="incremental", params=broken)
    blocks = block_statuses()
    assert blocks["D"].status == "failed" and "key.json" in blocks["D"].last_error
    assert blocks["C"].status == "idle" and blocks["C"].last_sync_at is not None
    assert overall_status(blocks) == "partial"


def test_the_engines_api_starts_and_shows_it(api_as, settings, transactional_db):
    operator = api_as("operator")
    # Nothing of an archive configured: nothing to run (its schedules start no batch either).
    idle = operator.post(
        "/api/orchestrator/sync", {"workflow": "pokervod_sync", "sync_type": "incremental"}
    )
    assert idle.status_code == 400 and "no partitions" in str(idle.json())
    settings.POKERVOD_SHEETS = {**settings.POKERVOD_SHEETS, "spreadsheet_id": "sheet-of-hands"}
    started = operator.post(
        "/api/orchestrator/sync", {"workflow": "pokervod_sync", "sync_type": "incremental"}
    )
    assert started.status_code == 201 and started.json()["mode"] == "incremental"
    cells = StageRun.objects.filter(batch=started.json()["batch_id"])
    assert {c.stage: c.status for c in cells} == {
        "nas": "SKIPPED",
        "catalog": "SKIPPED",
        "sheet": "PENDING",
        "clips": "PENDING",
        "finish": "PENDING",
    }
    shown = operator.get("/api/orchestrator/status").json()
    [mine] = [w for w in shown["workflows"] if w["workflow"] == "pokervod_sync"]
    assert [s["stage"] for s in mine["stages"]][:2] == ["nas", "catalog"]


def test_the_seeds_retry_table_is_the_stages_configuration():
    from pokervod.policies import RETRY_POLICIES

    by_stage = {"nas": "A", "catalog": "B", "sheet": "D", "clips": "C"}
    for stage, block in by_stage.items():
        assert pokervod_sync.stages[stage].retry == RETRY_POLICIES[block]
    assert (RETRY_POLICIES["D"].attempts, RETRY_POLICIES["D"].base_delay) == (5, 10)
    assert (RETRY_POLICIES["C"].backoff, RETRY_POLICIES["C"].base_delay) == ("fixed", 2)
