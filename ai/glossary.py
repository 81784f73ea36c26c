"""Glossaries: the shipped Korean -> Japanese fashion terms, and the terms a caller adds (brands).

Every provider and the cache must agree on which entries apply to a text: the offline provider
replaces them, the LLM providers put them in the prompt, and the cache key holds them (so a
changed or added term is a new key, and a text that needed a person is looked at again). This
module is that one answer: ``glossary_for(source, target, extra)`` and ``Glossary.entries_in``.

Two kinds of entry, told apart by the key:

- a *word*: Hangul only (``티셔츠``). Found inside compounds written without spaces too
  (``남성반팔티셔츠``); the offline provider segments each Hangul run into words.
- a *phrase*: anything else (a space, punctuation, Latin letters: ``관부가세 포함``, ``NIKE``,
  whole template sentences). Matched as a whole, any run of whitespace matching any other,
  Latin letters case-insensitively and never inside a longer Latin word or number.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

from .errors import InvalidInput

SHIPPED_FILE = "fashion_ko_ja.csv"
# The language pair the shipped glossary is for; other pairs get the caller's entries only.
SHIPPED_PAIR = ("ko", "ja")

HANGUL = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\ud7b0-\ud7ff"
HANGUL_RE = re.compile(f"[{HANGUL}]")
_WORD_RE = re.compile("[\uac00-\ud7a3]+")
_SPACE_RE = re.compile(r"\s+")
_ALNUM = "A-Za-z0-9"
MAX_TERM_LENGTH = 200


def has_hangul(text: str) -> bool:
    return HANGUL_RE.search(text) is not None


def _normalized(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


class Glossary:
    """An immutable set of ``source term -> target term`` entries, ready to match."""

    def __init__(self, entries: Mapping[str, str]) -> None:
        self.entries: Mapping[str, str] = MappingProxyType(dict(entries))
        self.words: dict[str, str] = {}
        phrases: dict[str, str] = {}
        for key, value in self.entries.items():
            if _WORD_RE.fullmatch(key):
                self.words[key] = value
            else:
                phrases[key] = value
        self.max_word = max((len(w) for w in self.words), default=0)
        # Phrase lookups go by the normalized, case-folded key: that is what a match finds.
        self._phrases = {_normalized(k).casefold(): v for k, v in phrases.items()}
        self.phrase_re = _phrase_pattern(phrases) if phrases else None
        self._folded = [(k, _normalized(k).casefold()) for k in phrases]

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        return f"<Glossary {len(self.words)} words, {len(self._phrases)} phrases>"

    def phrase_value(self, matched: str) -> str:
        """The target of a phrase found by ``phrase_re`` (whatever its spacing and case)."""
        return self._phrases[_normalized(matched).casefold()]

    def entries_in(self, text: str) -> dict[str, str]:
        """The entries whose key occurs in ``text``: what a translation of it may depend on."""
        found = {k: v for k, v in self.words.items() if k in text}
        if self._folded:
            folded = _normalized(text).casefold()
            found.update((k, self.entries[k]) for k, f in self._folded if f in folded)
        return found

    def entries_in_all(self, texts: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for text in texts:
            found.update(self.entries_in(text))
        return dict(sorted(found.items()))


def _phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    parts = []
    # Longest first: at one position the regex takes the first alternative that matches.
    for key in sorted(phrases, key=lambda k: (-len(_normalized(k)), k)):
        body = r"\s+".join(re.escape(p) for p in _normalized(key).split(" "))
        if re.match(f"[{_ALNUM}]", key):
            body = f"(?<![{_ALNUM}])" + body
        if re.search(f"[{_ALNUM}]$", key):
            body += f"(?![{_ALNUM}])"
        parts.append(body)
    return re.compile("|".join(parts), re.IGNORECASE)


def glossary_checked(
    glossary: Mapping[str, str] | None, *, where: str = "glossary"
) -> dict[str, str]:
    """A caller's glossary as a clean dict (keys and values stripped). ``InvalidInput`` naming
    the entry for a key or value that is not text, empty, too long, or a key given twice."""
    if glossary is None:
        return {}
    if not isinstance(glossary, Mapping):
        raise InvalidInput(
            f"{where}: expected a mapping of term -> translation, got {type(glossary).__name__}"
        )
    clean: dict[str, str] = {}
    for position, (key, value) in enumerate(glossary.items(), start=1):
        label = f"{where} entry {position} ({key!r})"
        if not isinstance(key, str) or not key.strip():
            raise InvalidInput(f"{label}: the term must be non-empty text")
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"{label}: the translation must be non-empty text, got {value!r}")
        term = key.strip()
        if len(term) > MAX_TERM_LENGTH or len(value) > MAX_TERM_LENGTH:
            raise InvalidInput(f"{label}: longer than {MAX_TERM_LENGTH} characters")
        if term in clean:
            raise InvalidInput(f"{label}: the term {term!r} is given twice")
        clean[term] = value.strip()
    return clean


def _read_shipped() -> tuple[dict[str, str], str]:
    data = resources.files("ai").joinpath("data", SHIPPED_FILE).read_bytes()
    text = data.decode("utf-8")
    entries: dict[str, str] = {}
    rows = csv.reader(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    header = next(rows, None)
    if header != ["ko", "ja"]:
        raise ValueError(f"ai/data/{SHIPPED_FILE}: the first row must be 'ko,ja', got {header!r}")
    line_of = [
        n for n, line in enumerate(text.splitlines(), 1) if not line.lstrip().startswith("#")
    ]
    for index, row in enumerate(rows, start=1):
        where = f"ai/data/{SHIPPED_FILE} line {line_of[index]}"
        if not row:
            continue
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            raise ValueError(f"{where}: expected 'korean,japanese', got {row!r}")
        key = row[0].strip()
        if key in entries:
            raise ValueError(f"{where}: {key!r} is listed twice")
        entries[key] = row[1].strip()
    return entries, hashlib.sha256(data).hexdigest()


@functools.cache
def shipped_entries() -> Mapping[str, str]:
    """The shipped fashion glossary (``ai/data/fashion_ko_ja.csv``), read once."""
    return MappingProxyType(_read_shipped()[0])


def glossary_for(source: str, target: str, extra: Mapping[str, str] | None = None) -> Glossary:
    """The glossary that applies to one call: the shipped terms for ko -> ja, overridden and
    extended by the caller's ``extra`` entries (already checked by ``glossary_checked``)."""
    return _merged(source, target, tuple(sorted((extra or {}).items())))


@functools.lru_cache(maxsize=64)
def _merged(source: str, target: str, extra: tuple[tuple[str, str], ...]) -> Glossary:
    entries: dict[str, Any] = dict(shipped_entries()) if (source, target) == SHIPPED_PAIR else {}
    entries.update(extra)
    return Glossary(entries)
