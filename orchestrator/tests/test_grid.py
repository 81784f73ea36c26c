"""The grid read model: stage summaries, paging and filters, cell details, in a few queries."""

import pytest

from orchestrator import NO_RETRY
from orchestrator.grid import MAX_LIMIT, batch_grid, cell_detail
from orchestrator.models import Batch, StageRun

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def failing_batch(make_workflow, run_batch):
    wf = make_workflow("grid", partitions=[f"p{i:02}" for i in range(12)])

    @wf.stage(retry=NO_RETRY)
    def fetch(ctx, partition):
        if partition == "p07":
            raise ValueError("supplier answered 500\nsecond line")
        ctx.add_items(3)

    @wf.stage(after=["fetch"], retry=NO_RETRY)
    def publish(ctx, partition):
        ctx.add_items(1)

    return run_batch(wf)


def test_summaries_count_every_stage_in_workflow_order(failing_batch):
    grid = batch_grid(failing_batch.id)
    assert [s.stage for s in grid.stages] == ["fetch", "publish"]
    fetch, publish = grid.stages
    assert (fetch.total, fetch.settled, fetch.errors, fetch.items) == (12, 11, 1, 33)
    assert publish.counts == {"DONE": 11, "BLOCKED": 1}
    assert fetch.wall_s is not None and fetch.first_started_at <= fetch.last_finished_at
    assert grid.counts == {"DONE": 22, "ERROR": 1, "BLOCKED": 1}
    assert grid.partitions_total == 12


def test_rows_are_a_page_of_partitions_with_their_cells(failing_batch):
    grid = batch_grid(failing_batch.id, offset=5, limit=3)
    assert [r.partition for r in grid.rows] == ["p05", "p06", "p07"]
    bad = grid.rows[2].cells
    assert (
        bad["fetch"].status == "ERROR" and bad["fetch"].error == "ValueError: supplier answered 500"
    )
    assert bad["publish"].status == "BLOCKED"
    assert grid.rows[0].cells["fetch"].duration_s is not None
    assert batch_grid(failing_batch.id, limit=10_000).limit == MAX_LIMIT


def test_filters_by_status_and_partition_name(failing_batch):
    errors = batch_grid(failing_batch.id, status="ERROR")
    assert [r.partition for r in errors.rows] == ["p07"] and errors.partitions_total == 1
    named = batch_grid(failing_batch.id, partition="p1")
    assert [r.partition for r in named.rows] == ["p10", "p11"]
    assert batch_grid(failing_batch.id, status="RUNNING").rows == []


def test_the_grid_takes_the_same_few_queries_at_any_size(
    failing_batch, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        batch_grid(failing_batch.id, limit=500)


def test_cell_detail_holds_the_error_and_the_attempt_history(failing_batch):
    cell = StageRun.objects.get(batch=failing_batch, partition="p07", stage="fetch")
    detail = cell_detail(cell.id, batch_id=failing_batch.id)
    assert "ValueError" in detail.cell.traceback
    assert [e.type for e in detail.events] == ["stage.failed"]
    with pytest.raises(StageRun.DoesNotExist):
        cell_detail(cell.id, batch_id="another-batch")
    with pytest.raises(Batch.DoesNotExist):
        batch_grid("no-such-batch")
