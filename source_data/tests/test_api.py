"""Source data over the REST API: search, one record with its versions and lineage."""

from __future__ import annotations

import pytest

from source_data.models import SourceData
from source_data.services import lineage_record, source_data_upsert_many

from .factories import product

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    source_data_upsert_many(
        [
            product("P-100", normalized={"title": "Blue linen shirt"}),
            product("P-200", normalized={"title": "Red wool coat"}),
            product("Q-300", system="okmall"),
        ]
    )
    source_data_upsert_many([product("P-100", price=12000)])  # a second version
    return {r.source_id: r for r in SourceData.objects.filter(is_current=True)}


def ids(page):
    return sorted(r["source_id"] for r in page["results"])


def test_list_current_records_with_filters(api_as, records):
    viewer = api_as("viewer")
    page = viewer.get("/api/source-data/").json()
    assert page["count"] == 3 and ids(page) == ["P-100", "P-200", "Q-300"]
    assert ids(viewer.get("/api/source-data/?q=p-").json()) == ["P-100", "P-200"]
    assert ids(viewer.get("/api/source-data/?q=WOOL").json()) == ["P-200"]
    assert ids(viewer.get("/api/source-data/?source_system=okmall").json()) == ["Q-300"]
    assert viewer.get("/api/source-data/?current=false").json()["count"] == 4
    assert viewer.get("/api/source-data/?status=processed").json()["count"] == 0
    assert viewer.get("/api/source-data/?source_type=supplier_product").json()["count"] == 3
    assert viewer.get("/api/source-data/?source_type=nothing").status_code == 400
    first = next(r for r in page["results"] if r["source_id"] == "P-100")
    assert first["version"] == 2 and first["is_current"] is True and first["status"] == "raw"
    assert "raw" not in first  # the list stays small; the detail has the documents


def test_detail_has_documents_versions_and_lineage(api_as, records):
    parent, child = records["P-100"], records["Q-300"]
    lineage_record(parent=parent, child=child, transformation="normalize", metadata={"n": 1})
    viewer = api_as("viewer")
    detail = viewer.get(f"/api/source-data/{parent.id}/").json()
    assert detail["raw"]["price"] == 12000 and detail["normalized"] == {"title": "Blue linen shirt"}
    assert detail["market_data"] == {} and detail["ai_data"] == {}
    assert [(v["version"], v["is_current"]) for v in detail["versions"]] == [(1, False), (2, True)]
    assert detail["parents"] == []
    assert [(c["transformation"], c["record"]["source_id"]) for c in detail["children"]] == [
        ("normalize", "Q-300")
    ]
    assert detail["children"][0]["depth"] == 1 and detail["children"][0]["metadata"] == {"n": 1}
    back = viewer.get(f"/api/source-data/{child.id}/").json()
    assert [p["record"]["source_id"] for p in back["parents"]] == ["P-100"]
    assert viewer.get("/api/source-data/999999999/").status_code == 404


def test_source_data_is_read_only_and_needs_a_sign_in(api_as, records):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/source-data/").status_code == 401
    assert api_as("admin").post("/api/source-data/", {}).status_code == 405
