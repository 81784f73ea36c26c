"""How many items of a batch failed or were set aside, and why: the ``item_errors`` and
``items_set_aside`` its cells reported, grouped by stage, kind and reason (each reason once,
with its count). The one source of these counts for ``yooini status``, the sample's summary,
the grid, the API, the batch's totals and the notifications."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from .core.items import FAILED, RESULT_KEY, SET_ASIDE_KEY, item_errors_by_kind
from .models import StageRun

GROUPS_KEPT = 20  # groups a batch's totals (and its notifications) carry; the rest are counted


@dataclass(frozen=True)
class ItemErrorGroup:
    stage: str
    reason: str
    count: int  # items that failed for this reason in this stage
    partitions: int  # how many partitions they were in
    kind: str = FAILED  # or SET_ASIDE: counted, never failing the cell

    def as_dict(self) -> dict:
        return {
            "stage": self.stage,
            "reason": self.reason,
            "count": self.count,
            "partitions": self.partitions,
            "kind": self.kind,
        }


def batch_item_errors(batch_id: str) -> list[ItemErrorGroup]:
    """The batch's item errors by stage (in stage order), kind (failed first) and reason
    (most first)."""
    cells = StageRun.objects.filter(batch_id=batch_id).filter(
        Q(result__has_key=RESULT_KEY) | Q(result__has_key=SET_ASIDE_KEY)
    )
    counts: dict[tuple[int, str, str, str], int] = {}
    partitions: dict[tuple[int, str, str, str], set[str]] = {}
    for position, stage, partition, result in cells.values_list(
        "position", "stage", "partition", "result"
    ):
        for kind, errors in item_errors_by_kind(result).items():
            for reason, count in errors.items():
                key = (position, stage, kind, reason)
                counts[key] = counts.get(key, 0) + count
                partitions.setdefault(key, set()).add(partition)
    ordered = sorted(counts, key=lambda k: (k[0], k[1], k[2] != FAILED, -counts[k], k[3]))
    return [
        ItemErrorGroup(key[1], key[3], counts[key], len(partitions[key]), kind=key[2])
        for key in ordered
    ]


def item_errors_total(groups: list[ItemErrorGroup]) -> int:
    return sum(g.count for g in groups)


def item_errors_totals(groups: list[ItemErrorGroup]) -> dict:
    """What a finished batch keeps in its totals: ``failed_items`` and the first groups of
    failed items (items set aside are not failures of the run: decision 14)."""
    groups = [g for g in groups if g.kind == FAILED]
    if not groups:
        return {}
    return {
        "failed_items": sum(g.count for g in groups),
        "item_errors": [
            {k: v for k, v in g.as_dict().items() if k != "kind"} for g in groups[:GROUPS_KEPT]
        ],
    }


def item_errors_lines(groups: list[dict] | list[ItemErrorGroup], limit: int = 10) -> list[str]:
    """``image: 12 items, host ... not fetched (3 partitions)``, one line per group."""
    rows = [g.as_dict() if isinstance(g, ItemErrorGroup) else g for g in groups]
    lines = [
        f"{g['stage']}: {g['count']} item{'s' if g['count'] != 1 else ''} "
        f"{g.get('kind', FAILED)}: {g['reason']}"
        + (f" ({g['partitions']} partitions)" if g.get("partitions", 1) > 1 else "")
        for g in rows[:limit]
    ]
    if len(rows) > limit:
        lines.append(f"... and {len(rows) - limit} more reasons")
    return lines
