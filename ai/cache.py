"""Cache keys: what a cached answer depends on, hashed.

``translation_key`` covers the provider (name with model, and its ``cache_version``), both
languages, the text, and the glossary entries that occur in the text: a new or changed term
that touches a text makes a new key, so a text that needed a person is tried again then, and an
unrelated term leaves every other key alone. ``text_key`` is the languages and the text only:
how a person's correction is found whoever translated the text first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

KEY_VERSION = 1


def _digest(parts: list) -> str:
    blob = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def translation_key(
    *,
    provider: str,
    provider_version: str,
    source: str,
    target: str,
    text: str,
    glossary: Mapping[str, str],
) -> str:
    return _digest(
        [KEY_VERSION, provider, provider_version, source, target, text, sorted(glossary.items())]
    )


def text_key(*, source: str, target: str, text: str) -> str:
    return _digest([KEY_VERSION, source, target, text])
