"""The engine's semantics on a real database: resume, fencing, retries, isolation, modes,
timeouts, cancellation, checkpoints. Inline executor and a manual clock unless said otherwise."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orchestrator import ALL, NO_RETRY, Retry
from orchestrator.execution import Outcome, execute_claim
from orchestrator.models import Batch, CellStatus, Event, StageRun
from orchestrator.services.batches import batch_cancel, batch_retry, batch_start
from orchestrator.services.claims import claims_recover, claims_take
from orchestrator.services.outcomes import outcomes_record

pytestmark = pytest.mark.usefixtures("transactional_db", "manual_clock")


def cells(batch_id):
    return {(c.partition, c.stage): c for c in StageRun.objects.filter(batch_id=batch_id)}


def pipeline(
    make_workflow, calls, *, partitions=("a", "b", "c"), fail=(), modes=None, **stage_opts
):
    """collect -> convert -> price; records every call; cells in ``fail`` always raise."""
    wf = make_workflow("pipe", partitions=list(partitions), modes=modes)

    def body(ctx, partition):
        calls.append((partition, ctx.stage, ctx.attempt))
        if (partition, ctx.stage) in fail:
            raise RuntimeError(f"boom in {partition}/{ctx.stage}")
        return 10

    prev = None
    for name in ("collect", "convert", "price"):
        wf.stage(body, name=name, after=prev, retry=stage_opts.get("retry", NO_RETRY))
        prev = name
    return wf


def test_batch_runs_every_cell_once_and_completes(make_workflow, run_batch):
    calls = []
    wf = pipeline(make_workflow, calls)
    batch = run_batch(wf)
    assert batch.status == "COMPLETED"
    assert sorted(calls) == sorted(
        (p, s, 1) for p in "abc" for s in ("collect", "convert", "price")
    )
    assert batch.totals["DONE"] == 9 and batch.totals["items"] == 90
    assert batch.id.count("_") == 1 and len(batch.id.split("_")[0]) == 8
    order = [(p, s) for p, s, _ in calls if p == "a"]
    assert order == [("a", "collect"), ("a", "convert"), ("a", "price")]
    types = list(Event.objects.filter(correlation_id=batch.id).values_list("type", flat=True))
    assert types[0] == "batch.started" and types[-1] == "batch.completed"
    assert types.count("stage.completed") == 9


def test_failure_blocks_only_its_partition_and_retry_reuses_done_cells(make_workflow, run_batch):
    calls, failing = [], {("b", "convert")}
    wf = pipeline(make_workflow, calls, fail=failing)
    batch = run_batch(wf)
    assert batch.status == "COMPLETED_WITH_ERRORS"
    grid = cells(batch.id)
    assert grid[("b", "convert")].status == "ERROR"
    assert "boom in b/convert" in grid[("b", "convert")].error
    assert "Traceback" in grid[("b", "convert")].traceback
    assert grid[("b", "price")].status == "BLOCKED"
    assert all(grid[(p, s)].status == "DONE" for p in "ac" for s in ("collect", "convert", "price"))

    calls.clear()
    failing.clear()  # the site is back
    assert batch_retry(batch.id) == 2
    batch = run_batch(wf)
    assert batch.status == "COMPLETED"
    assert sorted(calls) == [("b", "convert", 2), ("b", "price", 1)]


def test_all_cells_failing_is_failed_not_partial(make_workflow, run_batch):
    wf = pipeline(make_workflow, [], partitions=("a",), fail={("a", "collect")})
    assert run_batch(wf).status == "FAILED"


def test_retry_with_backoff_is_a_waiting_row_not_a_sleep(make_workflow, manual_clock, run_batch):
    wf = make_workflow("flaky")
    seen = []

    @wf.stage(retry=Retry(attempts=3, backoff="exponential", base_delay=10, jitter=0))
    def fetch(ctx, partition):
        seen.append((ctx.attempt, manual_clock.now()))
        if len(seen) < 3:
            raise ConnectionError("site down")
        return 1

    batch = batch_start(wf.name).batch
    now = manual_clock.now()
    (claim,) = claims_take(
        batch_ids=[batch.id], owner="o", limit=5, now=now, lease_seconds=30
    ).claims
    outcomes_record([execute_claim(claim)], now=now)
    cell = StageRun.objects.get(batch=batch)
    assert cell.status == "PENDING" and cell.failures == 1
    assert cell.next_attempt_at == now + timedelta(seconds=10)
    assert "site down" in cell.error
    # not due yet: nothing to claim, and the round says when to look again
    round_ = claims_take(
        batch_ids=[batch.id], owner="o", limit=5, now=now + timedelta(seconds=9), lease_seconds=30
    )
    assert round_.claims == [] and round_.next_wake == now + timedelta(seconds=10)

    done = run_batch(wf, runner_kwargs={"max_sleep": 3600})  # resumes the batch
    assert done.id == batch.id and done.status == "COMPLETED"
    assert [a for a, _ in seen] == [1, 2, 3]
    assert (seen[2][1] - seen[1][1]) == timedelta(seconds=20)  # exponential: 10 s then 20 s


def test_a_server_with_no_batch_running_claims_nothing(make_workflow):
    wf = make_workflow("idle")
    wf.stage(lambda ctx, partition: 1, name="only")
    batch_start(wf.name)  # a batch exists, but the scope asked for is empty
    round_ = claims_take(batch_ids=[], owner="o", limit=5, now=timezone.now(), lease_seconds=30)
    assert round_.claims == [] and round_.next_wake is None


def test_exceptions_not_retried_fail_at_once(make_workflow, run_batch):
    wf = make_workflow("strict")
    tries = []

    @wf.stage(retry=Retry(attempts=5, base_delay=0, no_retry_on=(ValueError,)))
    def parse(ctx, partition):
        tries.append(1)
        raise ValueError("bad row")

    batch = run_batch(wf)
    assert batch.status == "FAILED" and len(tries) == 1


def test_resume_continues_a_running_batch_and_never_reruns_done_cells(make_workflow, run_batch):
    calls = []
    wf = pipeline(make_workflow, calls, partitions=("a", "b"))
    first = batch_start(wf.name).batch
    now = first.created_at
    round_ = claims_take(batch_ids=[first.id], owner="gone", limit=2, now=now, lease_seconds=30)
    outcomes_record(
        [execute_claim(round_.claims[0])], now=now
    )  # a/collect DONE, b/collect left RUNNING
    again = batch_start(wf.name)
    assert again.resumed and again.batch.id == first.id
    # b/collect's lease expires, then it is taken over
    batch = run_batch(wf, runner_kwargs={"max_sleep": 3600})
    assert batch.id == first.id and batch.status == "COMPLETED"
    assert calls.count(("a", "collect", 1)) == 1 and ("a", "collect", 2) not in calls
    assert ("b", "collect", 2) in calls
    assert Event.objects.filter(correlation_id=first.id, type="stage.lease_expired").count() == 1
    assert Batch.objects.filter(workflow=wf.name).count() == 1


def test_a_late_result_from_an_expired_lease_is_refused(
    make_workflow, manual_clock, transactional_db
):
    wf = make_workflow("fence")
    wf.stage(lambda ctx, p: 1, name="only")
    batch = batch_start(wf.name).batch
    now = manual_clock.now()
    (old,) = claims_take(
        batch_ids=[batch.id], owner="slow", limit=1, now=now, lease_seconds=30
    ).claims
    later = now + timedelta(seconds=31)
    (new,) = claims_recover(batch_ids=[batch.id], owner="fast", now=later, lease_seconds=30)
    assert new.attempt == old.attempt + 1
    assert outcomes_record([Outcome(claim=new, ok=True, items=7)], now=later) == [True]
    # the slow holder finally answers, with a failure: refused, nothing changes
    assert outcomes_record([Outcome(claim=old, ok=False, error="late")], now=later) == [False]
    cell = StageRun.objects.get(batch=batch)
    assert (cell.status, cell.item_count, cell.attempt, cell.error) == ("DONE", 7, 2, "")


def test_modes_skip_stages_and_skipped_satisfies_after(make_workflow, run_batch):
    calls = []
    wf = make_workflow(
        "modes", partitions=["x"], modes={"full": ALL, "partial": ["collect", "price"]}
    )
    for name, after in [("collect", None), ("convert", "collect"), ("price", "convert")]:
        wf.stage(lambda ctx, p: calls.append(ctx.stage), name=name, after=after, retry=NO_RETRY)
    batch = run_batch(wf, mode="partial")
    assert batch.status == "COMPLETED" and batch.mode == "partial"
    assert calls == ["collect", "price"]
    assert cells(batch.id)[("x", "convert")].status == "SKIPPED"


def test_timeout_fails_the_attempt_then_the_retry_policy_applies(
    make_workflow, manual_clock, transactional_db
):
    wf = make_workflow("slow")
    wf.stage(
        lambda ctx, p: 1, name="hang", timeout=5, retry=Retry(attempts=2, base_delay=1, jitter=0)
    )
    batch = batch_start(wf.name).batch
    now = manual_clock.now()
    (claim,) = claims_take(
        batch_ids=[batch.id], owner="w", limit=1, now=now, lease_seconds=600
    ).claims
    assert claim.deadline_at == now + timedelta(seconds=5)
    claims_recover(
        batch_ids=[batch.id], owner="w2", now=now + timedelta(seconds=6), lease_seconds=600
    )
    cell = StageRun.objects.get(batch=batch)
    assert cell.status == "PENDING" and cell.error_type == "StageTimeout" and cell.failures == 1
    assert outcomes_record([Outcome(claim=claim, ok=True)], now=now) == [False]  # too late


def test_cancel_stops_dispatch_and_ends_cancelled(make_workflow, transactional_db):
    calls = []
    wf = pipeline(make_workflow, calls, partitions=("a", "b"))
    batch = batch_start(wf.name).batch
    now = batch.created_at
    (claim,) = claims_take(
        batch_ids=[batch.id], owner="w", limit=1, now=now, lease_seconds=30
    ).claims
    batch = batch_cancel(batch.id)
    assert batch.status == "RUNNING" and batch.cancel_requested  # a cell is still running
    assert (
        claims_take(batch_ids=[batch.id], owner="w", limit=5, now=now, lease_seconds=30).claims
        == []
    )
    outcomes_record([execute_claim(claim)], now=now)
    from orchestrator.services.batches import batch_close_if_finished

    closed = batch_close_if_finished(batch.id)
    assert closed.status == "CANCELLED"
    assert closed.totals["CANCELLED"] == 5 and closed.totals["DONE"] == 1


def test_checkpoint_lets_a_long_stage_continue_after_a_crash(
    make_workflow, manual_clock, run_batch
):
    wf = make_workflow("pages")
    seen_pages = []

    @wf.stage
    def crawl(ctx, partition):
        start = (ctx.checkpoint or {}).get("page", 0)
        for page in range(start, 10):
            if page == 4 and ctx.attempt == 1:
                raise SystemExit("process dies")  # not an Exception: the attempt is lost mid-way
            seen_pages.append(page)
            ctx.save_checkpoint({"page": page + 1})
        return len(seen_pages)

    batch = batch_start(wf.name).batch
    now = manual_clock.now()
    (claim,) = claims_take(
        batch_ids=[batch.id], owner="dead", limit=1, now=now, lease_seconds=30
    ).claims
    with pytest.raises(SystemExit):
        execute_claim(claim)
    assert StageRun.objects.get(batch=batch).checkpoint == {"page": 4}
    assert run_batch(wf, runner_kwargs={"max_sleep": 3600}).status == "COMPLETED"
    assert seen_pages == list(range(10))  # pages 0-3 once, then 4-9: nothing done twice


def test_retry_of_one_stage_keeps_other_failures(make_workflow, run_batch):
    wf = pipeline(
        make_workflow, [], partitions=("a", "b"), fail={("a", "collect"), ("b", "convert")}
    )
    batch = run_batch(wf)
    assert batch_retry(batch.id, stage="convert") == 2  # b/convert and the b/price it blocked
    grid = cells(batch.id)
    assert grid[("a", "collect")].status == "ERROR"
    assert grid[("a", "convert")].status == "BLOCKED"
    assert grid[("b", "convert")].status == "PENDING" and grid[("b", "price")].status == "PENDING"
    assert grid[("b", "price")].waiting_on == 1
    assert batch_retry(batch.id, partition="a") == 3  # the whole partition runs again, in order
    grid = cells(batch.id)
    assert [grid[("a", s)].waiting_on for s in ("collect", "convert", "price")] == [0, 1, 1]


def test_a_second_mode_while_one_runs_is_a_clear_conflict(make_workflow, transactional_db):
    from orchestrator.services.batches import BatchConflict

    wf = make_workflow("conflict", modes={"full": ALL, "partial": ["a"]})
    wf.stage(lambda ctx, p: None, name="a")
    batch_start(wf.name)
    with pytest.raises(BatchConflict, match="RUNNING in mode 'full'"):
        batch_start(wf.name, mode="partial")
    assert batch_start(wf.name, mode="partial", new=True).resumed is False


def test_a_stage_removed_from_the_definition_fails_clearly_on_resume(make_workflow, run_batch):
    from orchestrator import Workflow

    wf = make_workflow("evolving")
    wf.stage(lambda ctx, p: None, name="old")
    batch = batch_start(wf.name).batch
    # the next release of the same workflow: "old" is gone, "new" is there
    wf = Workflow(wf.name, version="2")
    wf.stage(lambda ctx, p: None, name="new")
    done = run_batch(wf)
    assert done.id == batch.id and done.status == "FAILED"
    assert "not defined in workflow" in StageRun.objects.get(batch=batch, stage="old").error
    resumed = Event.objects.get(correlation_id=batch.id, type="batch.resumed")
    assert resumed.payload["definition_changed"] == {"from": "1", "to": "2"}


def test_thousands_of_partitions_are_materialized_in_bulk(
    make_workflow, transactional_db, django_assert_max_num_queries
):
    wf = make_workflow("wide", partitions=[f"p{i}" for i in range(3000)])
    wf.stage(lambda ctx, p: None, name="a")
    wf.stage(lambda ctx, p: None, name="b", after="a")
    with django_assert_max_num_queries(400):  # bulk: far fewer queries than the 6,000 rows
        batch = batch_start(wf.name).batch
    assert StageRun.objects.filter(batch=batch).count() == 6000
    assert StageRun.objects.filter(batch=batch, stage="b", waiting_on=1).count() == 3000
    assert CellStatus.PENDING in set(
        StageRun.objects.filter(batch=batch).values_list("status", flat=True)
    )


def test_concurrent_claimers_never_take_the_same_cell(
    make_workflow, manual_clock, transactional_db
):
    """Two runners claiming at once (separate connections) split the ready cells between them."""
    import threading

    from django.db import connection

    wf = make_workflow("split", partitions=[f"p{i}" for i in range(300)])
    wf.stage(lambda ctx, p: None, name="only")
    batch = batch_start(wf.name).batch
    taken: dict[str, list[int]] = {"a": [], "b": []}

    def claimer(owner: str) -> None:
        try:
            while True:
                round_ = claims_take(
                    batch_ids=[batch.id],
                    owner=owner,
                    limit=7,
                    now=manual_clock.now(),
                    lease_seconds=30,
                )
                if not round_.claims:
                    return
                taken[owner] += [c.stage_run_id for c in round_.claims]
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer, args=(name,)) for name in taken]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    both = taken["a"] + taken["b"]
    assert len(both) == len(set(both)) == 300
    owners = dict(StageRun.objects.filter(batch=batch).values_list("id", "lease_owner"))
    assert all(owners[i] == "a" for i in taken["a"]) and all(owners[i] == "b" for i in taken["b"])
    assert set(StageRun.objects.filter(batch=batch).values_list("attempt", flat=True)) == {1}
