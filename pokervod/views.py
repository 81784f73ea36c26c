"""Block F, the catalog pages on the dashboard: the block status panel, projects and search,
episodes, and hand clips with their tags and timecodes. Read-only; every signed-in role sees
them (the dashboard's sign-in applies)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .clips import format_timecode
from .models import Episode, HandClip, MatchReview, ReviewStatus
from .search import SearchError, list_projects, search_catalog
from .status import block_statuses, overall_status

PAGE_SIZE = 50


def _filters(request) -> str:
    """The query string without its page, for the pager's links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
def catalog_home(request):
    query = (request.GET.get("q") or "").strip()[:200]
    results, error = [], ""
    if query:
        try:
            results = search_catalog(query, limit=50)
        except SearchError as exc:
            error = str(exc)
    blocks = block_statuses()
    return render(
        request,
        "pokervod/home.html",
        {
            "overall": overall_status(blocks),
            "blocks": list(blocks.values()),
            "projects": list_projects(),
            "query": query,
            "results": results,
            "error": error,
            "reviews": MatchReview.objects.filter(status=ReviewStatus.PENDING).count(),
        },
    )


@require_GET
def episode_list(request):
    project = (request.GET.get("project") or "").strip()[:50]
    episodes = Episode.objects.select_related("event__season__project").annotate(
        clip_count=Count("clips")
    )
    if project:
        episodes = episodes.filter(event__season__project__code=project)
    episodes = episodes.order_by(
        "event__season__project__code", "event__season__name", "event__name", "number"
    )
    page = Paginator(episodes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "pokervod/episodes.html",
        {"page": page, "project": project, "filters": _filters(request)},
    )


@require_GET
def clip_list(request):
    episode = request.GET.get("episode") or ""
    tag = (request.GET.get("tag") or "").strip().lower()[:100]
    clips = HandClip.objects.select_related("video_file", "episode").prefetch_related("tags")
    if episode.isdigit():
        clips = clips.filter(episode_id=int(episode))
    if tag:
        clips = clips.filter(tags__name=tag)
    if request.GET.get("flagged"):
        clips = clips.filter(video_file__present=False)
    page = Paginator(clips.order_by("video_file__name", "in_seconds"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "clip": clip,
            "in": format_timecode(clip.in_seconds),
            "out": format_timecode(clip.out_seconds),
            "tags": [t.name for t in clip.tags.all()],
            "flagged": not clip.video_file.present,
        }
        for clip in page
    ]
    return render(
        request,
        "pokervod/clips.html",
        {"page": page, "rows": rows, "tag": tag, "episode": episode, "filters": _filters(request)},
    )
