"""A stage's typed result (``StageResult``) and context (``StageContext``), and the older
return forms (an int, a dict with ``"items"``) that keep working beside them."""

from __future__ import annotations

import pytest

from orchestrator import NO_RETRY, StageContext, StageResult
from orchestrator.core.stage import result_split
from orchestrator.models import StageRun

pytestmark = pytest.mark.usefixtures("transactional_db", "manual_clock")


def test_every_return_form_gives_a_count_and_a_result():
    assert result_split(StageResult(items=3, data={"pages": 2}), counted=0) == (
        3,
        {"items": 3, "pages": 2},
    )
    # No count given: what the stage counted with ctx.add_items.
    assert result_split(StageResult(item_errors={"404": 2}), counted=5) == (
        5,
        {"items": 5, "item_errors": {"404": 2}},
    )
    assert result_split({"items": 4, "stored": 3}, counted=0) == (4, {"items": 4, "stored": 3})
    assert result_split(7, counted=0) == (7, None)
    assert result_split(None, counted=2) == (2, None)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"items": -1}, "items must be an int >= 0"),
        ({"items": True}, "items must be an int >= 0"),
        ({"data": {"items": 3}}, "data must not hold 'items'"),
        ({"data": {"item_errors": {}}}, "data must not hold 'items' or 'item_errors'"),
        ({"item_errors": {"404": 0}}, r"item_errors\['404'\] must be an int >= 1"),
    ],
)
def test_a_malformed_result_says_what_is_wrong(arguments, message):
    with pytest.raises(ValueError, match=message):
        StageResult(**arguments)


def test_the_engine_keeps_a_stage_results_count_data_and_failed_items(make_workflow, run_batch):
    wf = make_workflow("typed", partitions=["p1", "p2"])
    seen: list[type] = []

    def collect(ctx: StageContext, partition: str) -> StageResult:
        seen.append(type(ctx))
        ctx.add_items(2)
        return StageResult(data={"pages": 1})

    def image(ctx: StageContext, partition: str) -> StageResult:
        failed = 4 if partition == "p2" else 1
        return StageResult(items=4, data={"stored": 4 - failed}, item_errors={"HTTP 404": failed})

    wf.stage(collect, retry=NO_RETRY)
    wf.stage(image, after=collect, retry=NO_RETRY)
    batch = run_batch(wf)
    assert seen == [StageContext, StageContext]
    cells = {(c.partition, c.stage): c for c in StageRun.objects.filter(batch=batch)}
    collected = cells[("p1", "collect")]
    assert collected.status == "DONE" and collected.item_count == 2
    assert collected.result == {"items": 2, "pages": 1}
    fine, failed = cells[("p1", "image")], cells[("p2", "image")]
    assert fine.status == "DONE" and fine.item_count == 4
    assert fine.result == {"items": 4, "stored": 3, "item_errors": {"HTTP 404": 1}}
    # All four failed: the stage's ItemFailures rule fails the cell, as for the dict form.
    assert failed.status == "ERROR" and failed.error_type == "ItemFailuresExceeded"
    assert batch.status == "COMPLETED_WITH_ERRORS"
