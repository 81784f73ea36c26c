"""The run pages: overview, batches, the grid, cell detail, actions, trigger, events."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from orchestrator.models import Batch, BatchStatus, CellStatus, Event, StageRun
from orchestrator.services.batches import batch_start


def url(name, *args):
    return reverse(f"dashboard:{name}", args=args)


def cell_of(batch_id, partition, stage):
    return StageRun.objects.get(batch_id=batch_id, partition=partition, stage=stage)


def grid_partitions(html: str) -> list[str]:
    return re.findall(r'<th class="partition">([^<]*)</th>', html)


@pytest.fixture
def failed_batch(pipeline, run_batch):
    """A finished batch of a, b, c where b/convert failed (so b/price is blocked)."""
    wf = pipeline(["a", "b", "c"], fail={("b", "convert")})
    return wf, run_batch(wf)


def test_pages_render_for_a_viewer_without_operator_controls(client_as, failed_batch):
    _, batch = failed_batch
    viewer = client_as("viewer")
    for page in (
        url("overview"),
        url("batches"),
        url("batch", batch.id),
        url("batch_grid", batch.id),
        url("events"),
        url("events") + f"?batch={batch.id}&type=stage.*",
    ):
        response = viewer.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert 'id="nav-trigger"' not in html
        assert "btn-retry" not in html and "btn-cancel" not in html
    assert viewer.get(url("trigger")).status_code == 403
    page = viewer.get(url("batch", batch.id)).content.decode()
    assert "COMPLETED_WITH_ERRORS" in page and "<svg" in page
    overview = viewer.get(url("overview")).content.decode()
    assert batch.id in overview and "boom in b/convert" in overview


def test_a_viewer_gets_403_on_every_action(client_as, failed_batch):
    _, batch = failed_batch
    viewer = client_as("viewer")
    cell = cell_of(batch.id, "b", "convert")
    for action in (
        url("batch_retry", batch.id),
        url("batch_resume", batch.id),
        url("batch_cancel", batch.id),
        url("cell_retry", batch.id, cell.id),
        url("trigger"),
    ):
        assert viewer.post(action).status_code == 403, action
    assert cell_of(batch.id, "b", "convert").status == CellStatus.ERROR


def test_an_operator_triggers_a_batch_through_the_form(client_as, pipeline):
    wf = pipeline(["a", "b"], modes={"full": "__all__", "quick": ["collect"]})
    operator = client_as("operator")
    form = operator.get(url("trigger"))
    assert form.status_code == 200 and wf.name in form.content.decode()
    modes = operator.get(url("trigger_modes") + f"?workflow={wf.name}").content.decode()
    assert 'value="quick"' in modes
    response = operator.post(
        url("trigger"), {"workflow": wf.name, "mode": "quick", "params": '{"day": 3}'}
    )
    batch = Batch.objects.get(workflow=wf.name)
    assert response.status_code == 302 and response["Location"] == url("batch", batch.id)
    assert batch.status == BatchStatus.RUNNING and batch.mode == "quick"
    assert batch.params == {"day": 3}
    page = operator.get(response["Location"])
    assert "started" in page.content.decode() and 'id="btn-cancel"' in page.content.decode()


def test_trigger_form_errors_bad_json_and_conflicts(client_as, pipeline, db):
    wf = pipeline(["a"], modes={"full": "__all__", "quick": ["collect"]})
    operator = client_as("operator")
    bad = operator.post(url("trigger"), {"workflow": wf.name, "params": "{not json"})
    assert bad.status_code == 200 and "not valid JSON" in bad.content.decode()
    listing = operator.post(url("trigger"), {"workflow": wf.name, "params": "[1]"})
    assert "must be a JSON object" in listing.content.decode()
    wrong_mode = operator.post(url("trigger"), {"workflow": wf.name, "mode": "nope"})
    assert "has no mode" in wrong_mode.content.decode()
    batch_start(wf.name, mode="full")
    conflict = operator.post(url("trigger"), {"workflow": wf.name, "mode": "quick"})
    assert conflict.status_code == 200 and "still RUNNING" in conflict.content.decode()
    assert Batch.objects.filter(workflow=wf.name).count() == 1
    resumed = operator.post(url("trigger"), {"workflow": wf.name, "mode": "full"})
    assert resumed.status_code == 302 and Batch.objects.filter(workflow=wf.name).count() == 1
    second = operator.post(url("trigger"), {"workflow": wf.name, "mode": "quick", "new": "on"})
    assert second.status_code == 302 and Batch.objects.filter(workflow=wf.name).count() == 2


def test_retry_resets_only_the_failed_cells(client_as, failed_batch):
    _, batch = failed_batch
    operator = client_as("operator")
    done_before = {
        c.id: c.finished_at for c in StageRun.objects.filter(batch=batch, status=CellStatus.DONE)
    }
    page = operator.get(url("batch", batch.id)).content.decode()
    assert 'id="btn-retry"' in page and 'id="btn-cancel"' not in page
    response = operator.post(url("batch_retry", batch.id), follow=True)
    # the failed cell and the one it blocked run again; nothing else does
    assert "2 failed cells will run again" in response.content.decode()
    assert cell_of(batch.id, "b", "convert").status == CellStatus.PENDING
    assert cell_of(batch.id, "b", "price").status == CellStatus.PENDING
    after = {c.id: c.finished_at for c in StageRun.objects.filter(batch=batch, status="DONE")}
    assert after == done_before
    assert Batch.objects.get(id=batch.id).status == BatchStatus.RUNNING


def test_cell_retry_and_cancel(client_as, failed_batch, pipeline):
    _, batch = failed_batch
    operator = client_as("operator")
    cell = cell_of(batch.id, "b", "convert")
    detail = operator.get(url("cell", batch.id, cell.id)).content.decode()
    assert 'id="btn-retry-cell"' in detail
    operator.post(url("cell_retry", batch.id, cell.id))
    assert cell_of(batch.id, "b", "convert").status == CellStatus.PENDING
    assert cell_of(batch.id, "b", "price").status == CellStatus.PENDING
    operator.post(url("batch_cancel", batch.id))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED
    assert cell_of(batch.id, "b", "convert").status == CellStatus.CANCELLED
    assert cell_of(batch.id, "a", "price").status == CellStatus.DONE
    page = operator.get(url("batch", batch.id)).content.decode()
    assert 'id="btn-resume"' in page
    operator.post(url("batch_resume", batch.id))
    assert Batch.objects.get(id=batch.id).status == BatchStatus.RUNNING
    assert operator.get(url("batch_retry", batch.id)).status_code == 405


def test_cell_detail_shows_error_traceback_and_attempt_history(client_as, failed_batch):
    _, batch = failed_batch
    cell = cell_of(batch.id, "b", "convert")
    viewer = client_as("viewer")
    html = viewer.get(url("cell", batch.id, cell.id)).content.decode()
    assert "boom in b/convert" in html and "RuntimeError" in html
    assert "Traceback (most recent call last)" in html
    assert "stage.failed" in html
    assert "btn-retry-cell" not in html
    other = Batch.objects.exclude(id=batch.id).first()
    assert viewer.get(url("cell", "nope", cell.id)).status_code == 404
    assert other is None or viewer.get(url("cell", other.id, cell.id)).status_code == 404
    assert viewer.get(url("batch", "no-such-batch")).status_code == 404


def test_grid_pages_and_filters_partitions(client_as, pipeline, db):
    names = [f"p{i:03d}" for i in range(250)]
    wf = pipeline(names)
    batch = batch_start(wf.name).batch
    StageRun.objects.filter(batch=batch, partition__in=["p007", "p123"], stage="convert").update(
        status=CellStatus.ERROR, error="boom\nsecond line"
    )
    viewer = client_as("viewer")
    first = viewer.get(url("batch", batch.id)).content.decode()
    assert grid_partitions(first) == names[:100]
    assert 'hx-trigger="every 2s"' in first
    third = viewer.get(url("batch_grid", batch.id) + "?page=3").content.decode()
    assert grid_partitions(third) == names[200:]
    assert "partitions 201–250 of 250" in third
    errors = viewer.get(url("batch", batch.id) + "?status=ERROR").content.decode()
    assert grid_partitions(errors) == ["p007", "p123"]
    assert 'title="convert: ERROR · attempt 0\nboom"' in errors
    searched = viewer.get(url("batch_grid", batch.id) + "?q=p12").content.decode()
    assert grid_partitions(searched) == [f"p12{i}" for i in range(10)]
    # the poll keeps the page and the filter
    assert f"{url('batch_grid', batch.id)}?status=ERROR&amp;page=1" in errors


def test_a_finished_batch_stops_polling(client_as, failed_batch):
    _, batch = failed_batch
    html = client_as("viewer").get(url("batch_grid", batch.id)).content.decode()
    assert "hx-trigger" not in html and 'data-status="COMPLETED_WITH_ERRORS"' in html


def test_a_2000_cell_grid_renders_in_a_bounded_number_of_queries(
    client_as, pipeline, db, django_assert_max_num_queries
):
    stages = [f"s{i}" for i in range(10)]
    wf = pipeline([f"part-{i:04d}" for i in range(200)], stages=stages)
    batch = batch_start(wf.name).batch
    StageRun.objects.filter(batch=batch, stage__in=stages[:4]).update(status=CellStatus.DONE)
    StageRun.objects.filter(batch=batch, stage="s4", partition__endswith="7").update(
        status=CellStatus.ERROR, error="Timeout: site slow"
    )
    assert StageRun.objects.filter(batch=batch).count() == 2000
    viewer = client_as("viewer")
    viewer.get(url("overview"))  # the session and the user's role are read once
    for page in (
        url("batch", batch.id),
        url("batch_grid", batch.id),
        url("batch_grid", batch.id) + "?status=ERROR&page=1",
        url("overview"),
        url("batches"),
    ):
        with django_assert_max_num_queries(10):
            response = viewer.get(page)
        assert response.status_code == 200
    html = viewer.get(url("batch", batch.id)).content.decode()
    assert html.count('class="cell status-') == 100 * 10


def test_events_page_filters_and_links_batches(client_as, failed_batch):
    _, batch = failed_batch
    viewer = client_as("viewer")
    html = viewer.get(url("events") + f"?batch={batch.id}&type=batch.*").content.decode()
    assert "batch.started" in html and "stage.completed" not in html
    assert f'href="{url("batch", batch.id)}"' in html
    exact = viewer.get(url("events") + "?type=stage.failed").content.decode()
    assert "stage.failed" in exact and "batch.started" not in exact
    newest = Event.objects.order_by("-id").first()
    older = viewer.get(url("events") + f"?before={newest.id}").content.decode()
    assert f'<td class="num">{newest.id}</td>' not in older


def test_sign_in_is_required(failed_batch):
    _, batch = failed_batch
    anonymous = Client()
    for page in (url("overview"), url("batch", batch.id), url("trigger"), url("events")):
        response = anonymous.get(page)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_csrf_is_enforced_on_actions(user_as, failed_batch):
    _, batch = failed_batch
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_as("operator"))
    assert client.post(url("batch_retry", batch.id)).status_code == 403
    assert cell_of(batch.id, "b", "convert").status == CellStatus.ERROR


def test_pages_render_in_korean(client_as, failed_batch):
    _, batch = failed_batch
    viewer = client_as("viewer")
    for page in (url("overview"), url("batch", batch.id), url("events")):
        html = viewer.get(page, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
        assert '<html lang="ko">' in html
