"""The one protocol every translation provider speaks, so callers never branch on which it is.

A provider turns a batch of texts into one result per text, same length and order, in one go
(one request for the remote ones). ``name`` is what a result says it came from and part of the
cache key (``offline``, ``openai:<model>``, ``anthropic:<model>``); ``cache_version`` changes
when the provider's own way of translating changes (algorithm, prompt), so old cached answers
are not reused for the new way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class ProviderResult:
    """One text's outcome. ``needs_human``: not translated fully; ``text`` is then None and
    ``draft`` holds the best effort (Korean left in it) for the person who finishes it."""

    text: str | None
    needs_human: bool = False
    draft: str | None = None

    def __post_init__(self) -> None:
        if self.needs_human and self.text is not None:
            raise ValueError("a result that needs a person has no text (put it in draft)")
        if not self.needs_human and self.text is None:
            raise ValueError("a translated result needs its text")


@runtime_checkable
class Provider(Protocol):
    name: str
    cache_version: str

    def translate(
        self,
        texts: Sequence[str],
        *,
        source: str,
        target: str,
        glossary: Mapping[str, str] | None,
    ) -> list[ProviderResult]:
        """One result per text, same order. ``glossary`` is the caller's extra entries (brand
        names); the provider adds the shipped glossary for the pair itself."""
        ...
