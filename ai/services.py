"""Translating many texts at once, each paid for once: the cache first, the provider for the rest.

``translate_many`` is what the pipelines call. It returns one ``Translation`` per input text,
same order; an empty or blank text comes back as ``""`` without asking anyone. For the others:

1. the cache key of every text (``cache.translation_key``) is computed, duplicates folded;
2. all keys, and the texts' correction keys, are looked up in one query (per 400 texts);
   a person's correction of the same text wins over anything else;
3. only the misses go to the provider, ``YOOINI_AI_BATCH_SIZE`` texts per request, and each
   batch's answers are stored as soon as they arrive (bulk insert, conflicts ignored: two
   workers may translate the same text at once, the first row stays). Answers that need a
   person are stored too, so they are not asked for again until the glossary changes.

A provider error stops the call (``ProviderUnavailable`` is worth retrying); the batches answered
before it are already stored, so a retry pays only for the rest.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Q

from orchestrator.core.clock import get_clock

from .cache import text_key, translation_key
from .conf import setting_number
from .errors import InvalidInput, ProviderBadResponse
from .glossary import glossary_checked, glossary_for
from .models import CachedTranslation
from .providers import Provider, provider_from_settings
from .providers.base import ProviderResult

log = logging.getLogger("yooini.ai")

# What ``Translation.provider`` says for a text a person corrected.
HUMAN = "human"
LOOKUP_CHUNK = 400
_LANGUAGE_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")


@dataclass(frozen=True)
class Translation:
    """One text's translation. ``needs_human``: the provider could not translate it fully;
    ``text`` is then None and ``draft`` holds its best effort for the person who finishes it.
    ``provider`` is who translated it (``offline``, ``openai:<model>``, ``anthropic:<model>``,
    or ``human`` for a person's correction); ``cached``: no provider was called for it now."""

    source_text: str
    text: str | None
    needs_human: bool
    draft: str | None
    provider: str
    cached: bool


@dataclass
class _Pending:
    text: str
    entries: dict[str, str]
    text_key: str
    indexes: list[int]


def translate_many(
    texts: Sequence[str],
    *,
    source: str = "ko",
    target: str = "ja",
    glossary: Mapping[str, str] | None = None,
    provider: Provider | None = None,
) -> list[Translation]:
    """Translate ``texts`` (same length and order back); see the module docstring.

    ``glossary``: extra ``term -> translation`` entries for this call (brand names), on top of
    the shipped fashion glossary. ``provider``: None for the configured one
    (``provider_from_settings``). Raises ``InvalidInput`` for a bad text, language or glossary
    entry, and the provider's errors (``ai.errors``).
    """
    items = _checked_texts(texts)
    source, target = _checked_language("source", source), _checked_language("target", target)
    extra = glossary_checked(glossary)
    if provider is not None:
        return _translate(items, source, target, extra, provider)
    provider = provider_from_settings()
    try:
        return _translate(items, source, target, extra, provider)
    finally:
        close = getattr(provider, "close", None)
        if close is not None:
            close()  # built here, so closed here: its HTTP connections too


def _translate(
    items: list[str], source: str, target: str, extra: dict[str, str], provider: Provider
) -> list[Translation]:
    merged = glossary_for(source, target, extra)

    results: list[Translation | None] = [None] * len(items)
    pending: dict[str, _Pending] = {}
    for index, original in enumerate(items):
        text = original.strip()
        if not text:
            results[index] = Translation(original, "", False, None, provider.name, False)
            continue
        entries = merged.entries_in(text)
        key = translation_key(
            provider=provider.name,
            provider_version=provider.cache_version,
            source=source,
            target=target,
            text=text,
            glossary=entries,
        )
        if key in pending:
            pending[key].indexes.append(index)
        else:
            tkey = text_key(source=source, target=target, text=text)
            pending[key] = _Pending(text, entries, tkey, [index])

    hits = _lookup(pending)
    for key, row in hits.items():
        for index in pending[key].indexes:
            results[index] = _from_row(items[index], row)
    misses = [key for key in pending if key not in hits]

    batch_size = setting_number("YOOINI_AI_BATCH_SIZE", 20, minimum=1, integer=True)
    for start in range(0, len(misses), batch_size):
        keys = misses[start : start + batch_size]
        answers = provider.translate(
            [pending[k].text for k in keys], source=source, target=target, glossary=extra
        )
        answers = _checked_answers(provider.name, answers, len(keys))
        _store(
            provider.name,
            source,
            target,
            [(k, pending[k], a) for k, a in zip(keys, answers, strict=True)],
        )
        for key, answer in zip(keys, answers, strict=True):
            for index in pending[key].indexes:
                results[index] = Translation(
                    items[index],
                    answer.text,
                    answer.needs_human,
                    answer.draft,
                    provider.name,
                    False,
                )
    log.info(
        "translated %d texts (%d distinct, %d from the cache, %d by %s)",
        len(items),
        len(pending),
        len(hits),
        len(misses),
        provider.name,
    )
    return results  # type: ignore[return-value]  # every slot is filled above


def translation_correct(
    *, translation: CachedTranslation, text: str, by: str = ""
) -> CachedTranslation:
    """A person's translation of a cached text: it wins from now on, over any provider's answer
    for the same text and languages. ``by`` names the person (kept on the row)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("text: a correction must be non-empty text")
    translation.text = text.strip()
    translation.needs_human = False
    translation.corrected_by_human = True
    translation.corrected_by = (by or "")[:150]
    translation.corrected_at = get_clock().now()
    translation.save(
        update_fields=["text", "needs_human", "corrected_by_human", "corrected_by", "corrected_at"]
    )
    log.info(
        "translation %s corrected by %s", translation.pk, translation.corrected_by or "someone"
    )
    return translation


def _checked_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str | bytes) or not isinstance(texts, Iterable):
        raise InvalidInput(f"texts: expected a list of strings, got a {type(texts).__name__}")
    items = list(texts)
    for index, text in enumerate(items):
        if not isinstance(text, str):
            raise InvalidInput(f"texts[{index}]: expected text, got {type(text).__name__}")
    return items


def _checked_language(name: str, code: str) -> str:
    if not isinstance(code, str) or not _LANGUAGE_RE.fullmatch(code.strip()):
        raise InvalidInput(f"{name}: expected a language code such as 'ko' or 'ja', got {code!r}")
    return code.strip()


def _checked_answers(name: str, answers: object, count: int) -> list[ProviderResult]:
    if not isinstance(answers, list) or len(answers) != count:
        got = len(answers) if isinstance(answers, list) else type(answers).__name__
        raise ProviderBadResponse(f"{name}: asked for {count} results, got {got}")
    for index, answer in enumerate(answers):
        if not isinstance(answer, ProviderResult):
            raise ProviderBadResponse(f"{name}: result {index} is not a ProviderResult")
    return answers


def _lookup(pending: Mapping[str, _Pending]) -> dict[str, CachedTranslation]:
    """The cached row for each key that has one; a corrected row of the same text first."""
    found: dict[str, CachedTranslation] = {}
    keys = list(pending)
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        text_keys = {pending[k].text_key for k in chunk}
        rows = CachedTranslation.objects.filter(
            Q(key__in=chunk) | Q(text_key__in=text_keys, corrected_by_human=True)
        )
        by_key: dict[str, CachedTranslation] = {}
        corrected: dict[str, CachedTranslation] = {}
        for row in rows:
            by_key[row.key] = row
            if row.corrected_by_human:
                best = corrected.get(row.text_key)
                if best is None or _corrected_order(row) > _corrected_order(best):
                    corrected[row.text_key] = row
        for key in chunk:
            row = corrected.get(pending[key].text_key) or by_key.get(key)
            if row is not None:
                found[key] = row
    return found


def _corrected_order(row: CachedTranslation) -> tuple[float, int]:
    return (row.corrected_at.timestamp() if row.corrected_at else 0.0, row.pk or 0)


def _from_row(source_text: str, row: CachedTranslation) -> Translation:
    if row.corrected_by_human:
        return Translation(source_text, row.text, False, row.draft, HUMAN, True)
    return Translation(source_text, row.text, row.needs_human, row.draft, row.provider, True)


def _store(
    provider: str, source: str, target: str, answered: list[tuple[str, _Pending, ProviderResult]]
) -> None:
    now = get_clock().now()
    CachedTranslation.objects.bulk_create(
        [
            CachedTranslation(
                key=key,
                text_key=item.text_key,
                provider=provider,
                source_lang=source,
                target_lang=target,
                source_text=item.text,
                glossary=item.entries,
                text=answer.text,
                needs_human=answer.needs_human,
                draft=answer.draft,
                created_at=now,
            )
            for key, item, answer in answered
        ],
        ignore_conflicts=True,
    )
