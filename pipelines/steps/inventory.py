"""The two stages of ``inventory_sync``, per supplier: READ the stock and price of its listed
products, then PUSH what changed to every market account where each is listed.

READ: products whose source record changed since they were converted get their facts and
drafts from it (a supplier without a stock API reaches the markets this way, from its last
collect); then, where the connector has ``read_stock``, the supplier's current stock and
price are read and written into the facts (sold out at or below the safety stock,
``pipelines.stock``). A product the supplier cannot answer for keeps its error on its row
(``errors["inventory"]``) and its listings as they are; the others go on.

PUSH: per account, only products whose ``inventory`` (sold out, cost) moved since their
listing was last published are touched: a changed cost is priced again by the market's
rules (``products_reprice``, the PRICE stage's own code), then each listing goes through the
publish state machine in ``partial`` mode (durable intent, never twice, retried): sold out ->
out of stock (or suspended where the market refuses stock 0), back in stock -> on sale again,
a new price -> repriced. Nothing moved: nothing is built and nothing is sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from markets.models import Listing, ListingStatus
from markets.publish import listing_publish_many, unavailable_error
from media.storage import storage_get
from orchestrator.core.clock import get_clock
from source_data.timestamps import json_timestamp
from suppliers.selectors import supplier_get
from suppliers.services import supplier_connector
from yooini.db import chunked

from ..contents import product_content
from ..hub import Published, hub_write
from ..market_products import Preparers, market_products, market_products_save, run_accounts
from ..models import MarketProduct, PipelineProduct, ProductState
from ..products import product_unavailable, products_save
from ..stock import inventory_of, reads_stock, safety_stock, sold_out, stock_read
from .price import facts_refresh_changed, products_reprice
from .register import FAILED, not_ready_reason, publish_digest
from .side_by_side import side_by_side

ERROR_KEY = "inventory"
FAILURES_KEPT = 50


def read(ctx, partition: str) -> dict[str, Any]:
    supplier = supplier_get(name=partition, enabled=True)
    accounts = run_accounts(ctx.params, None)
    rows = listed_products(supplier.name)
    refreshed = facts_refresh_changed(supplier.name, rows, accounts)
    rows = [r for r in rows if r.facts is not None]
    counts: Counter[str] = Counter(items=len(rows), refreshed=len(refreshed))
    failures: list[dict[str, str]] = []
    with supplier_connector(supplier) as connector:
        if rows and reads_stock(supplier, connector):
            readings = stock_read(connector, [r.source_id for r in rows])
            threshold = safety_stock(supplier)
            at = json_timestamp(get_clock().now())
            dirty = []
            for row in rows:
                before = (inventory_of(row), row.stock, row.errors)
                row.errors = {k: v for k, v in row.errors.items() if k != ERROR_KEY}
                error = readings.errors.get(row.source_id)
                if error is not None:
                    row.errors[ERROR_KEY] = error
                    counts["errors"] += 1
                    if len(failures) < FAILURES_KEPT:
                        failures.append({"product": row.key, "error": error})
                else:
                    _apply(row, readings.found[row.source_id], threshold, at)
                counts["changed"] += inventory_of(row) != before[0]
                if (inventory_of(row), row.stock, row.errors) != before:
                    dirty.append(row)
            # Only what moved is written: an hourly read of an unchanged catalog writes nothing.
            products_save(dirty, ["facts", "stock", "errors"])
        else:
            counts["from_source_data"] = len(rows)
    ctx.add_items(len(rows))
    return {**counts, "failures": failures}


def _apply(row: PipelineProduct, reading, threshold: int, at: str) -> None:
    """The reading into the facts: sold out or not, and the supplier's price as the cost.
    ``row.stock`` keeps the reading and since when the supplier has said so."""
    facts = dict(row.facts)
    facts["sold_out"] = sold_out(reading.available, reading.quantity, threshold)
    if reading.price is not None and reading.price > 0:
        facts["cost_krw"] = int(reading.price)
    if facts != row.facts:
        row.facts = facts
    said = {"available": reading.available, "quantity": reading.quantity, "price": reading.price}
    if {k: v for k, v in (row.stock or {}).items() if k != "since"} != said:
        row.stock = {**said, "since": at}


def push(ctx, partition: str) -> dict[str, Any]:
    supplier = supplier_get(name=partition).name
    rows = [r for r in products_with_listings(supplier) if r.facts is not None]
    storage = storage_get()
    preparers = Preparers()
    actions: Counter[str] = Counter()
    failures: list[dict[str, str]] = []
    items = 0
    unavailable = None
    # What moved, per account, read here; then every account's market calls side by side
    # (each account's own calls in order); then their results recorded here, one account
    # after another.
    work: list[tuple[Any, list]] = []
    for account in run_accounts(ctx.params, None):
        todo = _moved(rows, account)
        if not todo:
            continue
        _reprice([(row, state) for row, state in todo if _cost_moved(row, state)], account)
        states = market_products([row for row, _ in todo], account)
        ready = []
        for row, _ in todo:
            state = states[row.pk]
            if not_ready_reason(row, state):
                actions["waiting"] += 1
                continue
            ready.append(
                (
                    row,
                    state,
                    product_content(row, state, account, preparers[account.market], storage),
                )
            )
        items += len(ready)
        if ready:
            work.append((account, ready))

    def publish(job: tuple[Any, list]) -> list:
        account, ready = job
        return listing_publish_many(
            account,
            [content for _, _, content in ready],
            "partial",
            [state.price_decision for _, state, _ in ready],
            suspend=[
                state.held or bool((state.price_decision or {}).get("suspend"))
                for _, state, _ in ready
            ],
        )

    for (account, ready), results in zip(work, side_by_side(publish, work), strict=True):
        unavailable = unavailable or unavailable_error(results)
        published = []
        for (row, state, content), result in zip(ready, results, strict=True):
            actions[result.action] += 1
            published.append(Published(row.source_id, content, result))
            if result.action == "suspended":
                ctx.emit("listing.suspended", _suspended(account, row, state, result))
            if result.action in FAILED:
                if result.action == "failed" and len(failures) < FAILURES_KEPT:
                    failures.append(
                        {"product": row.key, "account": account.name, "error": result.error or ""}
                    )
                continue
            state.inventory = inventory_of(row)
            state.register_hash = publish_digest(content, state, row)
        market_products_save([state for _, state, _ in ready], ["inventory", "register_hash"])
        hub_write(supplier=supplier, account=account, published=published, batch_id=ctx.batch_id)
    ctx.add_items(items)
    if unavailable is not None:
        raise unavailable  # what went through is recorded; the retry sends the rest
    return {"items": items, **dict(sorted(actions.items())), "failures": failures}


def _suspended(account, row, state, result) -> dict[str, str]:
    """The event REGISTER emits too: the margin guard, or a market that refuses stock 0."""
    if product_unavailable(row):
        reason = "sold out at the supplier"
    else:
        reason = (state.price_decision or {}).get("reason", "")
    return {
        "account": account.name,
        "market": account.market,
        "reference_number": result.listing.reference_number,
        "product": row.key,
        "reason": reason,
    }


def _moved(rows: Sequence[PipelineProduct], account) -> list[tuple[PipelineProduct, MarketProduct]]:
    """The products listed on ``account`` whose stock or cost moved since their listing was
    last published there. Only the kept values are read for every product; the whole rows
    (drafts, decisions) only for those that moved."""
    by_id = {row.pk: row for row in rows}
    kept: dict[int, Any] = {}
    for chunk in chunked(list(by_id)):
        kept.update(
            MarketProduct.objects.filter(account=account, product_id__in=chunk).values_list(
                "product_id", "inventory"
            )
        )
    listed = _listed_keys(account, [by_id[pk].key for pk in kept])
    moved = [
        row
        for pk, inventory in kept.items()
        if (row := by_id[pk]).key in listed and inventory != inventory_of(row)
    ]
    states = market_products(moved, account)
    return [(row, states[row.pk]) for row in sorted(moved, key=lambda r: r.source_id)]


def _cost_moved(row: PipelineProduct, state: MarketProduct) -> bool:
    """The price on this account was decided from another cost than the supplier's now."""
    inputs = (state.price_decision or {}).get("inputs") or {}
    try:
        return int(inputs.get("cost_krw")) != int(row.facts["cost_krw"])
    except (TypeError, ValueError, KeyError):
        return True


def _reprice(todo: list[tuple[PipelineProduct, MarketProduct]], account) -> None:
    if todo:
        products_reprice([row for row, _ in todo], [account])


def _listed_keys(account, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunked(list(keys)):
        found.update(
            Listing.objects.filter(account=account, source_key__in=chunk)
            .exclude(status__in=[ListingStatus.DELETED, ListingStatus.FAILED])
            .values_list("source_key", flat=True)
        )
    return found


def listed_products(supplier: str) -> list[PipelineProduct]:
    """The supplier's products on sale with us: active, and listed on some account."""
    return [r for r in products_with_listings(supplier) if r.state == ProductState.ACTIVE]


def products_with_listings(supplier: str) -> list[PipelineProduct]:
    keys = set(
        Listing.objects.filter(source_key__startswith=f"{supplier}:")
        .exclude(status=ListingStatus.DELETED)
        .values_list("source_key", flat=True)
        .distinct()
    )
    rows = PipelineProduct.objects.filter(supplier=supplier).order_by("source_id")
    return [r for r in rows if r.key in keys]
