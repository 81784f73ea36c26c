"""Block B: the catalog, and titles matched to episodes with a confidence; weak matches wait
for a person in the review queue."""

from __future__ import annotations

import pytest

from orchestrator.models import Event
from pokervod.catalog import (
    CatalogError,
    create_episode,
    create_project,
    match_episode,
    review_resolve,
)
from pokervod.models import Episode, MatchReview, ReviewStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    wsop = create_project("WSOP", "World Series of Poker")
    hcl = create_project("HCL", "Hustler Casino Live")
    return {
        "main1": create_episode(wsop, "2024", "Main Event", 1, "Day 1A Table 3"),
        "main2": create_episode(wsop, "2024", "Main Event", 2, "Day 2 Feature Table"),
        "europe": create_episode(wsop, "2023", "Europe Main Event", 1, "Final Table"),
        "hcl": create_episode(hcl, "2024", "Cash Game", 12, "High Stakes Friday"),
    }


def test_the_catalog_is_built_once(catalog):
    again = create_episode(
        create_project("WSOP", "ignored"), "2024", "Main Event", 1, "Day 1A Table 3"
    )
    assert again.pk == catalog["main1"].pk
    assert Episode.objects.count() == 4
    assert Event.objects.filter(type="catalog.project.created").count() == 2
    assert Event.objects.filter(type="catalog.episode.created").count() == 4


def test_bad_input_names_the_field():
    with pytest.raises(CatalogError, match="project code"):
        create_project(" ", "x")
    project = create_project("WSOP", "x")
    with pytest.raises(CatalogError, match="episode number"):
        create_episode(project, "2024", "Main Event", 0, "t")
    with pytest.raises(CatalogError, match="title: required"):
        match_episode("  ")


def test_a_file_name_matches_its_episode(catalog):
    found = match_episode("WSOP_2024_Main_Event_Day1A_Table3.mp4")
    assert found.matched and found.episode == catalog["main1"]
    assert found.confidence >= 0.85
    assert match_episode("wsop 2023 europe main event final table").episode == catalog["europe"]
    assert MatchReview.objects.count() == 0


def test_a_weak_match_goes_to_review_once_and_a_person_decides(catalog):
    weak = match_episode("EPT Barcelona highlights")
    assert not weak.matched and weak.confidence < 0.85
    assert weak.review is not None and weak.review.status == ReviewStatus.PENDING
    match_episode("EPT Barcelona highlights")
    assert MatchReview.objects.count() == 1
    assert Event.objects.filter(type="catalog.review.queued").count() == 1

    review_resolve(weak.review, catalog["hcl"])
    decided = match_episode("EPT Barcelona highlights")
    assert decided.episode == catalog["hcl"] and decided.confidence == 1.0


def test_the_threshold_is_configuration(catalog, settings):
    title = "WSOP 2024 Main Event Day 2"
    assert match_episode(title, threshold=0.99).episode is None
    settings.POKERVOD_MATCH_THRESHOLD = 0.5
    assert match_episode(title).episode == catalog["main2"]


def test_an_empty_catalog_queues_every_title():
    result = match_episode("anything")
    assert result.episode is None and result.confidence == 0.0
    assert result.review.candidate is None
