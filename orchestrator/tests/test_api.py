"""The REST API of the engine on real batches: reads, actions, roles, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from orchestrator import NO_RETRY
from orchestrator.core.clock import get_clock
from orchestrator.models import Batch, Event, ResourceState, Schedule, StageRun
from orchestrator.services.batches import batch_start
from orchestrator.services.schedules import schedule_create

pytestmark = pytest.mark.usefixtures("transactional_db")

STAGES = ("collect", "convert", "price")


def pipeline(make_workflow, *, fail=(), partitions=("a", "b", "c"), modes=None, resource=None):
    """collect -> convert -> price over ``partitions``; cells in ``fail`` always raise."""
    wf = make_workflow("api", partitions=list(partitions), modes=modes)

    def body(ctx, partition):
        if (partition, ctx.stage) in fail:
            raise RuntimeError(f"boom in {partition}/{ctx.stage}")
        return 3

    prev = None
    for name in STAGES:
        wf.stage(body, name=name, after=prev, retry=NO_RETRY, resource=resource)
        prev = name
    return wf


@pytest.fixture
def failed_batch(make_workflow, run_batch):
    """A finished batch whose partition b failed at convert (so its price is BLOCKED)."""
    wf = pipeline(make_workflow, fail={("b", "convert")})
    return wf, run_batch(wf)


def cell_of(batch, partition, stage):
    return StageRun.objects.get(batch=batch, partition=partition, stage=stage)


# -- authentication and roles ----------------------------------------------------------------


def test_no_credentials_is_401_with_a_challenge():
    response = APIClient().get("/api/batches/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_wrong_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/workflows/").status_code == 401


def test_viewers_read_but_cannot_act(api_as, failed_batch):
    wf, batch = failed_batch
    viewer = api_as("viewer")
    assert viewer.get("/api/batches/").status_code == 200
    refused = [
        viewer.post("/api/batches/", {"workflow": wf.name}, format="json"),
        viewer.post(f"/api/batches/{batch.id}/retry/", {}, format="json"),
        viewer.post(f"/api/batches/{batch.id}/cancel/"),
        viewer.post(f"/api/batches/{batch.id}/resume/"),
        viewer.post("/api/orchestrator/sync", {"workflow": wf.name, "sync_type": "full"}),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    assert cell_of(batch, "b", "convert").status == "ERROR"  # nothing was reset


# -- workflows and batches -------------------------------------------------------------------


def test_workflows_lists_modes_stages_and_the_default_mode(api_as, make_workflow):
    wf = pipeline(
        make_workflow, modes={"full": ["collect", "convert", "price"], "quick": ["collect"]}
    )
    found = {w["name"]: w for w in api_as("viewer").get("/api/workflows/").json()}
    mine = found[wf.name]
    assert mine["default_mode"] == "full"
    assert mine["modes"] == {"full": sorted(STAGES), "quick": ["collect"]}
    assert [s["name"] for s in mine["stages"]] == list(STAGES)
    assert mine["stages"][1]["after"] == ["collect"]


def test_start_creates_then_resumes_and_refuses_another_mode(api_as, make_workflow):
    wf = pipeline(make_workflow, modes={"full": "__all__", "partial": ["collect"]})
    operator = api_as("operator")
    first = operator.post("/api/batches/", {"workflow": wf.name, "params": {"x": 1}}, format="json")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["resumed"] is False and body["mode"] == "full" and body["params"] == {"x": 1}
    assert body["status"] == "RUNNING" and body["cells_total"] == 9
    assert body["counts"] == {"PENDING": 9}

    again = operator.post("/api/batches/", {"workflow": wf.name}, format="json")
    assert again.status_code == 200
    assert again.json()["resumed"] is True and again.json()["batch_id"] == body["batch_id"]

    other = operator.post("/api/batches/", {"workflow": wf.name, "mode": "partial"}, format="json")
    assert other.status_code == 409 and body["batch_id"] in other.json()["detail"]

    forced = operator.post(
        "/api/batches/", {"workflow": wf.name, "mode": "partial", "new": True}, format="json"
    )
    assert forced.status_code == 201 and forced.json()["batch_id"] != body["batch_id"]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"workflow": "no_such_workflow"}, "workflow"),
        ({"mode": "nope"}, "mode"),
        ({"params": [1, 2]}, "params"),
        ({"params": "text"}, "params"),
        ({}, "workflow"),
    ],
)
def test_start_refuses_bad_input_with_the_field(api_as, make_workflow, payload, field):
    wf = pipeline(make_workflow)
    body = {"workflow": wf.name, **payload} if payload else {}
    response = api_as("operator").post("/api/batches/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Batch.objects.filter(workflow=wf.name).exists()


def test_batch_list_is_newest_first_filtered_and_paginated(api_as, make_workflow, run_batch):
    wf = pipeline(make_workflow, fail={("a", "collect")}, partitions=("a", "b"))
    done = run_batch(wf)
    running = batch_start(wf.name).batch
    viewer = api_as("viewer")
    page = viewer.get(f"/api/batches/?workflow={wf.name}").json()
    assert page["count"] == 2
    assert [b["batch_id"] for b in page["results"]] == [running.id, done.id]
    finished = page["results"][1]
    assert finished["status"] == "COMPLETED_WITH_ERRORS"
    assert finished["counts"] == {"ERROR": 1, "BLOCKED": 2, "DONE": 3}
    assert finished["cells_total"] == 6 and finished["finished_at"]

    only = viewer.get(f"/api/batches/?workflow={wf.name}&status=RUNNING").json()
    assert [b["batch_id"] for b in only["results"]] == [running.id]
    paged = viewer.get(f"/api/batches/?workflow={wf.name}&limit=1&offset=1").json()
    assert [b["batch_id"] for b in paged["results"]] == [done.id] and paged["previous"]
    assert viewer.get("/api/batches/?status=SOMETHING").status_code == 400


def test_batch_detail_has_stage_summaries(api_as, failed_batch):
    _, batch = failed_batch
    viewer = api_as("viewer")
    detail = viewer.get(f"/api/batches/{batch.id}/").json()
    assert detail["batch_id"] == batch.id and detail["status"] == "COMPLETED_WITH_ERRORS"
    assert detail["counts"] == {"DONE": 7, "ERROR": 1, "BLOCKED": 1}
    stages = {s["stage"]: s for s in detail["stages"]}
    assert list(stages) == list(STAGES)
    assert stages["collect"]["settled"] == 3 and stages["collect"]["items"] == 9
    assert stages["convert"]["errors"] == 1 and stages["price"]["counts"]["BLOCKED"] == 1
    assert detail["totals"]["items"] == 21
    assert viewer.get("/api/batches/19990101_01/").status_code == 404


# -- grid and cells --------------------------------------------------------------------------


def test_grid_rows_by_partition_with_filters_and_paging(api_as, failed_batch):
    _, batch = failed_batch
    viewer = api_as("viewer")
    grid = viewer.get(f"/api/batches/{batch.id}/grid/").json()
    assert grid["partitions_total"] == 3 and [r["partition"] for r in grid["rows"]] == list("abc")
    b = grid["rows"][1]["cells"]
    assert b["collect"]["status"] == "DONE" and b["collect"]["item_count"] == 3
    assert b["convert"]["status"] == "ERROR" and "boom in b/convert" in b["convert"]["error"]
    assert [s["stage"] for s in grid["stages"]] == list(STAGES)

    failed = viewer.get(f"/api/batches/{batch.id}/grid/?status=ERROR").json()
    assert failed["partitions_total"] == 1 and [r["partition"] for r in failed["rows"]] == ["b"]
    named = viewer.get(f"/api/batches/{batch.id}/grid/?partition=c").json()
    assert [r["partition"] for r in named["rows"]] == ["c"]
    page = viewer.get(f"/api/batches/{batch.id}/grid/?offset=1&limit=1").json()
    assert [r["partition"] for r in page["rows"]] == ["b"] and page["partitions_total"] == 3

    assert viewer.get(f"/api/batches/{batch.id}/grid/?limit=0").status_code == 400
    assert viewer.get(f"/api/batches/{batch.id}/grid/?status=BROKEN").status_code == 400
    assert viewer.get("/api/batches/19990101_01/grid/").status_code == 404


def test_cell_detail_has_error_traceback_and_events(api_as, failed_batch, make_workflow, run_batch):
    _, batch = failed_batch
    cell = cell_of(batch, "b", "convert")
    viewer = api_as("viewer")
    detail = viewer.get(f"/api/batches/{batch.id}/cells/{cell.id}/").json()
    assert detail["status"] == "ERROR" and detail["partition"] == "b"
    assert "boom in b/convert" in detail["error"] and detail["error_type"].endswith("RuntimeError")
    assert "Traceback" in detail["traceback"] and detail["attempt"] == 1
    assert "stage.failed" in [e["type"] for e in detail["events"]]

    other = run_batch(pipeline(make_workflow, partitions=("z",)))
    assert viewer.get(f"/api/batches/{other.id}/cells/{cell.id}/").status_code == 404
    assert viewer.get(f"/api/batches/{batch.id}/cells/999999999/").status_code == 404


# -- actions ---------------------------------------------------------------------------------


def test_retry_resets_only_failed_cells(api_as, failed_batch):
    _, batch = failed_batch
    done_before = {c.id: c.finished_at for c in StageRun.objects.filter(batch=batch, status="DONE")}
    response = api_as("operator").post(f"/api/batches/{batch.id}/retry/", {}, format="json")
    assert response.status_code == 200 and response.json() == {"reset": 2}
    assert cell_of(batch, "b", "convert").status == "PENDING"
    assert cell_of(batch, "b", "price").status == "PENDING"
    after = {c.id: c.finished_at for c in StageRun.objects.filter(batch=batch, status="DONE")}
    assert after == done_before
    assert Batch.objects.get(id=batch.id).status == "RUNNING"


def test_retry_of_one_stage_or_partition_and_its_errors(api_as, failed_batch):
    _, batch = failed_batch
    operator = api_as("operator")
    nothing = operator.post(f"/api/batches/{batch.id}/retry/", {"partition": "a"}, format="json")
    assert nothing.json() == {"reset": 0}
    assert cell_of(batch, "b", "convert").status == "ERROR"
    wrong = operator.post(f"/api/batches/{batch.id}/retry/", {"stage": "nope"}, format="json")
    assert wrong.status_code == 409 and "nope" in wrong.json()["detail"]
    one = operator.post(
        f"/api/batches/{batch.id}/retry/", {"stage": "convert", "partition": "b"}, format="json"
    )
    assert one.json() == {"reset": 2}  # with the BLOCKED price below it
    assert operator.post("/api/batches/19990101_01/retry/", {}, format="json").status_code == 404


def test_cancel_then_resume(api_as, make_workflow):
    wf = pipeline(make_workflow)
    batch = batch_start(wf.name).batch
    operator = api_as("operator")
    cancelled = operator.post(f"/api/batches/{batch.id}/cancel/")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "CANCELLED"
    assert cancelled.json()["counts"] == {"CANCELLED": 9}
    resumed = operator.post(f"/api/batches/{batch.id}/resume/")
    assert resumed.status_code == 200 and resumed.json()["status"] == "RUNNING"
    assert resumed.json()["counts"] == {"PENDING": 9}
    assert operator.post("/api/batches/19990101_01/cancel/").status_code == 404
    assert operator.post("/api/batches/19990101_01/resume/").status_code == 404


def test_resume_of_a_finished_batch_is_a_conflict(api_as, failed_batch):
    _, batch = failed_batch
    response = api_as("operator").post(f"/api/batches/{batch.id}/resume/")
    assert response.status_code == 409 and "retry" in response.json()["detail"]


# -- events ----------------------------------------------------------------------------------


def test_events_newest_first_by_batch_and_type_prefix(
    api_as, failed_batch, make_workflow, run_batch
):
    _, batch = failed_batch
    run_batch(pipeline(make_workflow, partitions=("z",)))  # events of another batch
    viewer = api_as("viewer")
    page = viewer.get(f"/api/events/?batch={batch.id}&limit=500").json()
    ids = [e["id"] for e in page["results"]]
    assert ids == sorted(ids, reverse=True)
    assert {e["correlation_id"] for e in page["results"]} == {batch.id}
    assert page["count"] == Event.objects.filter(correlation_id=batch.id).count()
    assert page["results"][0]["type"] == "batch.completed_with_errors"

    stages = viewer.get(f"/api/events/?correlation_id={batch.id}&type=stage.*&limit=500").json()
    assert stages["count"] and all(e["type"].startswith("stage.") for e in stages["results"])
    failed = viewer.get(f"/api/events/?batch={batch.id}&type=stage.failed").json()
    assert [e["payload"].get("partition") for e in failed["results"]] in (["b"], [None])
    assert failed["count"] == 1


# -- schedules -------------------------------------------------------------------------------


@pytest.fixture
def schedule(make_workflow):
    wf = pipeline(make_workflow, modes={"full": "__all__", "partial": ["collect"]})
    return schedule_create(f"{wf.name}-hourly", workflow=wf.name, cron="0 * * * *", mode="partial")


def test_schedules_list_and_detail(api_as, schedule):
    viewer = api_as("viewer")
    found = {s["name"]: s for s in viewer.get("/api/schedules/").json()}
    assert found[schedule.name]["cron"] == "0 * * * *"
    assert found[schedule.name]["mode"] == "partial" and found[schedule.name]["next_run_at"]
    one = viewer.get(f"/api/schedules/{schedule.name}/").json()
    assert one["workflow"] == schedule.workflow and one["enabled"] is True
    assert viewer.get("/api/schedules/no-such-schedule/").status_code == 404


def test_only_admins_edit_a_schedule_and_a_new_timing_counts_from_now(api_as, schedule):
    url = f"/api/schedules/{schedule.name}/"
    assert api_as("viewer").patch(url, {"enabled": False}, format="json").status_code == 403
    assert api_as("operator").patch(url, {"enabled": False}, format="json").status_code == 403
    admin = api_as("admin")
    edited = admin.patch(url, {"every_seconds": 600, "params": {"units": ["x"]}}, format="json")
    assert edited.status_code == 200, edited.json()
    body = edited.json()
    assert body["every_seconds"] == 600 and body["cron"] is None
    assert body["params"] == {"units": ["x"]}
    stored = Schedule.objects.get(name=schedule.name)
    now = get_clock().now()
    assert now < stored.next_run_at <= now + timedelta(seconds=601)

    off = admin.patch(url, {"enabled": False}, format="json").json()
    assert off["enabled"] is False
    back = admin.patch(url, {"cron": "30 2 * * *", "time_zone": "Asia/Seoul"}, format="json")
    assert back.json()["cron"] == "30 2 * * *" and back.json()["every_seconds"] is None


@pytest.mark.parametrize(
    "change, field",
    [
        ({"cron": "not a cron"}, "cron"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"params": [1]}, "params"),
        ({"every_seconds": 0}, "every_seconds"),
        ({"cron": "", "every_seconds": None}, "cron"),
    ],
)
def test_an_invalid_schedule_edit_is_refused_by_field(api_as, schedule, change, field):
    response = api_as("admin").patch(f"/api/schedules/{schedule.name}/", change, format="json")
    assert response.status_code == 400 and field in response.json()
    assert Schedule.objects.get(name=schedule.name).cron == "0 * * * *"


def test_editing_a_missing_schedule_is_404(api_as):
    response = api_as("admin").patch("/api/schedules/nope/", {"enabled": True}, format="json")
    assert response.status_code == 404


# -- status and sync -------------------------------------------------------------------------


def test_status_reports_stages_an_open_breaker_and_the_next_run(api_as, make_workflow, run_batch):
    wf = pipeline(make_workflow, fail={("b", "convert")}, resource="api-site")
    first = run_batch(wf)  # b/convert fails
    StageRun.objects.filter(batch=first).update(status="DONE")  # pretend all went well once
    Batch.objects.filter(id=first.id).update(status="COMPLETED")
    second = run_batch(wf, new=True)
    schedule = schedule_create(f"{wf.name}-daily", workflow=wf.name, cron="0 3 * * *")
    ResourceState.objects.filter(name="api-site").update(
        breaker_status="OPEN", breaker_failures=5, breaker_opened_at=get_clock().now()
    )

    status = api_as("viewer").get("/api/orchestrator/status").json()
    assert status["status"] == "degraded"
    assert status["breakers"] == [
        {
            "resource": "api-site",
            "status": "OPEN",
            "failures": 5,
            "opened_at": status["breakers"][0]["opened_at"],
        }
    ]
    mine = next(w for w in status["workflows"] if w["workflow"] == wf.name)
    assert mine["last_batch"]["batch_id"] == second.id
    assert mine["last_batch"]["status"] == "COMPLETED_WITH_ERRORS"
    assert mine["next_run_at"] is not None
    stages = {s["stage"]: s for s in mine["stages"]}
    assert stages["collect"]["status"] == "DONE" and stages["collect"]["last_error"] is None
    assert stages["convert"]["status"] == "ERROR"
    assert "boom in b/convert" in stages["convert"]["last_error"]
    assert stages["convert"]["last_error_partition"] == "b"
    assert stages["convert"]["last_sync"] is not None  # its success in the second batch
    assert stages["price"]["status"] == "BLOCKED"
    # price never succeeded for b in the second batch, but did in the first one
    assert stages["price"]["last_sync"] is not None
    assert status["next_run"]["next_run_at"] is not None
    assert status["next_run"]["schedule"] in {schedule.name} | {
        s.name for s in Schedule.objects.exclude(name=schedule.name)
    }


def test_status_failing_and_running(api_as, make_workflow, run_batch):
    wf = pipeline(make_workflow, fail={("a", "collect")}, partitions=("a",))
    assert run_batch(wf).status == "FAILED"
    viewer = api_as("viewer")
    assert viewer.get("/api/orchestrator/status").json()["status"] == "failing"
    ok = pipeline(make_workflow, partitions=("a",))
    batch_start(ok.name)
    Batch.objects.filter(workflow=wf.name).delete()
    assert viewer.get("/api/orchestrator/status").json()["status"] == "running"


def test_sync_maps_full_and_incremental_to_modes(api_as, make_workflow):
    wf = pipeline(make_workflow, modes={"full": "__all__", "partial": ["collect"]})
    operator = api_as("operator")
    full = operator.post("/api/orchestrator/sync", {"workflow": wf.name, "sync_type": "full"})
    assert full.status_code == 201
    assert full.json()["status"] == "started" and full.json()["mode"] == "full"
    assert Batch.objects.get(id=full.json()["batch_id"]).mode == "full"
    again = operator.post("/api/orchestrator/sync", {"workflow": wf.name, "sync_type": "full"})
    assert again.status_code == 200 and again.json() == {**full.json(), "status": "resumed"}
    clash = operator.post(
        "/api/orchestrator/sync", {"workflow": wf.name, "sync_type": "incremental"}
    )
    assert clash.status_code == 409

    Batch.objects.filter(workflow=wf.name).update(status="CANCELLED")
    partial = operator.post(
        "/api/orchestrator/sync", {"workflow": wf.name, "sync_type": "incremental"}
    )
    assert partial.status_code == 201 and partial.json()["mode"] == "partial"


def test_sync_refusals(api_as, make_workflow):
    only_full = pipeline(make_workflow)
    operator = api_as("operator")
    response = operator.post(
        "/api/orchestrator/sync", {"workflow": only_full.name, "sync_type": "incremental"}
    )
    assert response.status_code == 400 and "sync_type" in response.json()
    assert operator.post("/api/orchestrator/sync", {"sync_type": "sideways"}).status_code == 400
    unknown = operator.post("/api/orchestrator/sync", {"workflow": "nope", "sync_type": "full"})
    assert unknown.status_code == 400 and "workflow" in unknown.json()


def test_sync_without_a_workflow_takes_the_only_scheduled_one(api_as, make_workflow):
    operator = api_as("operator")
    pipeline(make_workflow)
    wf = pipeline(make_workflow, modes={"full": "__all__", "partial": ["collect"]})
    Schedule.objects.update(enabled=False)  # only this test's schedule counts
    unnamed = operator.post("/api/orchestrator/sync", {"sync_type": "full"})
    assert unnamed.status_code == 400 and "workflow" in unnamed.json()
    schedule_create(f"{wf.name}-hourly", workflow=wf.name, every_seconds=3600)
    started = operator.post("/api/orchestrator/sync", {"sync_type": "incremental"})
    assert started.status_code == 201
    assert started.json()["workflow"] == wf.name and started.json()["mode"] == "partial"


# -- errors are JSON, and documented -----------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/batches/a.b/", "/api/batches/%C3%8D/grid/", "/api/batches/0/cells/x/", "/api/no"]
)
def test_a_path_the_api_does_not_know_answers_json_404(api_as, path):
    response = api_as("viewer").get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_page_outside_the_api_keeps_djangos_own_404(api_as):
    response = api_as("viewer").get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_the_schema_documents_the_error_answers(api_as):
    paths = api_as("viewer").get("/api/schema/?format=json").json()["paths"]
    batches = paths["/api/batches/"]["get"]["responses"]
    assert {"200", "400", "401", "403"} <= set(batches)
    assert "404" in paths["/api/batches/{batch_id}/"]["get"]["responses"]
    assert "400" in paths["/api/orchestrator/sync"]["post"]["responses"]
