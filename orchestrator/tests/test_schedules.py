"""Schedules: the time math, misfires, overlaps, validation, sync, the CLI, and exactly-once
firing with several schedulers at once."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from orchestrator import ALL, ScheduleSpec
from orchestrator.core.schedule import ScheduleError, Timing, misfire_decide
from orchestrator.models import Batch, BatchStatus, Schedule
from orchestrator.services.batches import batch_start
from orchestrator.services.schedules import (
    ScheduleInvalid,
    schedule_create,
    schedule_enable,
    schedule_update,
    schedules_fire_due,
    schedules_sync,
)

SEOUL = "Asia/Seoul"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- pure time math ------------------------------------------------------------------------


def test_cron_is_read_in_its_zone():
    daily = Timing("0 3 * * *", time_zone=SEOUL)
    # 2026-01-27 03:00 UTC is 12:00 in Seoul: the next 03:00 Seoul is the 28th, 18:00 UTC the 27th.
    assert daily.next_after(utc(2026, 1, 27, 3)) == utc(2026, 1, 27, 18)
    assert daily.next_after(utc(2026, 1, 27, 18)) == utc(2026, 1, 28, 18)  # strictly after
    hourly = Timing("0 * * * *", time_zone=SEOUL)
    assert hourly.next_after(utc(2026, 1, 27, 3, 0, 1)) == utc(2026, 1, 27, 4)
    assert Timing("0 3 * * *", time_zone="UTC").next_after(utc(2026, 1, 27, 3)) == utc(
        2026, 1, 28, 3
    )


def test_interval_stays_on_its_grid():
    every = Timing(every_seconds=600)
    assert every.next_after(utc(2026, 1, 1, 0, 0, 5, 123)) == utc(2026, 1, 1, 0, 10, 5)
    anchor = utc(2026, 1, 1, 0, 0)
    assert every.next_after(utc(2026, 1, 1, 0, 25), anchor=anchor) == utc(2026, 1, 1, 0, 30)
    assert every.next_after(utc(2026, 1, 1, 0, 30), anchor=anchor) == utc(2026, 1, 1, 0, 40)
    assert every.due_between(anchor, utc(2026, 1, 1, 1, 0)) == 7
    assert every.latest_due(anchor, utc(2026, 1, 1, 0, 59)) == utc(2026, 1, 1, 0, 50)


def test_cron_across_daylight_saving_changes():
    berlin = "Europe/Berlin"
    daily = Timing("30 2 * * *", time_zone=berlin)
    # Spring forward (2026-03-29, 02:00 -> 03:00): 02:30 does not exist and fires at 03:30 CEST.
    first = daily.next_after(utc(2026, 3, 28, 12))
    assert first == utc(2026, 3, 29, 1, 30)
    assert daily.next_after(first) == utc(2026, 3, 30, 0, 30)  # 02:30 CEST, once a day again
    # Fall back (2026-10-25, 03:00 -> 02:00): 02:30 occurs twice and fires once, the first time.
    fall = daily.next_after(utc(2026, 10, 24, 12))
    assert fall == utc(2026, 10, 25, 0, 30)
    assert daily.next_after(fall) == utc(2026, 10, 26, 1, 30)
    assert daily.next_after(utc(2026, 10, 25, 1, 10)) == utc(2026, 10, 26, 1, 30)
    # 03:00 local stays 03:00 local on both sides of the change.
    three = Timing("0 3 * * *", time_zone=berlin)
    assert three.next_after(utc(2026, 3, 28, 3)) == utc(2026, 3, 29, 1)
    assert three.next_after(utc(2026, 3, 29, 1)) == utc(2026, 3, 30, 1)
    assert daily.due_between(utc(2026, 3, 27, 1, 30), utc(2026, 3, 31, 0, 0)) == 4


def test_misfire_run_once_and_skip_after_a_long_down_time():
    hourly = Timing("0 * * * *", time_zone=SEOUL)
    due = utc(2026, 1, 27, 3)
    on_time = misfire_decide(hourly, due_at=due, now=due + timedelta(seconds=5), policy="skip")
    assert (on_time.fire, on_time.missed, on_time.note()) == (True, 0, "")
    assert on_time.next_run_at == utc(2026, 1, 27, 4)

    down = due + timedelta(hours=3, minutes=20)  # 03:00, 04:00, 05:00, 06:00 passed
    once = misfire_decide(hourly, due_at=due, now=down, policy="run_once")
    assert (once.fire, once.due, once.late) == (True, 4, True)
    assert once.note() == "misfire: 4 due times passed, fired once late"
    assert once.next_run_at == utc(2026, 1, 27, 7)
    skip = misfire_decide(hourly, due_at=due, now=down, policy="skip")
    assert (skip.fire, skip.missed) == (False, 4)
    assert skip.note() == "misfire: skipped 4 due times"
    assert skip.next_run_at == utc(2026, 1, 27, 7)
    # Back just after a due time: skip drops the old ones and fires the newest on time.
    back = misfire_decide(hourly, due_at=due, now=utc(2026, 1, 27, 6, 0, 10), policy="skip")
    assert (back.fire, back.missed) == (True, 3)
    # One due time missed by more than the grace: late for both policies.
    late = misfire_decide(hourly, due_at=due, now=due + timedelta(minutes=10), policy="skip")
    assert (late.fire, late.note()) == (False, "misfire: skipped 1 due time")


def test_bad_timings_name_their_field():
    with pytest.raises(ScheduleError) as bad:
        Timing("0 3 * *")
    assert bad.value.field == "cron" and "5 fields" in str(bad.value)
    with pytest.raises(ScheduleError) as bad:
        Timing("61 3 * * *")
    assert bad.value.field == "cron"
    with pytest.raises(ScheduleError) as bad:
        Timing("0 3 * * *", time_zone="Mars/Olympus")
    assert bad.value.field == "time_zone"
    with pytest.raises(ScheduleError):
        Timing("0 3 * * *", every_seconds=60)
    with pytest.raises(ScheduleError) as bad:
        ScheduleSpec("x", cron="0 3 * * *", misfire="always")
    assert bad.value.field == "misfire"
    assert ScheduleSpec("x", every_seconds=60).overlap == "skip"


# -- in the database -----------------------------------------------------------------------


@pytest.fixture
def flow(make_workflow):
    def build(**kwargs):
        workflow = make_workflow(
            "sched", partitions=["p1", "p2"], modes={"full": ALL, "partial": ["a"]}, **kwargs
        )

        @workflow.stage
        def a(ctx, partition):
            return 1

        @workflow.stage(after="a")
        def b(ctx, partition):
            return 1

        return workflow

    return build


def test_validation_errors_name_the_field(transactional_db, flow):
    workflow = flow()
    cases = {
        "cron": {"cron": "every day"},
        "time_zone": {"cron": "0 3 * * *", "time_zone": "Nowhere/City"},
        "workflow": {"cron": "0 3 * * *", "workflow": "no_such_workflow"},
        "mode": {"cron": "0 3 * * *", "mode": "turbo"},
    }
    for field, kwargs in cases.items():
        with pytest.raises(ValidationError) as bad:
            schedule_create("bad", **{"workflow": workflow.name, **kwargs})
        assert field in bad.value.message_dict, (field, bad.value.message_dict)
    with pytest.raises(ValidationError) as bad:
        schedule_create("both", workflow=workflow.name, cron="0 3 * * *", every_seconds=60)
    assert "cron" in bad.value.message_dict
    assert not Schedule.objects.exists()
    created = schedule_create("good", workflow=workflow.name, cron="0 3 * * *")
    assert created.mode == "full" and created.time_zone == SEOUL
    with pytest.raises(ValidationError) as bad:
        schedule_create("good", workflow=workflow.name, every_seconds=60)
    assert "name" in bad.value.message_dict


def test_due_schedule_fires_once_and_moves_on(transactional_db, flow, manual_clock):
    workflow = flow()
    schedule = schedule_create("nightly", workflow=workflow.name, cron="0 3 * * *", mode="partial")
    assert schedule.next_run_at == utc(2026, 1, 27, 18)  # 03:00 Seoul
    assert schedules_fire_due() == []
    manual_clock.advance((schedule.next_run_at - manual_clock.now()).total_seconds() + 2)
    [fired] = schedules_fire_due()
    batch = Batch.objects.get()
    assert (fired.action, fired.batch_id, batch.mode) == ("started", batch.id, "partial")
    assert fired.outcome == f"started {batch.id}"
    assert schedules_fire_due() == []
    schedule.refresh_from_db()
    assert schedule.next_run_at == utc(2026, 1, 28, 18)
    assert (schedule.last_batch_id, schedule.last_outcome) == (batch.id, f"started {batch.id}")
    assert schedule.last_fired_at == manual_clock.now()


@pytest.mark.parametrize("policy", ["run_once", "skip"])
def test_misfire_after_the_scheduler_was_down(transactional_db, flow, manual_clock, policy):
    workflow = flow()
    schedule_create("hourly", workflow=workflow.name, cron="0 * * * *", misfire=policy)
    manual_clock.advance(3 * 24 * 3600 + 1800)  # down three days and a half hour
    [fired] = schedules_fire_due()
    schedule = Schedule.objects.get()
    assert schedule.next_run_at == utc(2026, 1, 30, 4)
    if policy == "run_once":
        assert fired.action == "started" and Batch.objects.count() == 1
        assert "misfire: 72 due times passed, fired once late" in schedule.last_outcome
    else:
        assert fired.action == "misfire" and not Batch.objects.exists()
        assert schedule.last_outcome == "misfire: skipped 72 due times"
    assert schedules_fire_due() == []


def test_overlap_skip_and_resume_with_a_running_batch(transactional_db, flow, manual_clock):
    workflow = flow()
    running = batch_start(workflow.name, mode="full").batch
    schedule_create("skipper", workflow=workflow.name, every_seconds=60, overlap="skip")
    schedule_create("resumer", workflow=workflow.name, every_seconds=60, overlap="resume")
    schedule_create(
        "other-mode", workflow=workflow.name, every_seconds=60, mode="partial", overlap="resume"
    )
    manual_clock.advance(61)
    fired = {f.schedule: f for f in schedules_fire_due()}
    assert fired["skipper"].action == "skipped"
    assert fired["skipper"].outcome == f"skipped: {running.id} still RUNNING"
    assert (fired["resumer"].action, fired["resumer"].batch_id) == ("resumed", running.id)
    assert fired["other-mode"].action == "error"
    assert "still RUNNING in mode 'full'" in fired["other-mode"].outcome
    assert Batch.objects.count() == 1  # never a second batch
    outcomes = dict(Schedule.objects.values_list("name", "last_outcome"))
    assert outcomes["skipper"] == f"skipped: {running.id} still RUNNING"
    assert outcomes["resumer"] == f"resumed {running.id}"
    assert outcomes["other-mode"].startswith("error: batch ")
    Batch.objects.update(status=BatchStatus.COMPLETED)
    manual_clock.advance(60)
    fired = {f.schedule: f for f in schedules_fire_due()}  # in id order: skipper first
    assert [fired[n].action for n in ("skipper", "resumer", "other-mode")] == [
        "started",
        "resumed",
        "error",
    ]
    assert fired["resumer"].batch_id == fired["skipper"].batch_id
    assert Batch.objects.filter(status=BatchStatus.RUNNING).count() == 1


def test_a_failing_schedule_does_not_stop_the_others(transactional_db, flow, manual_clock):
    from orchestrator import registry

    gone, kept = flow(), flow()
    schedule_create("a-gone", workflow=gone.name, every_seconds=60)
    schedule_create("b-kept", workflow=kept.name, every_seconds=60)
    registry.remove(gone.name)  # the code changed under the row
    manual_clock.advance(60)
    fired = {f.schedule: f for f in schedules_fire_due()}
    assert fired["a-gone"].action == "error"
    assert f"no workflow named {gone.name!r}" in Schedule.objects.get(name="a-gone").last_outcome
    assert fired["b-kept"].action == "started"


def test_disable_and_enable(transactional_db, flow, manual_clock):
    workflow = flow()
    schedule_create("paused", workflow=workflow.name, every_seconds=60, enabled=False)
    manual_clock.advance(3600)
    assert schedules_fire_due() == []
    schedule = schedule_enable("paused")
    assert schedule.next_run_at == manual_clock.now() + timedelta(seconds=60)  # no misfire
    manual_clock.advance(60)
    assert [f.action for f in schedules_fire_due()] == ["started"]


def test_an_edit_is_checked_whole_and_a_new_timing_counts_from_now(
    transactional_db, flow, manual_clock
):
    workflow = flow()
    schedule_create("edited", workflow=workflow.name, every_seconds=60)
    manual_clock.advance(3600)  # the old timing is long overdue
    with pytest.raises(ScheduleInvalid) as bad:
        schedule_update("edited", changes={"cron": "61 * * * *", "params": {"a": 1}})
    assert set(bad.value.errors) == {"cron"}
    assert Schedule.objects.get(name="edited").params == {}  # nothing of a bad edit is kept
    edited = schedule_update("edited", changes={"cron": "0  3 * * *"})
    assert (edited.cron, edited.every_seconds) == ("0 3 * * *", None)  # the cron replaces it
    assert edited.next_run_at > manual_clock.now()  # no misfire for the edit
    with pytest.raises(ScheduleInvalid, match="name: cannot be edited"):
        schedule_update("edited", changes={"name": "renamed"})
    with pytest.raises(Schedule.DoesNotExist, match="no schedule named 'gone'"):
        schedule_update("gone", changes={"enabled": False})


def test_sync_creates_declared_schedules_and_never_overwrites(transactional_db, flow):
    workflow = flow(
        schedules=[
            ScheduleSpec(name="wf-full-daily", cron="0 3 * * *", mode="full"),
            ScheduleSpec(name="wf-partial-hourly", cron="0 * * * *", mode="partial"),
            ScheduleSpec(name="wf-broken", every_seconds=60, mode="no-such-mode"),
        ]
    )
    # Other workflows loaded in this process may declare schedules too: look at this one's.
    created = [s for s in schedules_sync() if s.workflow == workflow.name]
    assert sorted(s.name for s in created) == ["wf-full-daily", "wf-partial-hourly"]
    daily = Schedule.objects.get(name="wf-full-daily")
    assert (daily.workflow, daily.mode, daily.cron, daily.time_zone) == (
        workflow.name,
        "full",
        "0 3 * * *",
        SEOUL,
    )
    Schedule.objects.filter(name="wf-full-daily").update(cron="30 4 * * *", enabled=False)
    Schedule.objects.filter(name="wf-partial-hourly").delete()
    again = [s for s in schedules_sync() if s.workflow == workflow.name]
    assert [s.name for s in again] == ["wf-partial-hourly"]  # a removed row comes back
    daily.refresh_from_db()
    assert (daily.cron, daily.enabled) == ("30 4 * * *", False)  # the edit wins


def cli(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_cli_add_list_disable_remove(transactional_db, flow, manual_clock):
    workflow = flow()
    text = cli(
        "schedules",
        "add",
        "nightly",
        "--workflow",
        workflow.name,
        "--mode",
        "partial",
        "--cron",
        "0 3 * * *",
        "--param",
        "brand=NIKE",
        "--misfire",
        "skip",
        "--overlap",
        "resume",
    )
    # the CLI shows times in TIME_ZONE (Seoul here), as YYYY-MM-DD HH:MM:SS
    assert "added schedule nightly" in text and "next run 2026-01-28 03:00:00" in text
    cli("schedules", "add", "often", "--workflow", workflow.name, "--every", "300", "--tz", "UTC")
    [nightly, often] = json.loads(cli("schedules", "--json"))
    assert nightly == {
        **nightly,
        "name": "nightly",
        "mode": "partial",
        "cron": "0 3 * * *",
        "time_zone": SEOUL,
        "params": {"brand": "NIKE"},
        "misfire": "skip",
        "overlap": "resume",
        "enabled": True,
        "next_run_at": "2026-01-27T18:00:00+00:00",
        "next_run_local": "2026-01-28T03:00:00+09:00",
    }
    assert (often["every_seconds"], often["mode"], often["cron"]) == (300, "full", None)
    listing = cli("schedules")
    assert "nightly" in listing and "cron 0 3 * * *" in listing and "every 300s" in listing
    assert "disabled schedule nightly" in cli("schedules", "disable", "nightly")
    assert not Schedule.objects.get(name="nightly").enabled
    assert "disabled" in cli("schedules").splitlines()[0]
    cli("schedules", "enable", "nightly")
    assert Schedule.objects.get(name="nightly").enabled
    cli("schedules", "remove", "often")
    assert list(Schedule.objects.values_list("name", flat=True)) == ["nightly"]
    with pytest.raises(CommandError, match="cron"):
        cli("schedules", "add", "bad", "--workflow", workflow.name, "--cron", "0 3 * *")
    with pytest.raises(CommandError, match="workflow"):
        cli("schedules", "add", "bad", "--workflow", "nope", "--every", "60")
    with pytest.raises(CommandError, match="no schedule named"):
        cli("schedules", "disable", "nope")


def test_scheduler_once_syncs_fires_and_runs(transactional_db, flow, manual_clock):
    workflow = flow(schedules=[ScheduleSpec("declared", every_seconds=60)])
    assert "created schedule declared" in cli("scheduler", "--once")
    assert not Batch.objects.exists()
    manual_clock.advance(60)
    text = cli("scheduler", "--once", "--run", "--executor", "inline", "--quiet")
    assert "declared" in text and "started" in text
    batch = Batch.objects.get()
    assert (batch.workflow, batch.status) == (workflow.name, BatchStatus.COMPLETED)


def _scheduler(barrier: threading.Barrier, results: list, errors: list) -> None:
    """One scheduler's round, started with the others at the same moment."""
    try:
        barrier.wait()
        results.append(schedules_fire_due())
    except BaseException as exc:  # reported by the test
        errors.append(exc)
    finally:
        connection.close()


