"""Block E's search: the catalog's episodes and hand clips, by full text, on each database's
own index (migration 0005): SQLite FTS5 (https://www.sqlite.org/fts5.html), PostgreSQL
``tsvector`` with a GIN index
(https://www.postgresql.org/docs/current/textsearch-tables.html), MariaDB FULLTEXT
(https://mariadb.com/kb/en/full-text-index-overview/).

``search_reindex()`` brings the entries in line with the catalog and clips (the ``finish``
stage runs it); ``search_catalog(query)`` finds entries holding every word of the query (as a
prefix: ``wso`` finds WSOP), best first. MariaDB's InnoDB index leaves out words shorter
than its ``innodb_ft_min_token_size`` (3 by default), so such words do not narrow a search
there, and its index sees a change only once its transaction has committed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection, transaction

from .catalog import episode_label
from .clips import format_timecode
from .models import Episode, HandClip, SearchEntry

EPISODE, CLIP = "episode", "clip"
MAX_WORDS = 10
MYSQL_MIN_WORD = 3


class SearchError(ValueError):
    """A query that cannot be searched; says why."""


@dataclass(frozen=True)
class Found:
    kind: str
    id: int
    title: str
    rank: float


def _entries() -> dict[tuple[str, int], tuple[str, str]]:
    wanted: dict[tuple[str, int], tuple[str, str]] = {}
    for episode in Episode.objects.select_related("event__season__project"):
        label = episode_label(episode)
        project = episode.event.season.project
        wanted[(EPISODE, episode.pk)] = (label[:500], f"{label} {project.name}")
    clips = HandClip.objects.select_related(
        "video_file", "episode__event__season__project"
    ).prefetch_related("tags")
    for clip in clips:
        label = episode_label(clip.episode) if clip.episode else clip.video_file.event
        tags = " ".join(t.name for t in clip.tags.all())
        title = (
            f"{clip.video_file.name} {format_timecode(clip.in_seconds)}-"
            f"{format_timecode(clip.out_seconds)}"
        )
        words = re.sub(r"[_.\-]+", " ", clip.video_file.name)
        wanted[(CLIP, clip.pk)] = (title[:500], f"{label} {words} {tags}")
    return wanted


def search_reindex() -> dict[str, int]:
    """Create, update and delete entries so they match the catalog and clips now."""
    wanted = _entries()
    with transaction.atomic():
        have = {(e.kind, e.ref_id): e for e in SearchEntry.objects.all()}
        new = [
            SearchEntry(kind=k, ref_id=i, title=t, text=x)
            for (k, i), (t, x) in wanted.items()
            if (k, i) not in have
        ]
        changed = []
        for key, entry in have.items():
            if key in wanted and (entry.title, entry.text) != wanted[key]:
                entry.title, entry.text = wanted[key]
                changed.append(entry)
        gone = [e.pk for key, e in have.items() if key not in wanted]
        SearchEntry.objects.bulk_create(new, batch_size=500)
        SearchEntry.objects.bulk_update(changed, ["title", "text"], batch_size=500)
        SearchEntry.objects.filter(pk__in=gone).delete()
    return {"added": len(new), "changed": len(changed), "removed": len(gone)}


def _words(query: str) -> list[str]:
    words = re.findall(r"\w+", (query or "").lower())
    if not words:
        raise SearchError("query: no words to search for")
    return words[:MAX_WORDS]


def search_catalog(query: str, *, kind: str | None = None, limit: int = 20) -> list[Found]:
    """Entries holding every word of ``query`` (each as a prefix), best first."""
    if kind not in (None, EPISODE, CLIP):
        raise SearchError(f"kind: {kind!r} is not one of episode, clip")
    words = _words(query)
    limit = max(1, min(int(limit), 200))
    vendor = connection.vendor
    kind_sql = " AND s.kind = %s" if kind else ""
    kind_args = [kind] if kind else []
    if vendor == "sqlite":
        match = " ".join(f'"{w}"*' for w in words)
        sql = (
            "SELECT s.kind, s.ref_id, s.title, -bm25(yooini_pokervod_search_fts) "
            "FROM yooini_pokervod_search_fts JOIN yooini_pokervod_search s "
            "ON s.id = yooini_pokervod_search_fts.rowid "
            f"WHERE yooini_pokervod_search_fts MATCH %s{kind_sql} "
            "ORDER BY bm25(yooini_pokervod_search_fts) LIMIT %s"
        )
        args = [match, *kind_args, limit]
    elif vendor == "postgresql":
        sql = (
            "SELECT s.kind, s.ref_id, s.title, "
            "ts_rank(to_tsvector('simple', s.title || ' ' || s.text), q) AS rank "
            "FROM yooini_pokervod_search s, to_tsquery('simple', %s) q "
            f"WHERE to_tsvector('simple', s.title || ' ' || s.text) @@ q{kind_sql} "
            "ORDER BY rank DESC, s.id LIMIT %s"
        )
        args = [" & ".join(f"{w}:*" for w in words), *kind_args, limit]
    elif vendor == "mysql":
        sql = (
            "SELECT s.kind, s.ref_id, s.title, "
            "MATCH(s.title, s.text) AGAINST (%s IN BOOLEAN MODE) AS rank_ "
            "FROM yooini_pokervod_search s "
            f"WHERE MATCH(s.title, s.text) AGAINST (%s IN BOOLEAN MODE){kind_sql} "
            "ORDER BY rank_ DESC, s.id LIMIT %s"
        )
        # A required word the index does not hold would match nothing: short words are left
        # out (innodb_ft_min_token_size, 3 by default).
        indexed = [w for w in words if len(w) >= MYSQL_MIN_WORD]
        if not indexed:
            return []
        match = " ".join(f"+{w}*" for w in indexed)
        args = [match, match, *kind_args, limit]
    else:
        raise SearchError(f"full-text search is not set up for {vendor}")
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        rows = cursor.fetchall()
    return [Found(k, int(i), t, float(r or 0)) for k, i, t, r in rows]


def list_projects() -> list[dict]:
    """Each project with its counts of seasons, episodes and clips (the seed's ProjectDTO)."""
    from django.db.models import Count

    from .models import Project

    rows = Project.objects.annotate(
        seasons_count=Count("seasons", distinct=True),
        episodes_count=Count("seasons__events__episodes", distinct=True),
        clips_count=Count("seasons__events__episodes__clips", distinct=True),
    ).order_by("code")
    return [
        {
            "code": p.code,
            "name": p.name,
            "seasons": p.seasons_count,
            "episodes": p.episodes_count,
            "clips": p.clips_count,
        }
        for p in rows
    ]
