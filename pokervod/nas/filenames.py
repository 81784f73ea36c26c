"""File names to metadata, by configurable regular-expression rules.

A rule is ``{"name": ..., "pattern": ...}``: a regex matched (case-insensitively, whole) against
the file name without its extension, whose named groups give the fields ``event``, ``year``,
``day``, ``table`` and ``part`` (``event`` is required). The first rule that matches wins.
Rules come from ``settings.POKERVOD_FILENAME_RULES`` or are passed in; ``DEFAULT_RULES`` read
names such as ``WSOP_2024_Main_Event_Day1A_Table3_Part2.mp4`` and
``2023 WSOP Europe - Main Event - Day 2 - Table 5 - Part 1.mov``.

A name no rule reads is not an error of the scan: ``parse_filename`` returns the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

FIELDS = ("event", "year", "day", "table", "part")
YEARS = range(1970, 2101)

_SEP = r"[ _.\-]+"
_GAP = r"[ _.\-]*"
DEFAULT_RULES: tuple[dict[str, str], ...] = (
    {
        "name": "event-year-first",
        # 2023 WSOP Europe - Main Event - Day 2 - Table 5 - Part 1
        "pattern": (
            rf"(?P<year>\d{{4}}){_SEP}(?P<event>.+?)"
            rf"(?:{_SEP}day{_GAP}(?P<day>\d+[a-z]?))?"
            rf"(?:{_SEP}table{_GAP}(?P<table>\w+?))?"
            rf"(?:{_SEP}part{_GAP}(?P<part>\d+))?"
        ),
    },
    {
        "name": "event-then-year",
        # WSOP_2024_Main_Event_Day1A_Table3_Part2
        "pattern": (
            rf"(?P<event>[a-z][\w]*?){_SEP}(?P<year>\d{{4}})(?:{_SEP}(?P<title>.+?))??"
            rf"(?:{_SEP}day{_GAP}(?P<day>\d+[a-z]?))?"
            rf"(?:{_SEP}table{_GAP}(?P<table>\w+?))?"
            rf"(?:{_SEP}part{_GAP}(?P<part>\d+))?"
        ),
    },
)


class RuleError(ValueError):
    """A configured rule that cannot work; the message names the rule."""


@dataclass(frozen=True)
class Rule:
    name: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class ParsedName:
    """What a file name says; ``error`` is the reason when no rule could read it."""

    rule: str = ""
    event: str = ""
    year: int | None = None
    day: str = ""
    table: str = ""
    part: int | None = None
    error: str = ""


def compile_rules(rules: Iterable[Mapping[str, str]]) -> list[Rule]:
    """Check and compile rules; a bad one raises ``RuleError`` saying which and why."""
    compiled: list[Rule] = []
    for index, raw in enumerate(rules):
        name = str(raw.get("name") or f"rule #{index + 1}")
        pattern = raw.get("pattern")
        if not isinstance(pattern, str) or not pattern:
            raise RuleError(f"filename rule {name!r}: 'pattern' is required")
        try:
            regex = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise RuleError(f"filename rule {name!r}: bad pattern: {exc}") from None
        groups = set(regex.groupindex)
        if "event" not in groups:
            raise RuleError(f"filename rule {name!r}: the pattern needs a named group 'event'")
        # 'title' joins the event name (a sub-title such as 'Main Event'); others are unknown.
        unknown = groups - set(FIELDS) - {"title"}
        if unknown:
            raise RuleError(
                f"filename rule {name!r}: unknown group(s) {sorted(unknown)}; "
                f"use {list(FIELDS) + ['title']}"
            )
        compiled.append(Rule(name, regex))
    if not compiled:
        raise RuleError("no filename rules are configured")
    return compiled


def configured_rules() -> list[Rule]:
    from django.conf import settings

    return compile_rules(getattr(settings, "POKERVOD_FILENAME_RULES", None) or DEFAULT_RULES)


def _words(value: str) -> str:
    return " ".join(re.split(r"[ _.\-]+", value.strip(" _.-")))


def parse_filename(name: str, rules: list[Rule]) -> ParsedName:
    """Read ``name`` (a file name, extension included) with the first rule that matches."""
    stem = PurePosixPath(name).stem
    refusals: list[str] = []
    for rule in rules:
        found = rule.regex.fullmatch(stem)
        if found is None:
            continue
        groups = {k: (v or "") for k, v in found.groupdict().items()}
        year = int(groups["year"]) if groups.get("year", "").isdigit() else None
        if year is not None and year not in YEARS:
            refusals.append(f"rule {rule.name!r}: year {year} is out of range")
            continue
        event = _words(groups["event"])
        if groups.get("title"):
            event = f"{event} {_words(groups['title'])}"
        part = groups.get("part", "")
        return ParsedName(
            rule=rule.name,
            event=event,
            year=year,
            day=groups.get("day", "").upper(),
            table=groups.get("table", ""),
            part=int(part) if part else None,
        )
    if refusals:
        return ParsedName(error="; ".join(refusals))
    return ParsedName(error=f"no filename rule matches {stem!r}")
