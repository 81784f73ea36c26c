"""Bulk actions on chosen products and market accounts, as a seller asks for them from the
product page: suspend, resume, reprice.

Each builds the chosen products' listing content on each chosen account from their
MarketProduct row with the market's preparer (as REGISTER and ``pipelines.exports`` do) and
publishes through ``markets.publish.listing_publish_many``, the one publish state machine:
a dry-run account records the requests, a live one sends them. Only products listed on an
account can be suspended or resumed there; the others are counted as skipped with their
reason. Each action returns its counts and emits ``listing.bulk_action`` naming the actor.

A market that cannot be reached (``MarketUnavailable``, ``MarketAuthError``) fails the rest of
that account's products with the error and the action goes on with the next account: a
person pressed a button and must see what happened, not a server error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markets.listing import ListingContent, MarketAuthError
from markets.models import Listing, ListingStatus, MarketAccount
from markets.publish import listing_publish_many
from media.storage import storage_get
from orchestrator.services.events import event_emit

from .contents import product_content
from .market_products import Preparers, market_products
from .models import MarketProduct, PipelineProduct
from .steps.price import products_reprice as prices_decide
from .steps.register import not_ready_reason

EVENT = "listing.bulk_action"
FAILURES_KEPT = 50
# Product keys an event names (its count is always there): keeps one event row small.
KEYS_KEPT = 500

NOT_LISTED = "not listed on this account"
ALREADY_SUSPENDED = "already suspended"
NOT_SUSPENDED = "not suspended"
DELETED = "listing deleted"
SUSPENDED_KEPT = "suspended: resume it to publish the new price"


@dataclass
class _Target:
    """One chosen product on one chosen account, ready to publish."""

    product: PipelineProduct
    state: MarketProduct
    listing: Listing
    content: ListingContent


class _Tally:
    """Counts per outcome, the reasons of the skipped and the failures of one action."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.failures: list[dict[str, str]] = []

    def skip(self, reason: str) -> None:
        self.counts["skipped"] += 1
        self.reasons[reason] += 1

    def fail(self, product: PipelineProduct, account: MarketAccount, error: str) -> None:
        self.counts["failed"] += 1
        if len(self.failures) < FAILURES_KEPT:
            self.failures.append({"product": product.key, "account": account.name, "error": error})

    def as_dict(self, *keys: str) -> dict[str, Any]:
        result: dict[str, Any] = {key: self.counts.get(key, 0) for key in keys}
        result.update({k: n for k, n in self.counts.items() if k not in result})
        result["reasons"] = dict(self.reasons)
        result["failures"] = self.failures
        return result


def products_suspend(
    *, product_ids: Iterable[int], account_names: Iterable[str], actor: str
) -> dict[str, Any]:
    """Suspend the chosen products' listings on the chosen accounts (taken off sale, kept at
    the market). Returns {"suspended", "skipped", "failed", "reasons", "failures"}."""

    def eligible(listing: Listing) -> str:
        if listing.status == ListingStatus.SUSPENDED:
            return ALREADY_SUSPENDED
        if listing.status == ListingStatus.DELETED:
            return DELETED
        return ""

    tally = _Tally()
    rows, accounts = _chosen(product_ids, account_names)
    for account in accounts:
        targets = _targets(rows, account, eligible, tally)
        _hold(targets, held=True)
        _publish(account, targets, tally, suspend=True, done="suspended")
    return _finish("suspend", tally, ("suspended", "skipped", "failed"), rows, accounts, actor)


def products_resume(
    *, product_ids: Iterable[int], account_names: Iterable[str], actor: str
) -> dict[str, Any]:
    """Put the chosen products' suspended listings back on sale (in mode ``partial``: the
    publish machine plans the resume from the listing's status and the market's
    capabilities, with the current price and stock). Returns {"resumed", "skipped", ...}."""

    def eligible(listing: Listing) -> str:
        return "" if listing.status == ListingStatus.SUSPENDED else NOT_SUSPENDED

    tally = _Tally()
    rows, accounts = _chosen(product_ids, account_names)
    for account in accounts:
        targets = _targets(rows, account, eligible, tally)
        _hold(targets, held=False)
        _publish(account, targets, tally, suspend=False, done="resumed")
    return _finish("resume", tally, ("resumed", "skipped", "failed"), rows, accounts, actor)


def _hold(targets: Sequence[_Target], *, held: bool) -> None:
    """Remember (before the call) that the seller holds these listings off sale, so a run
    of the pipeline never puts them back on sale by itself; a resume lets go."""
    for target in targets:
        target.state.held = held
    MarketProduct.objects.filter(pk__in=[t.state.pk for t in targets]).update(held=held)