def test_two_schedulers_at_once_fire_each_due_time_once(transactional_db, flow, manual_clock):
    workflow = flow()
    schedule_create("contended", workflow=workflow.name, every_seconds=60)
    rounds, schedulers = 15, 4
    for round_ in range(rounds):
        manual_clock.advance(60)
        barrier = threading.Barrier(schedulers)
        results: list[list] = []
        errors: list[BaseException] = []
        threads = [
            threading.Thread(target=_scheduler, args=(barrier, results, errors))
            for _ in range(schedulers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not errors, errors
        fired = [f for found in results for f in found]
        assert [f.action for f in fired] == ["started"], (round_, fired)
        assert Batch.objects.count() == round_ + 1
        Batch.objects.update(status=BatchStatus.COMPLETED)  # the runner's job, done here


def test_scheduler_processes_on_the_test_database_fire_once(transactional_db):
    from orchestrator.tests.chaos import ROOT, cli_env

    schedule = schedule_create("procs", workflow="example", every_seconds=3600)
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    Schedule.objects.filter(id=schedule.id).update(next_run_at=past)
    command = [sys.executable, "-m", "yooini.cli", "scheduler", "--once"]
    procs = [
        subprocess.Popen(command, cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [proc.communicate(timeout=60)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0], outputs
    assert sum("procs (example" in out for out in outputs) == 1, outputs
    assert Batch.objects.filter(workflow="example").count() == 1
    schedule.refresh_from_db()
    assert schedule.next_run_at == past + timedelta(seconds=3600)
