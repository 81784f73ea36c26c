"""Block B, the catalog: projects, seasons, events, episodes, and titles matched to episodes.

``match_episode(title)`` compares a title (a file name, a sheet's ``file_name``) with every
episode's full name ("<project> <season> <event> <title>") after both are normalized (case,
separators, extension, "Day1A" read as "day 1a"). The score is the mean of rapidfuzz's
``token_set_ratio`` and ``token_sort_ratio`` (https://rapidfuzz.github.io/RapidFuzz/Usage/fuzz.html):
the first alone gives 100 to any title whose words are a subset of a label ("WSOP 2024"
would match every WSOP 2024 episode), the second weighs the words left over. A match at or above the threshold (``settings.POKERVOD_MATCH_THRESHOLD``,
default 0.85) is returned; below it the title goes to the review queue (``MatchReview``) with
its best candidate, and no episode is returned, so nothing is attached to a guess. A title a
person resolved (``review_resolve``) matches its episode from then on, with confidence 1.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.db import transaction
from rapidfuzz import fuzz, process, utils

from . import events
from .models import CatalogEvent, Episode, MatchReview, Project, ReviewStatus, Season

DEFAULT_THRESHOLD = 0.85
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=\d)")
_VIDEO_SUFFIX = re.compile(r"\.(mp4|mov|mkv|avi|mxf|m4v|ts|wmv)$", re.IGNORECASE)


class CatalogError(ValueError):
    """Bad catalog input; the message names the field."""


@dataclass(frozen=True)
class EpisodeMatch:
    episode: Episode | None
    confidence: float
    candidate: Episode | None
    review: MatchReview | None = None

    @property
    def matched(self) -> bool:
        return self.episode is not None


def create_project(code: str, name: str, *, correlation_id: str = "") -> Project:
    code = (code or "").strip()
    if not code:
        raise CatalogError("project code: required")
    with transaction.atomic():
        project, created = Project.objects.get_or_create(code=code, defaults={"name": name or code})
        if created:
            events.emit(
                events.CATALOG_PROJECT_CREATED,
                {"project": project.pk, "code": code},
                block="B",
                correlation_id=correlation_id,
            )
    return project


def create_episode(
    project: Project,
    season: str,
    event: str,
    number: int,
    title: str,
    *,
    correlation_id: str = "",
) -> Episode:
    """The episode ``number`` of ``project / season / event`` (created with its parents when
    missing; an existing one gets ``title``)."""
    if not str(season).strip() or not event.strip() or not title.strip():
        raise CatalogError("episode: season, event and title are required")
    if number < 1:
        raise CatalogError(f"episode number: must be 1 or more, not {number}")
    with transaction.atomic():
        year = int(season) if str(season).isdigit() else None
        season_row, _ = Season.objects.get_or_create(
            project=project, name=str(season).strip(), defaults={"year": year}
        )
        event_row, _ = CatalogEvent.objects.get_or_create(season=season_row, name=event.strip())
        episode, created = Episode.objects.get_or_create(
            event=event_row, number=number, defaults={"title": title.strip()}
        )
        if not created and episode.title != title.strip():
            episode.title = title.strip()
            episode.save(update_fields=["title"])
        if created:
            events.emit(
                events.CATALOG_EPISODE_CREATED,
                {"episode": episode.pk, "title": episode.title},
                block="B",
                correlation_id=correlation_id,
            )
    return episode


def normalize_title(title: str) -> str:
    stem = _VIDEO_SUFFIX.sub("", PurePosixPath(title.replace("\\", "/")).name)
    words = utils.default_process(re.sub(r"[_.\-]+", " ", stem))
    return _LETTER_DIGIT.sub(" ", words)


def _score(query: str, choice: str, **_: object) -> float:
    return (fuzz.token_set_ratio(query, choice) + fuzz.token_sort_ratio(query, choice)) / 2


def episode_label(episode: Episode) -> str:
    event = episode.event
    season = event.season
    return f"{season.project.code} {season.name} {event.name} {episode.title}"


def episode_choices() -> dict[int, str]:
    """Every episode's normalized full name, by id: what titles are matched against."""
    rows = Episode.objects.select_related("event__season__project")
    return {e.pk: normalize_title(episode_label(e)) for e in rows}


def match_threshold() -> float:
    return float(getattr(settings, "POKERVOD_MATCH_THRESHOLD", DEFAULT_THRESHOLD))


def match_episode(
    title: str, *, threshold: float | None = None, choices: dict[int, str] | None = None
) -> EpisodeMatch:
    """The episode ``title`` names, with a confidence in [0, 1]; queued for review below
    ``threshold``. ``choices`` (``episode id -> normalized label``) saves reading the catalog
    again when many titles are matched in a row."""
    if not title or not title.strip():
        raise CatalogError("title: required")
    decided = (
        MatchReview.objects.filter(title_key=_title_key(title), status=ReviewStatus.ACCEPTED)
        .select_related("resolved")
        .first()
    )
    if decided is not None and decided.resolved is not None:
        return EpisodeMatch(decided.resolved, 1.0, decided.resolved, decided)
    threshold = match_threshold() if threshold is None else threshold
    choices = episode_choices() if choices is None else choices
    query = normalize_title(title)
    best = process.extractOne(query, choices, scorer=_score, processor=None)
    if best is None:
        return EpisodeMatch(None, 0.0, None, _queue(title, None, 0.0))
    _label, score, episode_id = best
    confidence = round(score / 100.0, 4)
    episode = Episode.objects.get(pk=episode_id)
    if confidence >= threshold:
        return EpisodeMatch(episode, confidence, episode)
    return EpisodeMatch(None, confidence, episode, _queue(title, episode, confidence))


def _title_key(title: str) -> str:
    return hashlib.sha256(title.strip().encode()).hexdigest()


def _queue(title: str, candidate: Episode | None, confidence: float) -> MatchReview:
    key = _title_key(title)
    with transaction.atomic():
        review, created = MatchReview.objects.get_or_create(
            title_key=key,
            defaults={
                "title": title.strip()[:500],
                "candidate": candidate,
                "confidence": confidence,
            },
        )
        if not created and review.status == ReviewStatus.PENDING:
            review.candidate, review.confidence = candidate, confidence
            review.save(update_fields=["candidate", "confidence", "updated_at"])
        if created:
            events.emit(
                events.CATALOG_REVIEW_QUEUED,
                {"review": review.pk, "title": review.title, "confidence": confidence},
                block="B",
            )
    return review


def review_resolve(review: MatchReview, episode: Episode | None) -> MatchReview:
    """A person's answer: the right episode (accepted), or none (rejected)."""
    review.status = ReviewStatus.ACCEPTED if episode else ReviewStatus.REJECTED
    review.resolved = episode
    review.save(update_fields=["status", "resolved", "updated_at"])
    return review
