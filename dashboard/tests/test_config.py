"""The configuration pages: schedules and resources, who may change them, and what a change does."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from orchestrator import NO_RETRY, BreakerPolicy, resource
from orchestrator.models import Event, ResourceState, Schedule
from orchestrator.services.resources import resources_ensure
from orchestrator.services.schedules import schedule_create
from orchestrator.tests.concurrency import Gauge

LIMITS = {
    "concurrency": "4",
    "rate": "",
    "rate_per": "",
    "burst": "",
    "breaker_threshold": "3",
    "breaker_reset_after": "120",
}


@pytest.fixture
def schedule(make_workflow, manual_clock, db):
    wf = make_workflow("nightly")
    wf.stage(lambda ctx, p: 1, name="collect")
    # 09:00 in Seoul is 00:00 UTC; the clock stands at 2026-01-27 03:00 UTC.
    return schedule_create(
        "nightly-sync", workflow=wf.name, cron="0 9 * * *", time_zone="Asia/Seoul"
    )


@pytest.fixture
def mall(db):
    """A resource whose breaker is open after 3 failures."""
    resource("mall-api", concurrency=2, breaker=BreakerPolicy(threshold=3, reset_after=600))
    resources_ensure(["mall-api"])
    ResourceState.objects.filter(name="mall-api").update(
        breaker_status="OPEN", breaker_failures=3, breaker_opened_at=datetime.now(UTC)
    )
    return ResourceState.objects.get(name="mall-api")


# --- schedules -----------------------------------------------------------------------------


def test_schedules_page_shows_timing_in_local_time(client_as, schedule):
    page = client_as("viewer").get(reverse("dashboard:schedules")).content.decode()
    assert schedule.next_run_at == datetime(2026, 1, 28, 0, 0, tzinfo=UTC)
    assert "nightly-sync" in page and "0 9 * * *" in page and "Asia/Seoul" in page
    assert "2026-01-28 09:00:00 KST" in page
    assert "Disable" not in page and "/edit/" not in page  # a viewer gets no buttons


def test_admin_disables_and_enables_counting_from_now(client_as, schedule, manual_clock):
    client = client_as("admin")
    page = client.get(reverse("dashboard:schedules")).content.decode()
    assert reverse("dashboard:schedule_edit", args=[schedule.pk]) in page
    toggle = reverse("dashboard:schedule_toggle", args=[schedule.pk])
    assert client.post(toggle, {"enabled": "0"}).status_code == 302
    assert Schedule.objects.get(pk=schedule.pk).enabled is False

    manual_clock.advance(3 * 86400)  # three due times pass while it is off
    client.post(toggle, {"enabled": "1"})
    row = Schedule.objects.get(pk=schedule.pk)
    assert row.enabled is True
    assert row.next_run_at == datetime(2026, 1, 31, 0, 0, tzinfo=UTC)


def test_admin_edits_the_cron_and_the_next_run_is_recomputed(client_as, schedule):
    url = reverse("dashboard:schedule_edit", args=[schedule.pk])
    client = client_as("admin")
    assert "0 9 * * *" in client.get(url).content.decode()
    form = {"cron": "30 13 * * *", "every_seconds": "", "time_zone": "Asia/Seoul"}
    response = client.post(url, {**form, "params": '{"brand": "NIKE"}'})
    assert response.status_code == 302
    row = Schedule.objects.get(pk=schedule.pk)
    assert (row.cron, row.params) == ("30 13 * * *", {"brand": "NIKE"})
    assert row.next_run_at == datetime(2026, 1, 27, 4, 30, tzinfo=UTC)  # 13:30 KST today

    client.post(url, {"cron": "", "every_seconds": "600", "time_zone": "UTC", "params": "{}"})
    row = Schedule.objects.get(pk=schedule.pk)
    assert (row.cron, row.every_seconds) == ("", 600)
    assert row.next_run_at == datetime(2026, 1, 27, 3, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        ({"cron": "61 * * * *"}, "cron", "not a valid cron expression"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "unknown time zone"),
        ({"every_seconds": "60"}, "every_seconds", "exactly one"),
        ({"params": "[1, 2]"}, "params", "JSON object"),
    ],
)
def test_an_invalid_edit_is_shown_on_its_field_and_changes_nothing(
    client_as, schedule, form, field, words
):
    url = reverse("dashboard:schedule_edit", args=[schedule.pk])
    data = {"cron": "0 9 * * *", "every_seconds": "", "time_zone": "Asia/Seoul", "params": "{}"}
    response = client_as("admin").post(url, {**data, **form})
    assert response.status_code == 400
    text = response.content.decode()
    error = text.split(f'id="error-{field}">')[1].split("</div>")[0]
    assert words in error
    row = Schedule.objects.get(pk=schedule.pk)
    assert (row.cron, row.time_zone, row.next_run_at) == (
        schedule.cron,
        schedule.time_zone,
        schedule.next_run_at,
    )


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_admins_change_schedules(client_as, schedule, role):
    client = client_as(role)
    toggle = reverse("dashboard:schedule_toggle", args=[schedule.pk])
    edit = reverse("dashboard:schedule_edit", args=[schedule.pk])
    assert client.post(toggle, {"enabled": "0"}).status_code == 403
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"cron": "* * * * *", "time_zone": "UTC"}).status_code == 403
    row = Schedule.objects.get(pk=schedule.pk)
    assert row.enabled and row.cron == "0 9 * * *"


# --- resources -----------------------------------------------------------------------------


def test_resources_page_shows_limits_and_breaker(client_as, mall):
    page = client_as("viewer").get(reverse("dashboard:resources")).content.decode()
    assert "mall-api" in page and 'max="2"' in page
    assert 'class="badge breaker-OPEN"' in page
    assert "Reset breaker" not in page and "Edit limits" not in page
    admin_page = client_as("admin").get(reverse("dashboard:resources")).content.decode()
    assert "Reset breaker" in admin_page
    assert reverse("dashboard:resource_edit", args=["mall-api"]) in admin_page


def test_admin_resets_an_open_breaker(client_as, mall):
    client = client_as("admin", "park")
    response = client.post(reverse("dashboard:resource_breaker_reset", args=["mall-api"]))
    assert response.status_code == 302
    row = ResourceState.objects.get(name="mall-api")
    assert (row.breaker_status, row.breaker_failures, row.breaker_opened_at) == ("CLOSED", 0, None)
    event = Event.objects.get(type="breaker.reset")
    assert event.payload["resource"] == "mall-api" and event.payload["by"] == "park"
    assert event.payload["was"] == "OPEN"


def test_admin_edits_limits(client_as, mall):
    url = reverse("dashboard:resource_edit", args=["mall-api"])
    client = client_as("admin")
    assert 'value="2"' in client.get(url).content.decode()
    assert client.post(url, {**LIMITS, "rate": "10", "rate_per": "60"}).status_code == 302
    row = ResourceState.objects.get(name="mall-api")
    assert (row.concurrency, row.rate, row.rate_per, row.burst) == (4, 10.0, 60.0, None)
    assert (row.breaker_threshold, row.breaker_reset_after) == (3, 120.0)
    client.post(url, {**LIMITS, "concurrency": "", "breaker_threshold": ""})  # no limits
    row = ResourceState.objects.get(name="mall-api")
    assert (row.concurrency, row.breaker_threshold, row.rate_per) == (None, None, 1.0)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"concurrency": "0"}, "concurrency"),
        ({"concurrency": "-2"}, "concurrency"),
        ({"concurrency": "two"}, "concurrency"),
        ({"rate": "0"}, "rate"),
        ({"burst": "5"}, "burst"),  # a burst without a rate
        ({"breaker_reset_after": "-1"}, "breaker_reset_after"),
    ],
)
def test_invalid_limits_show_a_form_error(client_as, mall, changes, field):
    url = reverse("dashboard:resource_edit", args=["mall-api"])
    response = client_as("admin").post(url, {**LIMITS, **changes})
    assert response.status_code == 400
    assert f'id="error-{field}"' in response.content.decode()
    assert ResourceState.objects.get(name="mall-api").concurrency == 2


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_admins_change_resources(client_as, mall, role):
    client = client_as(role)
    edit = reverse("dashboard:resource_edit", args=["mall-api"])
    assert client.get(edit).status_code == 403
    assert client.post(edit, LIMITS).status_code == 403
    reset = reverse("dashboard:resource_breaker_reset", args=["mall-api"])
    assert client.post(reset).status_code == 403
    row = ResourceState.objects.get(name="mall-api")
    assert (row.concurrency, row.breaker_status) == (2, "OPEN")


def test_posts_need_the_csrf_token(user_as, mall, schedule):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_as("admin"))
    reset = reverse("dashboard:resource_breaker_reset", args=["mall-api"])
    assert client.post(reset).status_code == 403
    edit = reverse("dashboard:resource_edit", args=["mall-api"])
    assert client.post(edit, LIMITS).status_code == 403
    toggle = reverse("dashboard:schedule_toggle", args=[schedule.pk])
    assert client.post(toggle, {"enabled": "0"}).status_code == 403
    assert ResourceState.objects.get(name="mall-api").breaker_status == "OPEN"
    assert Schedule.objects.get(pk=schedule.pk).enabled

    client.get(reverse("dashboard:resources"))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert client.post(reset, {"csrfmiddlewaretoken": token}).status_code == 302
    assert ResourceState.objects.get(name="mall-api").breaker_status == "CLOSED"


def test_an_edited_limit_holds_in_the_next_run(client_as, make_workflow, run_batch):
    resource("shared-site", concurrency=6)
    gauge = Gauge()
    wf = make_workflow("crawl", partitions=[f"store{i}" for i in range(8)])

    @wf.stage(resource="shared-site", retry=NO_RETRY)
    def collect(ctx, partition):
        with gauge:
            time.sleep(0.02)

    assert run_batch(wf, executor="threads", concurrency=6).status == "COMPLETED"
    assert gauge.peak > 1  # the declared limit lets several run at once

    url = reverse("dashboard:resource_edit", args=["shared-site"])
    form = {**LIMITS, "concurrency": "1", "breaker_threshold": ""}
    assert client_as("admin").post(url, form).status_code == 302
    gauge.peak = 0
    later = run_batch(wf, executor="threads", concurrency=6, params={"run": 2})
    assert later.status == "COMPLETED"
    assert gauge.peak == 1
    assert ResourceState.objects.get(name="shared-site").concurrency == 1


def test_running_count_and_half_open_status(client_as, mall, manual_clock):
    ResourceState.objects.filter(name="mall-api").update(
        breaker_opened_at=manual_clock.now() - timedelta(seconds=601)
    )
    page = client_as("viewer").get(reverse("dashboard:resources")).content.decode()
    assert 'class="badge breaker-HALF_OPEN"' in page
