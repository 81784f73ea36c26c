"""The offline provider: glossary replacement, no network, no key, the same answer every time.

Listing titles are short runs of known terms (``남성 로고 반팔 티셔츠 블랙``), often written
without spaces (``남성반팔티셔츠``), and descriptions repeat a few fixed sentences. So:

1. phrases (keys with spaces, punctuation or Latin letters, e.g. whole template sentences and
   ``관부가세 포함``) are replaced first, longest first;
2. every remaining run of Hangul syllables is segmented into glossary words and the particles
   between them (의 -> の, 용 -> 用, 및 -> ・ ...), preferring the segmentation that leaves the
   fewest syllables unknown, then the one with the fewest pieces (the longest terms). A
   one-syllable word (울, 면, 티) is used only when it completes the whole run, so 서울 is not
   read as 서 + ウール;
3. numbers, Latin letters, model numbers, spaces and punctuation stay as they are, except that a
   full stop ending a Japanese sentence becomes 。.

Whatever Hangul is left means the text was not fully translated: the result needs a person and
carries the partial text as its draft.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ..errors import UnsupportedLanguage
from ..glossary import SHIPPED_PAIR, Glossary, glossary_for, has_hangul
from .base import ProviderResult

# Bump when the algorithm changes: cached results of the old one are then not reused.
ALGORITHM_VERSION = "1"

_JOIN = "\ue000"  # stands for a connective that glues its neighbours: 블랙 및 화이트 -> ブラック・ホワイト
# particle -> (Japanese, may stand alone as its own word between spaces)
PARTICLES: dict[str, tuple[str, bool]] = {
    "의": ("の", False),
    "용": ("用", False),
    "및": (_JOIN, True),
    "와": ("と", False),
    "과": ("と", False),
    "에서": ("で", False),
    "으로": ("で", False),
    "로": ("で", False),
    "에": ("に", False),
    "도": ("も", False),
    # subject / topic / object markers carry nothing a product title needs
    "은": ("", False),
    "는": ("", False),
    "이": ("", False),
    "가": ("", False),
    "을": ("", False),
    "를": ("", False),
}
_MAX_PARTICLE = max(len(p) for p in PARTICLES)
_RUN_RE = re.compile("[\uac00-\ud7a3]+")
_JAPANESE = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f"
_FULL_STOP_RE = re.compile(f"(?<=[{_JAPANESE}])\\.(?=\\s|$)")
_JOIN_RE = re.compile(rf"[ \t]*{_JOIN}[ \t]*")

_START, _TERM, _OTHER = 0, 1, 2


class OfflineProvider:
    """Korean -> Japanese by the shipped fashion glossary plus the caller's entries."""

    name = "offline"
    cache_version = ALGORITHM_VERSION

    def __repr__(self) -> str:
        return "<OfflineProvider>"

    def translate(
        self,
        texts: Sequence[str],
        *,
        source: str,
        target: str,
        glossary: Mapping[str, str] | None,
    ) -> list[ProviderResult]:
        if (source, target) != SHIPPED_PAIR:
            raise UnsupportedLanguage(
                f"offline: translates {SHIPPED_PAIR[0]} -> {SHIPPED_PAIR[1]} only, "
                f"not {source} -> {target}; configure an LLM provider for other pairs"
            )
        merged = glossary_for(source, target, glossary)
        return [translate_text(text, merged) for text in texts]


def translate_text(text: str, glossary: Glossary) -> ProviderResult:
    out: list[str] = []
    position = 0
    if glossary.phrase_re is not None:
        for match in glossary.phrase_re.finditer(text):
            out.append(_words(text[position : match.start()], glossary, _last(out)))
            out.append(glossary.phrase_value(match.group()))
            position = match.end()
    out.append(_words(text[position:], glossary, _last(out)))
    result = _FULL_STOP_RE.sub("。", _JOIN_RE.sub("・", "".join(out)))
    if has_hangul(result):
        return ProviderResult(text=None, needs_human=True, draft=result)
    return ProviderResult(text=result)


def _last(pieces: list[str]) -> str:
    for piece in reversed(pieces):
        if piece:
            return piece[-1]
    return ""


def _words(text: str, glossary: Glossary, before: str) -> str:
    def replace(match: re.Match[str]) -> str:
        start = match.start()
        previous = text[start - 1] if start else before
        attached = bool(previous) and not previous.isspace()
        return segment(match.group(), glossary, attached=attached)

    return _RUN_RE.sub(replace, text)


def segment(run: str, glossary: Glossary, *, attached: bool = False) -> str:
    """One run of Hangul syllables in Japanese, unknown syllables left as they are.
    ``attached``: the run follows a non-space character, so it may start with a particle."""
    out, uncovered = _best(run, glossary, attached=attached, single=True)
    if uncovered:
        # Not fully known: one-syllable words are too likely to be part of an unknown word.
        out, _ = _best(run, glossary, attached=attached, single=False)
    return out


def _best(run: str, glossary: Glossary, *, attached: bool, single: bool) -> tuple[str, int]:
    n = len(run)
    words = glossary.words
    # best[(i, kind)] = ((uncovered, pieces), previous state, output piece)
    best: dict[tuple[int, int], tuple[tuple[int, int], tuple[int, int] | None, str]] = {
        (0, _START): ((0, 0), None, "")
    }

    def offer(state: tuple[int, int], cost: tuple[int, int], previous, piece: str) -> None:
        if state not in best or cost < best[state][0]:
            best[state] = (cost, previous, piece)

    for i in range(n):
        for kind in (_START, _TERM, _OTHER):
            here = best.get((i, kind))
            if here is None:
                continue
            (uncovered, pieces), state = here[0], (i, kind)
            offer((i + 1, _OTHER), (uncovered + 1, pieces + 1), state, run[i])
            for length in range(1 if single else 2, min(glossary.max_word, n - i) + 1):
                word = run[i : i + length]
                if word in words:
                    offer((i + length, _TERM), (uncovered, pieces + 1), state, words[word])
            for length in range(1, min(_MAX_PARTICLE, n - i) + 1):
                particle = PARTICLES.get(run[i : i + length])
                if particle is None:
                    continue
                japanese, standalone = particle
                if kind == _TERM or (kind == _START and (attached or standalone)):
                    offer((i + length, _OTHER), (uncovered, pieces + 1), state, japanese)
    ends = [best[(n, kind)] for kind in (_TERM, _OTHER, _START) if (n, kind) in best]
    final = min(ends, key=lambda entry: entry[0])
    pieces_out: list[str] = []
    entry: tuple | None = final
    while entry is not None and entry[1] is not None:
        pieces_out.append(entry[2])
        entry = best[entry[1]]
    return "".join(reversed(pieces_out)), final[0][0]
