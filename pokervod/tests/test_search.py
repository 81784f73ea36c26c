"""Block E: the catalog by full text on each database's own index, and the REST endpoints."""

from __future__ import annotations

import pytest
from django.utils import timezone

from pokervod.catalog import create_episode, create_project
from pokervod.clips import upsert_hand_clip
from pokervod.models import SearchEntry, VideoFile
from pokervod.nas.scan import path_key
from pokervod.search import SearchError, list_projects, search_catalog, search_reindex

# Committed for real: InnoDB's FULLTEXT index sees a change only once it is committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalog():
    wsop = create_project("WSOP", "World Series of Poker")
    ept = create_project("EPT", "European Poker Tour")
    day1 = create_episode(wsop, "2024", "Main Event", 1, "Day 1A")
    create_episode(wsop, "2024", "Main Event", 2, "Day 2")
    barcelona = create_episode(ept, "2023", "Barcelona Main Event", 5, "Final Table")
    now = timezone.now()
    name = "WSOP_2024_Main_Event_Day1A_Part1.mp4"
    file = VideoFile.objects.create(
        root="/nas",
        path=name,
        path_key=path_key("/nas", name),
        name=name,
        size=1,
        mtime_ns=1,
        event="WSOP Main Event",
        first_seen_at=now,
        scanned_at=now,
    )
    clip, _ = upsert_hand_clip(
        video_file=file,
        episode=day1,
        timecode="00:10:00",
        timecode_end="00:11:00",
        tags="hero call, river",
    )
    search_reindex()
    return {"day1": day1, "barcelona": barcelona, "clip": clip}


def test_search_finds_every_word_best_first(catalog):
    found = search_catalog("barcelona final")
    assert [(f.kind, f.id) for f in found] == [("episode", catalog["barcelona"].pk)]
    assert {(f.kind, f.id) for f in search_catalog("hero call")} == {("clip", catalog["clip"].pk)}
    assert len(search_catalog("wsop main event")) == 3  # two episodes and the clip
    assert [f.kind for f in search_catalog("wsop main event", kind="clip")] == ["clip"]
    assert search_catalog("barcel")[0].id == catalog["barcelona"].pk  # a prefix
    assert search_catalog("monte carlo") == []


def test_the_index_follows_changes(catalog):
    assert search_reindex() == {"added": 0, "changed": 0, "removed": 0}
    catalog["barcelona"].title = "Heads Up"
    catalog["barcelona"].save()
    catalog["clip"].delete()
    assert search_reindex() == {"added": 0, "changed": 1, "removed": 1}
    assert search_catalog("final table") == []
    assert search_catalog("heads up")[0].id == catalog["barcelona"].pk
    assert not SearchEntry.objects.filter(kind="clip").exists()


def test_bad_queries():
    with pytest.raises(SearchError, match="no words"):
        search_catalog(" -- ")
    with pytest.raises(SearchError, match="kind"):
        search_catalog("x", kind="file")


def test_list_projects(catalog):
    assert list_projects() == [
        {"code": "EPT", "name": "European Poker Tour", "seasons": 1, "episodes": 1, "clips": 0},
        {"code": "WSOP", "name": "World Series of Poker", "seasons": 1, "episodes": 2, "clips": 1},
    ]


def test_the_rest_endpoints(catalog, api_as, client):
    viewer = api_as("viewer")
    projects = viewer.get("/api/pokervod/projects/")
    assert projects.status_code == 200 and [p["code"] for p in projects.json()] == ["EPT", "WSOP"]
    found = viewer.get("/api/pokervod/search/", {"q": "hero call"}).json()
    assert [(r["kind"], r["id"]) for r in found["results"]] == [("clip", catalog["clip"].pk)]
    assert (
        viewer.get("/api/pokervod/search/", {"q": "main", "kind": "episode"}).json()["results"][0][
            "kind"
        ]
        == "episode"
    )
    bad = viewer.get("/api/pokervod/search/", {"q": "--"})
    assert bad.status_code == 400 and "q" in bad.json()
    assert viewer.get("/api/pokervod/search/", {"q": "x", "limit": "lots"}).status_code == 400
    status = viewer.get("/api/pokervod/status/").json()
    assert status["overall"] == "idle" and status["blocks"]["D"]["stage"] == "sheet"
    assert client.get("/api/pokervod/projects/").status_code in (401, 403)  # signed out
