"""The report's dashboard pages and REST endpoints, as a viewer sees them."""

from __future__ import annotations

import pytest

from pipelines.market_management import market_management
from reports.models import DailyReport

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def report(shop, run_batch):
    batch = run_batch(market_management, params={"account": "cp-live,ss-live"})
    return DailyReport.objects.get(batch_id=batch.id)


def test_the_list_and_the_report_page(client_as, report):
    viewer = client_as("viewer")
    listing = viewer.get("/reports/").content.decode()
    assert f'href="/reports/{report.batch_id}/"' in listing and "2026-01-27" in listing
    page = viewer.get(f"/reports/{report.batch_id}/").content.decode()
    assert 'id="report-summary"' in page and 'id="report-missing"' not in page
    for text in ("cp-live", "ss-live", "no sale in 30 days", "above the competitor", "busy"):
        assert text in page, text
    assert '<svg class="chart"' in page  # cp-live's revenue per day
    assert viewer.get("/reports/nope/").status_code == 404


def test_an_unfinished_report_says_so(client_as, report):
    report.sections.filter(account__name="ss-live").update(finished=False)
    page = client_as("viewer").get(f"/reports/{report.batch_id}/").content.decode()
    assert 'id="report-missing"' in page and "(unfinished)" in page


def test_no_report_yet(client_as, db):
    page = client_as("viewer").get("/reports/").content.decode()
    assert "yooini run market_management" in page


def test_the_api(client_as, report):
    viewer = client_as("viewer")
    body = viewer.get("/api/reports/").json()
    assert body["results"][0]["batch_id"] == report.batch_id
    one = viewer.get(f"/api/reports/{report.batch_id}/").json()
    assert one["ready"] is True and one["summary"]["needs_attention"] == 4
    assert {s["account"] for s in one["sections"]} == {"cp-live", "ss-live"}
    assert viewer.get("/api/reports/nope/").status_code == 404
