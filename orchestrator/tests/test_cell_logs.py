"""What an attempt logs is kept with it (bounded), and who pressed retry, resume or cancel is
on the event."""

from __future__ import annotations

import logging
import warnings
from datetime import UTC, datetime

import pytest

from orchestrator import NO_RETRY, Retry
from orchestrator.core.stagelog import StageLog
from orchestrator.models import Event, StageRun, StageRunLog

AT = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)


def test_the_buffer_keeps_the_end_and_says_what_it_dropped():
    log = StageLog(limit=200)
    for i in range(20):
        log.add(AT, "INFO", f"line {i:02d} " + "x" * 20)
    text = log.text()
    assert log.truncated and text.startswith("[truncated: the first ")
    assert "line 19" in text and "line 00" not in text
    assert len(text) < 200 + 80  # the kept lines fit the limit; the marker is on top
    empty = StageLog()
    assert not empty and empty.text() == "" and not empty.truncated


def test_one_huge_line_is_cut_not_kept_whole():
    log = StageLog()
    log.add(AT, "INFO", "y" * 100_000)
    assert len(log.text()) < 9_000 and log.text().rstrip().endswith("…")


pytestmark_db = pytest.mark.usefixtures("transactional_db", "manual_clock")


@pytestmark_db
def test_each_attempt_keeps_its_log_warnings_item_errors_and_traceback(make_workflow, run_batch):
    wf = make_workflow("logs", partitions=["p"])
    library = logging.getLogger("some.library")

    def fetch(ctx, partition):
        ctx.log.info("fetching %s, attempt %d", partition, ctx.attempt)
        library.warning("the library complains")
        warnings.warn(f"deprecated call in attempt {ctx.attempt}", UserWarning, stacklevel=1)
        ctx.item_failed("HTTP 404 from the shop")
        if ctx.attempt == 1:
            raise RuntimeError("the shop hung up")
        return 5

    wf.stage(fetch, retry=Retry(attempts=2, base_delay=0.01))
    batch = run_batch(wf)
    assert batch.status == "COMPLETED"
    cell = StageRun.objects.get(batch=batch)
    logs = {entry.attempt: entry for entry in StageRunLog.objects.filter(stage_run=cell)}
    assert set(logs) == {1, 2}
    first, second = logs[1].text, logs[2].text
    assert "fetching p, attempt 1" in first and "fetching p, attempt 2" in second
    assert "[some.library] the library complains" in first
    assert "UserWarning: deprecated call in attempt 1" in first
    assert "RuntimeError: the shop hung up" in first and "Traceback" in first
    assert "Traceback" not in second
    assert "items failed: HTTP 404 from the shop (1)" in second
    assert not logs[1].truncated


@pytestmark_db
def test_a_stage_that_logs_nothing_writes_no_log_row(make_workflow, run_batch):
    wf = make_workflow("quiet", partitions=["a", "b", "c"])
    wf.stage(lambda ctx, p: 1, name="work", retry=NO_RETRY)
    batch = run_batch(wf, executor="threads")
    assert batch.status == "COMPLETED"
    assert not StageRunLog.objects.filter(stage_run__batch=batch).exists()


@pytestmark_db
def test_a_long_log_is_kept_bounded_with_a_marker(make_workflow, run_batch):
    wf = make_workflow("chatty", partitions=["a"])

    def chatty(ctx, partition):
        for i in range(5_000):
            ctx.log.info("row %d handled", i)
        return 1

    wf.stage(chatty, retry=NO_RETRY)
    batch = run_batch(wf)
    entry = StageRunLog.objects.get(stage_run__batch=batch)
    assert entry.truncated and entry.text.startswith("[truncated")
    assert "row 4999 handled" in entry.text and "row 0 handled" not in entry.text
    assert len(entry.text) <= 64 * 1024 + 100


@pytestmark_db
def test_retry_resume_and_cancel_record_who_asked(make_workflow, run_batch):
    from orchestrator.services.batches import batch_cancel, batch_resume, batch_retry

    fail = {"on": True}
    wf = make_workflow("acts", partitions=["a"])

    def work(ctx, partition):
        if fail["on"]:
            raise RuntimeError("down")
        return 1

    wf.stage(work, retry=NO_RETRY)
    batch = run_batch(wf)
    assert batch.status == "FAILED"
    assert batch_retry(batch.id, actor="alice") == 1
    batch_cancel(batch.id, actor="cli:bob")
    batch_resume(batch.id, actor="api:carol")
    actors = dict(
        Event.objects.filter(correlation_id=batch.id, type__startswith="batch.")
        .exclude(actor="")
        .values_list("type", "actor")
    )
    assert actors == {
        "batch.retried": "alice",
        "batch.cancel_requested": "cli:bob",
        "batch.resumed": "api:carol",
    }
    # What the engine does by itself names no one.
    assert Event.objects.get(correlation_id=batch.id, type="batch.failed").actor == ""


@pytestmark_db
def test_the_cli_records_its_os_user(make_workflow, run_batch, monkeypatch):
    import getpass

    from django.core.management import call_command

    wf = make_workflow("clicancel", partitions=["a"])
    wf.stage(lambda ctx, p: 1, name="work", retry=NO_RETRY)
    from orchestrator.services.batches import batch_start

    batch = batch_start(wf.name).batch
    monkeypatch.setattr(getpass, "getuser", lambda: "operator-os")
    call_command("cancel", batch.id)
    event = Event.objects.get(correlation_id=batch.id, type="batch.cancel_requested")
    assert event.actor == "cli:operator-os"


@pytestmark_db
def test_the_api_gives_a_cells_logs_and_wait(make_workflow, run_batch, api_as):
    wf = make_workflow("apilogs", partitions=["a"])

    def first(ctx, partition):
        ctx.log.warning("row 3 has no price")
        raise RuntimeError("feed unreadable")

    wf.stage(first, name="first", retry=NO_RETRY)
    wf.stage(lambda ctx, p: 1, name="second", after="first", retry=NO_RETRY)
    batch = run_batch(wf)
    client = api_as("viewer")
    grid = client.get(f"/api/batches/{batch.id}/grid/").json()
    cells = grid["rows"][0]["cells"]
    assert cells["second"]["wait"]["text"] == "blocked by first (ERROR)"
    assert cells["first"]["wait"] is None and cells["first"]["item_errors"] == 0
    detail = client.get(f"/api/batches/{batch.id}/cells/{cells['first']['id']}/").json()
    assert detail["logs"][0]["attempt"] == 1
    assert "WARNING row 3 has no price" in " ".join(detail["logs"][0]["text"].split())
    assert "RuntimeError: feed unreadable" in detail["logs"][0]["text"]
