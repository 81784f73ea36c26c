"""Reads of source data: the current version, history, the seed's market queries, lineage.

Every market query runs on current versions only and gives the same rows on SQLite,
PostgreSQL and MariaDB (the test suite checks each on all three): key presence is Django's
``has_key`` (served by the GIN index on PostgreSQL), values are read with ``json_text`` /
``json_number``, which behave alike on the three. Market names and keys are checked
(``QUERY_KEY``) and passed as JSON keys, never spliced into a lookup string.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Max, Min, Q, QuerySet
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

from orchestrator.core.clock import get_clock

from .json_values import json_number, json_text
from .models import DataLineage, SourceData
from .records import QUERY_KEY
from .timestamps import json_timestamp

ACTIVE = "active"
# Text searched besides source_id: the usual title and brand keys of normalized data and the
# supplier's own product name (suppliers keep it in raw).
SEARCH_KEYS = (
    ("normalized", "title"),
    ("normalized", "name"),
    ("normalized", "brand"),
    ("raw", "name"),
)


def source_data_get(*, source_system: str, source_id: str) -> SourceData:
    """The current version of a record: one query on the unique (id, system, is_current)
    index. ``SourceData.DoesNotExist`` if the record was never stored."""
    return SourceData.objects.get(source_system=source_system, source_id=source_id, is_current=True)


def source_data_history(*, source_system: str, source_id: str) -> QuerySet[SourceData]:
    """Every version of a record, oldest first (the current one last)."""
    return SourceData.objects.filter(source_system=source_system, source_id=source_id).order_by(
        "version"
    )


def source_data_current() -> QuerySet[SourceData]:
    """All current versions: the base of every query below."""
    return SourceData.objects.filter(is_current=True)


def source_data_search(
    *,
    q: str = "",
    source_system: str = "",
    source_type: str = "",
    status: str = "",
    current_only: bool = True,
) -> QuerySet[SourceData]:
    """Records, most recently changed first. ``q`` matches part of source_id or of a title,
    name or brand (``SEARCH_KEYS``), case-blind on every database: both sides are lowered,
    since MariaDB's binary collation would make ``icontains`` case-sensitive."""
    rows = source_data_current() if current_only else SourceData.objects.all()
    if source_system:
        rows = rows.filter(source_system=source_system)
    if source_type:
        rows = rows.filter(source_type=source_type)
    if status:
        rows = rows.filter(processing_status=status)
    if q:
        needle = q.lower()
        aliases = {"_q_id": Lower("source_id")}
        aliases |= {
            f"_q{i}": Lower(json_text(col, key)) for i, (col, key) in enumerate(SEARCH_KEYS)
        }
        match = Q()
        for alias in aliases:
            match |= Q(**{f"{alias}__contains": needle})
        rows = rows.alias(**aliases).filter(match)
    return rows.order_by("-updated_at", "-id")


def source_data_by_market(*, market: str) -> QuerySet[SourceData]:
    """Current records listed in ``market`` (any status), each annotated with ``market_info``:
    its ``market_data[market]`` object."""
    return (
        source_data_current()
        .filter(market_data__has_key=_market_name(market))
        .annotate(market_info=KeyTransform(market, "market_data"))
    )


def source_data_active_in_market(*, market: str) -> QuerySet[SourceData]:
    """Current records whose ``market_data[market].status`` is exactly ``"active"``."""
    return (
        source_data_current()
        .alias(_status=json_text("market_data", _market_name(market), "status"))
        .filter(_status=ACTIVE)
    )


def source_data_need_price_update(*, market: str, older_than: timedelta) -> QuerySet[SourceData]:
    """Current records listed in ``market`` whose price was never stamped
    (``price_updated_at`` absent or null) or was stamped before now - ``older_than``."""
    threshold = json_timestamp(get_clock().now() - older_than)
    return (
        source_data_current()
        .filter(market_data__has_key=_market_name(market))
        .alias(_stamp=json_text("market_data", market, "price_updated_at"))
        .filter(Q(_stamp__isnull=True) | Q(_stamp__lt=threshold))
    )


def source_data_with_ai_score_above(*, score: float, key: str = "score") -> QuerySet[SourceData]:
    """Current records whose ``ai_data[key]`` is at least ``score`` (the seed's "이상").
    Scores are numbers (the services refuse anything else), compared as numbers."""
    score_at = json_number("ai_data", _key(key, "AI data key"))
    return source_data_current().alias(_score=score_at).filter(_score__gte=score)