def products_reprice(
    *, product_ids: Iterable[int], account_names: Iterable[str], actor: str
) -> dict[str, Any]:
    """Decide the chosen products' prices again on the chosen accounts (saved on their
    MarketProduct rows by the PRICE stage's ``products_reprice``), then publish the new
    prices of the listed ones in mode ``partial``. A suspended listing keeps its suspension
    (its new price goes out when it is resumed); a decision the margin guard refuses
    suspends the listing, as REGISTER does. Returns {"repriced", "price_changed",
    "price_failed", "updated", "unchanged", "skipped", "failed", ...} ("price", "stock":
    the one request a market needed)."""

    def eligible(listing: Listing) -> str:
        if listing.status == ListingStatus.SUSPENDED:
            return SUSPENDED_KEPT
        if listing.status == ListingStatus.DELETED:
            return DELETED
        return ""

    tally = _Tally()
    rows, accounts = _chosen(product_ids, account_names)
    if rows and accounts:
        decided = prices_decide(rows, accounts) or {}
        tally.counts["repriced"] = _repriced_count(decided)
        # The PRICE stage's own counts: prices that moved, and products it could not price
        # (no rule, no exchange rate, competitor unknown: the reason is in their errors).
        for theirs, ours in (("price_changed", "price_changed"), ("failed", "price_failed")):
            if isinstance(decided.get(theirs), int):
                tally.counts[ours] = decided[theirs]
    for account in accounts:
        targets = _targets(rows, account, eligible, tally)
        _publish(account, targets, tally, suspend=_decided_suspend, done=None)
    keys = ("repriced", "price_changed", "price_failed", "updated", "skipped", "failed")
    return _finish("reprice", tally, keys, rows, accounts, actor)


# --- the steps every action shares ---------------------------------------------------------


def _chosen(
    product_ids: Iterable[int], account_names: Iterable[str]
) -> tuple[list[PipelineProduct], list[MarketAccount]]:
    ids = sorted({int(pk) for pk in product_ids})
    names = sorted({str(name) for name in account_names})
    rows = list(PipelineProduct.objects.filter(pk__in=ids).order_by("supplier", "source_id"))
    accounts = list(MarketAccount.objects.filter(name__in=names, enabled=True).order_by("name"))
    return rows, accounts


def _targets(
    rows: Sequence[PipelineProduct],
    account: MarketAccount,
    eligible: Callable[[Listing], str],
    tally: _Tally,
) -> list[_Target]:
    """The products that can be published on ``account``; the others counted as skipped."""
    if not rows:
        return []
    states = market_products(rows, account)
    listings = {
        x.source_key: x
        for x in Listing.objects.filter(
            account=account, source_key__in=[r.key for r in rows]
        ).order_by("updated_at", "pk")
    }
    preparer = Preparers()[account.market]
    storage = storage_get()
    targets = []
    for row in rows:
        listing = listings.get(row.key)
        if listing is None:
            tally.skip(NOT_LISTED)
            continue
        reason = eligible(listing)
        state = states[row.pk]
        # Without a draft, texts and a price there is no content to send: the listing is
        # left as it is until the pipeline has them again.
        reason = reason or not_ready_reason(row, state)
        if reason:
            tally.skip(reason)
            continue
        content = product_content(row, state, account, preparer, storage)
        targets.append(_Target(row, state, listing, content))
    return targets


def _publish(
    account: MarketAccount,
    targets: list[_Target],
    tally: _Tally,
    *,
    suspend: bool | Callable[[MarketProduct], bool],
    done: str | None,
) -> None:
    """Publish ``targets`` on ``account`` and count each result: as ``done`` when it went
    through (or by the publish machine's own action name when ``done`` is None). A listing
    the market could not take now counts as failed, with the market's reason; when the
    market stops answering, the publish machine stops asking it (what went through stays
    counted as done)."""
    if not targets:
        return
    flags = [suspend(t.state) if callable(suspend) else suspend for t in targets]
    try:
        results = listing_publish_many(
            account,
            [t.content for t in targets],
            "partial",
            [t.state.price_decision for t in targets],
            suspend=flags,
        )
    except MarketAuthError as exc:
        for target in targets:
            tally.fail(target.product, account, str(exc))
        return
    for target, result in zip(targets, results, strict=True):
        _count(tally, account, target, result, done)


def _count(tally: _Tally, account: MarketAccount, target: _Target, result, done: str | None):
    if result.action in ("failed", "unavailable"):
        tally.fail(target.product, account, result.error or "")
    elif result.action == "skipped":
        tally.skip(result.error or "skipped")
    elif result.action == "unchanged" or done is None:
        tally.counts[result.action] += 1
    else:
        tally.counts[done] += 1


def _decided_suspend(state: MarketProduct) -> bool:
    """The price decision asks for the listing to be taken off sale (the margin guard)."""
    return bool((state.price_decision or {}).get("suspend"))


def _repriced_count(decided: Any) -> int:
    """How many prices ``products_reprice`` decided, from its summary (``repriced``, else
    ``items`` as the PRICE stage counts them)."""
    if isinstance(decided, dict):
        for key in ("repriced", "items"):
            if isinstance(decided.get(key), int):
                return decided[key]
    return 0


def _finish(
    action: str,
    tally: _Tally,
    keys: Sequence[str],
    rows: Sequence[PipelineProduct],
    accounts: Sequence[MarketAccount],
    actor: str,
) -> dict[str, Any]:
    summary = tally.as_dict(*keys)
    event_emit(
        EVENT,
        {
            "action": action,
            "actor": actor,
            "accounts": [a.name for a in accounts],
            "products": len(rows),
            "product_keys": [r.key for r in rows[:KEYS_KEPT]],
            **summary,
        },
        source="pipelines.actions",
    )
    return summary
