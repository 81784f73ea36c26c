"""Block F: the catalog pages on the dashboard, for any signed-in role."""

from __future__ import annotations

import pytest
from django.utils import timezone

from pokervod.catalog import create_episode, create_project
from pokervod.clips import upsert_hand_clip
from pokervod.models import VideoFile
from pokervod.nas.scan import path_key
from pokervod.search import search_reindex

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def viewer(client, user_as):
    client.force_login(user_as("viewer"))
    return client


@pytest.fixture
def clip():
    episode = create_episode(
        create_project("WSOP", "World Series"), "2024", "Main Event", 1, "Day 1"
    )
    now = timezone.now()
    file = VideoFile.objects.create(
        root="/nas",
        path="a.mp4",
        path_key=path_key("/nas", "a.mp4"),
        name="WSOP_2024_Main_Event_Day1.mp4",
        size=1,
        mtime_ns=1,
        first_seen_at=now,
        scanned_at=now,
    )
    made, _ = upsert_hand_clip(
        video_file=file, episode=episode, timecode="1:02:03", timecode_end="1:03:00", tags="cooler"
    )
    search_reindex()
    return made


def test_the_home_page_shows_blocks_projects_and_search(viewer, clip):
    page = viewer.get("/pokervod/").content.decode()
    assert 'id="pokervod-blocks"' in page and "World Series" in page
    found = viewer.get("/pokervod/", {"q": "cooler"}).content.decode()
    assert "WSOP_2024_Main_Event_Day1.mp4 01:02:03-01:03:00" in found
    assert "no words to search for" in viewer.get("/pokervod/", {"q": "--"}).content.decode()
    assert 'id="nav-pokervod"' in page


def test_episodes_and_clips(viewer, clip):
    episodes = viewer.get("/pokervod/episodes/", {"project": "WSOP"}).content.decode()
    assert "Day 1" in episodes and "Main Event" in episodes
    clips = viewer.get("/pokervod/clips/", {"episode": clip.episode_id}).content.decode()
    assert "01:02:03" in clips and "cooler" in clips and "file gone" not in clips
    VideoFile.objects.update(present=False)
    flagged = viewer.get("/pokervod/clips/", {"flagged": "1"}).content.decode()
    assert "file gone" in flagged
    assert "No clip." in viewer.get("/pokervod/clips/", {"tag": "bluff"}).content.decode()


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get("/pokervod/")
    assert response.status_code == 302 and "/login/" in response["Location"]