def source_data_aggregate_by_market(
    *, markets: list[str] | None = None, source_system: str | None = None
) -> dict[str, dict[str, Any]]:
    """Per market (all markets present when ``markets`` is None), over current records:
    ``listed``, ``active``, and ``min_price`` / ``max_price`` / ``avg_price`` (2 decimals)
    over the entries that have a price. One query, whatever the number of markets."""
    if markets is None:
        markets = source_data_market_names()
    if not markets:
        return {}
    query = source_data_current()
    if source_system is not None:
        query = query.filter(source_system=source_system)
    aggregates: dict[str, Any] = {}
    for i, market in enumerate(markets):
        price = json_number("market_data", _market_name(market), "price")
        aggregates[f"m{i}_listed"] = Count("id", filter=Q(market_data__has_key=market))
        aggregates[f"m{i}_active"] = Count(
            "id", filter=Exact(json_text("market_data", market, "status"), ACTIVE)
        )
        aggregates[f"m{i}_min"] = Min(price)
        aggregates[f"m{i}_max"] = Max(price)
        aggregates[f"m{i}_avg"] = Avg(price)
    row = query.aggregate(**aggregates)
    return {
        market: {
            "listed": row[f"m{i}_listed"],
            "active": row[f"m{i}_active"],
            "min_price": row[f"m{i}_min"],
            "max_price": row[f"m{i}_max"],
            "avg_price": None if row[f"m{i}_avg"] is None else round(row[f"m{i}_avg"], 2),
        }
        for i, market in enumerate(markets)
    }


_MARKET_NAMES_SQL = {
    "postgresql": (
        "SELECT DISTINCT jsonb_object_keys(market_data) FROM yooini_source_data WHERE is_current"
    ),
    "sqlite": (
        "SELECT DISTINCT j.key FROM yooini_source_data s, json_each(s.market_data) j"
        " WHERE s.is_current"
    ),
    "mysql": (
        "SELECT DISTINCT CAST(k.name AS BINARY) FROM yooini_source_data s,"
        " JSON_TABLE(JSON_KEYS(s.market_data), '$[*]' COLUMNS (name VARCHAR(200) PATH '$')) k"
        " WHERE s.is_current"
    ),
}


def source_data_market_names() -> list[str]:
    """Every market key of current records, sorted. The one query here that cannot be said
    with Django's JSON lookups (listing an object's keys), so it is one statement per vendor."""
    with connection.cursor() as cursor:
        cursor.execute(_MARKET_NAMES_SQL[connection.vendor])
        names = {n.decode() if isinstance(n, bytes | bytearray) else n for (n,) in cursor}
    return sorted(names)


def _market_name(market: str) -> str:
    return _key(market, "market name")


def _key(name: str, what: str) -> str:
    if not isinstance(name, str) or not QUERY_KEY.fullmatch(name):
        raise ValueError(f"invalid {what} {name!r} (letters, digits, _ and -)")
    return name


# -- lineage -------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineageHop:
    """One link reached from the start record, ``depth`` links away (1 = direct)."""

    depth: int
    link: DataLineage


def lineage_ancestors(*, source_data: SourceData, max_depth: int = 20) -> list[LineageHop]:
    """Links leading to ``source_data`` from its parents, their parents, ...; nearest first.
    One query per level; each link is reported once even if the graph has a cycle."""
    return _walk(source_data.pk, up=True, max_depth=max_depth)


def lineage_descendants(*, source_data: SourceData, max_depth: int = 20) -> list[LineageHop]:
    """Links from ``source_data`` to its children, their children, ...; nearest first."""
    return _walk(source_data.pk, up=False, max_depth=max_depth)


def _walk(start: int, *, up: bool, max_depth: int) -> list[LineageHop]:
    near, far = ("child_id", "parent_id") if up else ("parent_id", "child_id")
    hops: list[LineageHop] = []
    visited = {start}
    frontier = [start]
    depth = 0
    while frontier and depth < max_depth:
        depth += 1
        links = (
            DataLineage.objects.filter(**{f"{near}__in": frontier})
            .select_related("parent", "child")
            .order_by("id")
        )
        frontier = []
        for link in links:
            hops.append(LineageHop(depth, link))
            other = getattr(link, far)
            if other not in visited:
                visited.add(other)
                frontier.append(other)
    return hops
