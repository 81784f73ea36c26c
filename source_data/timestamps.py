"""How a moment is spelled inside JSON (``market_data``'s ``price_updated_at`` and friends).

One fixed-width UTC form, so that comparing the text compares the moments, the same way on
SQLite, PostgreSQL and MariaDB (none of them has a portable JSON date type).
"""

from __future__ import annotations

from datetime import UTC, datetime

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def json_timestamp(moment: datetime) -> str:
    """``2026-01-27T03:00:00Z``: UTC, whole seconds. ``ValueError`` for a naive datetime."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("json_timestamp needs an aware datetime")
    return moment.astimezone(UTC).strftime(FORMAT)
