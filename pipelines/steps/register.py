"""REGISTER: each ready product listed, updated or marked sold out on every BUYMA account of
the run, through ``markets.services`` (dry run records the requests instead of sending them).

A product is listed once it is converted, translated (nothing left for a person), priced and
has at least one image; the others wait, each with its reason on its row. ``full`` creates
what was never listed and updates what changed; ``partial`` sends price and stock only. A
product gone from the supplier, or sold out, becomes out of stock; a price the margin guard
refuses suspends the listing and emits ``listing.suspended``. The market service keeps every
request with its listing and never creates a reference number twice.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from typing import Any

from markets.listing import ListingContent, ListingOption, ListingVariant
from markets.services import listing_publish_many
from media.storage import Storage, storage_get
from source_data.hashing import text_hash
from suppliers.selectors import collect_unit_for

from ..models import PipelineProduct, ProductState
from ..products import products_of, products_save
from .accounts import market_accounts

FAILURES_KEPT = 50


def register(ctx, partition: str) -> dict[str, Any]:
    unit = collect_unit_for(partition)
    waiting: Counter[str] = Counter()
    ready: list[PipelineProduct] = []
    for row in products_of(unit):
        reason = not_ready_reason(row)
        if reason:
            waiting[reason] += 1
        else:
            ready.append(row)
    storage = storage_get()
    contents = {row.pk: listing_content(row, storage) for row in ready}
    digests = {row.pk: _digest(contents[row.pk], row) for row in ready}
    if ctx.mode == "partial":
        # A partial run only sends what moved since the last publish that went well; a full
        # run goes through every product, so anything a market lost is put right daily.
        unchanged = [r for r in ready if r.register_hash == digests[r.pk]]
        ready = [r for r in ready if r.register_hash != digests[r.pk]]
    else:
        unchanged = []
    actions: Counter[str] = Counter({"unchanged": len(unchanged)} if unchanged else {})
    failures: list[dict[str, str]] = []
    failed_rows: set[int] = set()
    for account in market_accounts(ctx.params, market="buyma"):
        # A product gone from the supplier is only ever marked sold out, never created.
        for mode, rows in (
            (ctx.mode, [r for r in ready if r.state == ProductState.ACTIVE]),
            ("partial", [r for r in ready if r.state != ProductState.ACTIVE]),
        ):
            if not rows:
                continue
            results = listing_publish_many(
                account=account,
                contents=[contents[row.pk] for row in rows],
                mode=mode,
                decisions=[row.price_decision for row in rows],
                suspend=[_suspend(row) for row in rows],
            )
            for row, result in zip(rows, results, strict=True):
                actions[result.action] += 1
                if result.action == "failed":
                    failed_rows.add(row.pk)
                    failures.append(
                        {"product": row.key, "account": account.name, "error": result.error or ""}
                    )
                elif result.action == "suspended":
                    ctx.emit(
                        "listing.suspended",
                        {
                            "account": account.name,
                            "reference_number": result.listing.reference_number,
                            "product": row.key,
                            "reason": (row.price_decision or {}).get("reason", ""),
                        },
                    )
    published = []
    for row in ready:
        digest = "" if row.pk in failed_rows else digests[row.pk]
        if row.register_hash != digest:
            row.register_hash = digest
            published.append(row)
    products_save(published, ["register_hash"])
    ctx.add_items(len(ready))
    return {
        "items": len(ready),
        **{action: n for action, n in sorted(actions.items())},
        "failed": actions.get("failed", 0),
        "waiting": dict(waiting),
        "failures": failures[:FAILURES_KEPT],
    }


def _suspend(row: PipelineProduct) -> bool:
    return bool((row.price_decision or {}).get("suspend"))


def _digest(content: ListingContent, row: PipelineProduct) -> str:
    """What a publish of this product sends, as one hash."""
    sent = [asdict(content), _suspend(row), row.state]
    return text_hash(json.dumps(sent, ensure_ascii=False, sort_keys=True, default=str))


def not_ready_reason(row: PipelineProduct) -> str:
    if row.draft is None:
        return "not converted"
    if row.texts is None:
        return "not translated"
    if row.needs_human:
        return "needs human translation"
    if not row.images:
        return "no image"
    if row.price_jpy is None:
        return "not priced"
    return ""


def listing_content(row: PipelineProduct, storage: Storage) -> ListingContent:
    """The market-neutral listing of a product from its draft, Japanese texts, images (their
    public URLs in ``storage``, as configured now) and price."""
    draft, texts = row.draft, row.texts
    japanese = texts.get("values") or {}
    colours = [
        ListingOption("color", japanese.get(c["value_ko"], c["value_ko"]), i, c["master_id"])
        for i, c in enumerate(draft.get("colors") or (), start=1)
    ]
    sizes = [
        ListingOption("size", s["value"], i, s["master_id"])
        for i, s in enumerate(draft.get("sizes") or (), start=1)
    ]
    gone = row.state != ProductState.ACTIVE
    variants = []
    for variant in draft.get("variants") or ():
        options = []
        if colours and variant.get("color_ko"):
            options.append(("color", japanese.get(variant["color_ko"], variant["color_ko"])))
        if sizes and variant.get("size"):
            options.append(("size", variant["size"]))
        if gone or variant.get("sold_out"):
            variants.append(ListingVariant(tuple(options), "out_of_stock", None))
        else:
            variants.append(ListingVariant(tuple(options), "purchase_for_order", None))
    return ListingContent(
        reference_number=draft["reference_number"],
        source_key=row.key,
        name=texts["name"],
        comments=texts["comments"],
        brand_id=draft["brand_id"],
        brand_name=draft.get("brand_name") or "",
        category_id=draft["category_id"],
        price=row.price_jpy,
        images=tuple(storage.public_url(key) for key in row.images),
        options=(*colours, *sizes),
        variants=tuple(variants),
        model_no=draft.get("model_number"),
    )
