"""Canonical JSON and the content hash that decides whether a record really changed."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """One spelling per JSON value: sorted keys, no spaces, UTF-8 text kept as is.

    Raises ``ValueError`` for NaN/Infinity (not JSON; PostgreSQL refuses them) and
    ``TypeError`` for values JSON cannot carry (sets, datetimes, bytes, ...).
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def content_hash(value: Any) -> str:
    """sha256 hex digest of ``canonical_json(value)``: equal content, equal hash, whatever
    the key order it arrived in."""
    return text_hash(canonical_json(value))


def text_hash(text: str) -> str:
    """sha256 hex digest of an already canonical JSON text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
