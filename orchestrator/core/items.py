"""When a stage's item errors make its cell fail.

A stage handles items (products, rows, images) and some of them may fail while the stage
itself runs to its end: each such item is recorded on the item and reported by the stage,
by reason, in its result's ``item_errors`` (``{"reason": count}``; ``ctx.item_failed(reason)``
adds to it). ``ItemFailures`` is the stage's rule for when that is no longer a run that went
well: too large a share of its items failed, or none succeeded where some were expected. Such a
cell ends ERROR (not retried: the stage did its work, the failed items are tried again by the
next run), the rest of its partition is BLOCKED, and the batch cannot end COMPLETED.

Plain Python, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

RESULT_KEY = "item_errors"
# Items a stage set aside on purpose (a feed's rejected rows, products waiting for a person):
# counted and listed with the failed items, by reason, but never failing the cell.
SET_ASIDE_KEY = "items_set_aside"
FAILED, SET_ASIDE = "failed", "set aside"
REASON_MAX = 300  # a reason longer than this is cut: it is a group's name, not a log
REASONS_SHOWN = 3  # reasons quoted in a cell's error (all are kept in its result)


class ItemFailuresExceeded(Exception):
    """A cell's item errors went past its stage's ``ItemFailures`` rule."""


@dataclass(frozen=True)
class ItemFailures:
    """``max_share``: the cell fails when more than this share of its items failed (``None``:
    never for a share). ``none_succeeded``: it fails when every item failed. Either only once
    the cell handled at least ``min_items``. The default fails a cell when more than half its
    items failed."""

    max_share: float | None = 0.5
    none_succeeded: bool = True
    min_items: int = 1

    def __post_init__(self) -> None:
        if self.max_share is not None and not 0 <= self.max_share <= 1:
            raise ValueError(f"ItemFailures.max_share must be in [0, 1], not {self.max_share!r}")
        if self.min_items < 1:
            raise ValueError(f"ItemFailures.min_items must be >= 1, not {self.min_items!r}")

    def verdict(self, items: int, errors: Mapping[str, int]) -> str | None:
        """Why the cell fails with ``items`` handled and ``errors`` by reason, or ``None``."""
        failed = sum(errors.values())
        if failed <= 0:
            return None
        handled = max(items, failed)  # a stage that counts only its successes still adds up
        if handled < self.min_items:
            return None
        why = None
        if self.none_succeeded and failed >= handled:
            why = f"all {failed} items failed"
        elif self.max_share is not None and failed / handled > self.max_share:
            why = (
                f"{failed} of {handled} items failed "
                f"(more than {self.max_share:.0%} allowed by the stage)"
            )
        if why is None:
            return None
        return f"{why}: {reasons_text(errors)}"


# A stage whose item errors never fail its cell (the errors are still counted and shown).
NEVER_FAIL = ItemFailures(max_share=None, none_succeeded=False)


def reason_key(reason: object) -> str:
    """A reason as items are grouped by it: one line, bounded."""
    text = " ".join(str(reason or "unknown").split()) or "unknown"
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def item_errors_of(result: Any, key: str = RESULT_KEY) -> dict[str, int]:
    """The ``{reason: count}`` a stage's result reports under ``key`` (the failed items by
    default; ``SET_ASIDE_KEY`` for those set aside), ``{}`` when none or malformed."""
    if not isinstance(result, Mapping):
        return {}
    raw = result.get(key)
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, int] = {}
    for reason, count in raw.items():
        if isinstance(count, int) and not isinstance(count, bool) and count > 0:
            key = reason_key(reason)
            out[key] = out.get(key, 0) + count
    return out


def item_errors_by_kind(result: Any) -> dict[str, dict[str, int]]:
    """Both kinds a result reports: ``{FAILED: {reason: n}, SET_ASIDE: {reason: n}}`` (only the
    kinds present). The one reading every face counts "item errors" from."""
    found = {FAILED: item_errors_of(result), SET_ASIDE: item_errors_of(result, SET_ASIDE_KEY)}
    return {kind: errors for kind, errors in found.items() if errors}


def item_errors_count(result: Any) -> int:
    """How many item errors (failed or set aside) a result reports."""
    return sum(sum(errors.values()) for errors in item_errors_by_kind(result).values())


def set_aside(reasons: Iterable[object], *, unexplained: int = 0) -> dict[str, int]:
    """``{reason: count}`` for a result's ``SET_ASIDE_KEY``, from one reason per item set aside;
    ``unexplained`` more items whose reason was not kept are counted as such."""
    out: dict[str, int] = {}
    for reason in reasons:
        key = reason_key(reason)
        out[key] = out.get(key, 0) + 1
    if unexplained > 0:
        out["reason not kept"] = out.get("reason not kept", 0) + unexplained
    return out


def item_errors_merged(*sources: Mapping[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for source in sources:
        for reason, count in source.items():
            key = reason_key(reason)
            out[key] = out.get(key, 0) + count
    return out


def reasons_text(errors: Mapping[str, int], shown: int = REASONS_SHOWN) -> str:
    """``"reason a (12); reason b (3); 2 more reasons"``, most frequent first."""
    ranked = sorted(errors.items(), key=lambda kv: (-kv[1], kv[0]))
    text = "; ".join(f"{reason} ({count})" for reason, count in ranked[:shown])
    if len(ranked) > shown:
        text += f"; {len(ranked) - shown} more reasons"
    return text
