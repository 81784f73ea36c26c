"""REGISTER: each ready product listed, updated or marked sold out on every market account of
the run, through ``markets.publish`` (a dry-run account records the requests instead of
sending them), and the outcome written back to source data (``pipelines.hub``).

A product is listed on an account once that market's draft exists, its texts are in the
market's language (nothing left for a person), it is priced and has at least one image; the
others wait, each with its reason. ``full`` creates what was never listed and updates what
changed; ``partial`` sends price and stock only. A product gone from the supplier, or sold
out, becomes out of stock; a price the margin guard refuses suspends the listing and emits
``listing.suspended``. The market service keeps every request with its listing and never
creates a reference number twice.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from markets.publish import PublishResult, listing_publish_many, unavailable_error
from media.storage import storage_get
from source_data.hashing import text_hash
from suppliers.selectors import collect_unit_for

from ..contents import product_content
from ..hub import Published, hub_write
from ..market_products import Preparers, market_products, market_products_save, run_accounts
from ..models import MarketProduct, PipelineProduct, ProductState
from ..products import products_of
from ..stock import inventory_of
from .side_by_side import side_by_side

FAILURES_KEPT = 50
FAILED = ("failed", "unavailable")


def register(ctx, partition: str, *, markets: Sequence[str] | None = None) -> dict[str, Any]:
    unit = collect_unit_for(partition)
    rows = products_of(unit)
    storage = storage_get()
    preparers = Preparers()
    waiting: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    failures: list[dict[str, str]] = []
    items = 0
    unavailable = None
    work: list[_AccountWork] = []
    for account in run_accounts(ctx.params, markets):
        preparer = preparers[account.market]
        states = market_products([r for r in rows if r.facts is not None], account)
        ready: list[tuple[PipelineProduct, MarketProduct, Any, str]] = []
        for row in rows:
            state = states.get(row.pk)
            reason = not_ready_reason(row, state)
            if reason:
                waiting[reason] += 1
                continue
            content = product_content(row, state, account, preparer, storage)
            ready.append((row, state, content, publish_digest(content, state, row)))
        if ctx.mode == "partial":
            # A partial run only sends what moved since the last publish that went well; a
            # full run goes through every product, so anything a market lost is put right daily.
            actions["unchanged"] += sum(1 for r in ready if r[1].register_hash == r[3])
            ready = [r for r in ready if r[1].register_hash != r[3]]
        items += len(ready)
        # A product gone from the supplier is only ever marked sold out, never created.
        groups = [
            (ctx.mode, [r for r in ready if r[0].state == ProductState.ACTIVE]),
            ("partial", [r for r in ready if r[0].state != ProductState.ACTIVE]),
        ]
        work.append(_AccountWork(account, ready, [(m, g) for m, g in groups if g]))
    # Each account's market is another server with its own rate: their calls go side by side,
    # one account's in order. What comes back is recorded here, one account after another.
    for job, outcomes in zip(
        work, side_by_side(_publish, work, busy=lambda job: bool(job.groups)), strict=True
    ):
        account = job.account
        published: list[Published] = []
        for (_, group), results in zip(job.groups, outcomes, strict=True):
            unavailable = unavailable or unavailable_error(results)
            for (row, state, content, digest), result in zip(group, results, strict=True):
                actions[result.action] += 1
                published.append(Published(row.source_id, content, result))
                state.register_hash = "" if result.action in FAILED else digest
                state.inventory = None if result.action in FAILED else inventory_of(row)
                if result.action == "failed":
                    failures.append(
                        {"product": row.key, "account": account.name, "error": result.error or ""}
                    )
                    ctx.item_failed(f"{account.name}: {result.error or 'failed'}")
                elif result.action == "suspended":
                    ctx.emit(
                        "listing.suspended",
                        {
                            "account": account.name,
                            "market": account.market,
                            "reference_number": result.listing.reference_number,
                            "product": row.key,
                            "reason": (state.price_decision or {}).get("reason", ""),
                        },
                    )
        market_products_save([r[1] for r in job.ready], ["register_hash", "inventory"])
        hub_write(
            supplier=unit.supplier, account=account, published=published, batch_id=ctx.batch_id
        )
    ctx.add_items(items)
    if unavailable is not None:
        # What went through is recorded; the stage's retry sends the rest.
        raise unavailable
    return {
        "items": items,
        **{action: n for action, n in sorted(actions.items())},
        "failed": actions.get("failed", 0),
        "waiting": dict(waiting),
        "failures": failures[:FAILURES_KEPT],
    }


@dataclasses.dataclass
class _AccountWork:
    """One account's share of a register cell: its ready products, grouped by publish mode."""

    account: Any
    ready: list[tuple[PipelineProduct, MarketProduct, Any, str]]
    groups: list[tuple[str, list[tuple[PipelineProduct, MarketProduct, Any, str]]]]


def _publish(job: _AccountWork) -> list[list[PublishResult]]:
    return [
        listing_publish_many(
            account=job.account,
            contents=[content for _, _, content, _ in group],
            mode=mode,
            decisions=[state.price_decision for _, state, _, _ in group],
            suspend=[_suspend(state) for _, state, _, _ in group],
        )
        for mode, group in job.groups
    ]


def not_ready_reason(row: PipelineProduct, state: MarketProduct | None) -> str:
    if row.facts is None or state is None or state.pk is None:
        return "not converted"
    if state.draft is None:
        return "not listable on this market"
    if state.texts is None:
        return "not translated"
    if state.needs_human:
        return "needs human translation"
    if not row.images:
        return "no image"
    if state.price is None:
        return "not priced"
    return ""


def _suspend(state: MarketProduct) -> bool:
    """Held off sale by the seller, or a price the margin guard refuses."""
    return state.held or bool((state.price_decision or {}).get("suspend"))


def publish_digest(content, state: MarketProduct, row: PipelineProduct) -> str:
    """What a publish of this product sends, as one hash."""
    sent = [dataclasses.asdict(content), _suspend(state), row.state]
    return text_hash(json.dumps(sent, ensure_ascii=False, sort_keys=True, default=str))
