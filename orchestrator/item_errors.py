"""How many items of a batch failed and why: the ``item_errors`` its cells reported, grouped by
stage and reason (each reason once, with its count), for ``yooini status``, the grid, the API,
the batch's totals and the notifications."""

from __future__ import annotations

from dataclasses import dataclass

from .core.items import RESULT_KEY, item_errors_of
from .models import StageRun

GROUPS_KEPT = 20  # groups a batch's totals (and its notifications) carry; the rest are counted


@dataclass(frozen=True)
class ItemErrorGroup:
    stage: str
    reason: str
    count: int  # items that failed for this reason in this stage
    partitions: int  # how many partitions they were in

    def as_dict(self) -> dict:
        return {
            "stage": self.stage,
            "reason": self.reason,
            "count": self.count,
            "partitions": self.partitions,
        }


def batch_item_errors(batch_id: str) -> list[ItemErrorGroup]:
    """The batch's failed items by stage (in stage order) and reason (most first)."""
    cells = StageRun.objects.filter(batch_id=batch_id, result__has_key=RESULT_KEY)
    counts: dict[tuple[int, str, str], int] = {}
    partitions: dict[tuple[int, str, str], set[str]] = {}
    for position, stage, partition, result in cells.values_list(
        "position", "stage", "partition", "result"
    ):
        for reason, count in item_errors_of(result).items():
            key = (position, stage, reason)
            counts[key] = counts.get(key, 0) + count
            partitions.setdefault(key, set()).add(partition)
    ordered = sorted(counts, key=lambda k: (k[0], k[1], -counts[k], k[2]))
    return [ItemErrorGroup(key[1], key[2], counts[key], len(partitions[key])) for key in ordered]


def item_errors_totals(groups: list[ItemErrorGroup]) -> dict:
    """What a finished batch keeps in its totals: ``failed_items`` and the first groups."""
    if not groups:
        return {}
    return {
        "failed_items": sum(g.count for g in groups),
        "item_errors": [g.as_dict() for g in groups[:GROUPS_KEPT]],
    }


def item_errors_lines(groups: list[dict] | list[ItemErrorGroup], limit: int = 10) -> list[str]:
    """``image: 12 items, host ... not fetched (3 partitions)``, one line per group."""
    rows = [g.as_dict() if isinstance(g, ItemErrorGroup) else g for g in groups]
    lines = [
        f"{g['stage']}: {g['count']} item{'s' if g['count'] != 1 else ''} failed: {g['reason']}"
        + (f" ({g['partitions']} partitions)" if g.get("partitions", 1) > 1 else "")
        for g in rows[:limit]
    ]
    if len(rows) > limit:
        lines.append(f"... and {len(rows) - limit} more reasons")
    return lines
