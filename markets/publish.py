"""Publishing listings (REGISTER), once for every market: the publish state machine.

``listing_publish`` / ``listing_publish_many`` are what the pipeline calls. For each content
they decide one plan (create, update, price and/or stock, suspend, resume, or nothing) from
the listing row and the market's declared capabilities, then:

- dry-run accounts: build every request with the market's connector, check it with the
  market's own validator, record it in the request log (``dry_run=True``, full body) and set
  the listing's status ``dry_run``; no network. Writes go in bulk, a few queries per batch.
- live accounts: write the intent first (listing row with our reference number and
  ``create_sent_at`` for a create, a request row without a status code), commit it durably,
  call the market, then record the answer and the market's ids. A process killed mid-call
  leaves the intent, and the next run sees it: a listing whose create was sent is only
  updated afterwards. A market that already has the reference number (a create that did
  arrive) is updated instead; one that does not (a create that never arrived) gets the create.
  A synchronous market whose create answer was lost is asked (``find``) by our reference
  number; a market that cannot be asked marks the listing ``attention`` for a person. A listing
  is never created twice.

Idempotent: the connector's hash of the full content (without the values that move by
themselves) is kept as ``content_hash``; the same content again is ``unchanged`` and sends
nothing. A body that is refused (by the validator or the market) is recorded and returned as
``failed``, never raised, and is not sent again until the content changes. ``MarketUnavailable``
and ``MarketAuthError`` are raised: the engine's retry policy reschedules.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from orchestrator.core.clock import get_clock
from yooini.db import chunked

from .contract import ListingState, MarketConnector, MarketRequest, Operation
from .listing import (
    ListingContent,
    ListingRejected,
    MarketAuthError,
    MarketUnavailable,
    PublishResult,
    rejection_text,
)
from .models import Listing, ListingStatus, MarketAccount
from .publish_dry import dry_run_publish
from .publish_records import (
    answer_record,
    answers_deferred,
    answers_flush,
    ids_merge,
    intent_write,
    listing_new,
    listing_state,
    rejection_record,
    request_finish,
    stock_summary,
    success_record,
)
from .selectors import market_account_get

log = logging.getLogger("yooini.markets")

MODES = ("full", "partial")
_CHUNK = 500
# A market that fails this many listings in a row is taken to be down: the rest wait for the
# engine's retry of the stage instead of being tried one by one.
UNAVAILABLE_IN_A_ROW = 5
SEND_ATTEMPTS = 3  # tries of one request that the market answered with a passing failure
SEND_BACKOFF = 0.2  # seconds before the second try; doubled before each next one
_ID_OPERATIONS = (Operation.UPDATE, Operation.PRICE, Operation.STOCK, Operation.RESUME)


@dataclass
class _Plan:
    action: str
    steps: list[MarketRequest] = field(default_factory=list)
    hash: str = ""
    reason: str = ""


def _unavailable(listing, exc: MarketUnavailable | None) -> PublishResult:
    text = str(exc) if exc else "not tried: the market failed several listings in a row"
    return PublishResult("unavailable", listing, text, detail={"unavailable": exc})


def unavailable_error(results: Sequence[PublishResult]) -> MarketUnavailable | None:
    """The error to raise once a batch's results are recorded when some listings could not
    reach the market (the one asking for the longest wait), or None."""
    waiting = [r for r in results if r.action == "unavailable"]
    if not waiting:
        return None
    errors = [r.detail["unavailable"] for r in waiting if r.detail.get("unavailable")]
    if not errors:
        return MarketUnavailable("the market failed several listings in a row")
    return max(errors, key=lambda e: e.retry_after or 0)


def listing_publish(
    *,
    account: MarketAccount | str,
    content: ListingContent,
    mode: str = "full",
    price_decision: dict | None = None,
    suspend: bool = False,
    transport=None,
) -> PublishResult:
    """Create, update, reprice, restock, suspend or resume one listing (see the module
    docstring). ``transport`` (an httpx transport) is for tests."""
    decisions = {content.reference_number: price_decision} if price_decision is not None else None
    results = listing_publish_many(
        account, [content], mode, decisions, suspend=suspend, transport=transport
    )
    error = unavailable_error(results)
    if error is not None:
        raise error
    return results[0]


def listing_publish_many(
    account: MarketAccount | str,
    contents: Iterable[ListingContent],
    mode: str = "full",
    decisions: Mapping[str, dict] | Sequence[dict | None] | None = None,
    *,
    suspend: bool | Sequence[bool] = False,
    transport=None,
) -> list[PublishResult]:
    """``listing_publish`` for many contents of one account: existing listings are loaded in
    one query per 500, and dry runs write in bulk. ``decisions`` (price decisions) is a
    mapping by reference number or a sequence aligned with ``contents``; so may ``suspend`` be
    (one flag for all, or one per content). Results are in the order of ``contents``; a
    listing the market could not take now (5xx, timeout, rate limit) is ``unavailable``, and
    the caller raises ``unavailable_error(results)`` once it has recorded the others.

    Settings the account lacks (the market's connector names them) fail every content with a
    message naming them; nothing is sent.
    """
    from .services import market_connector

    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    account = _account(account)
    contents = list(contents)
    for i, content in enumerate(contents):
        if not isinstance(content, ListingContent):
            raise TypeError(f"contents[{i}] is {type(content).__name__}, not ListingContent")
    decision_of = _decisions(contents, decisions)
    suspends = _suspends(contents, suspend)
    existing = _existing(account, [c.reference_number for c in contents])
    with market_connector(account, transport=transport) as connector:
        problems = connector.settings_problems()
        if problems:
            text = f"market account {account.name}: " + "; ".join(problems)
            log.error("%s", text)
            return [
                PublishResult("failed", existing.get(c.reference_number), text) for c in contents
            ]
        unresolved = set() if account.dry_run else _resolve_lost_creates(connector, existing)
        plans = _plans(account, connector, contents, existing, mode, suspends)
        plans = [
            (c, _unavailable(existing.get(c.reference_number), unresolved[c.reference_number]))
            if c.reference_number in unresolved
            else (c, plan)
            for c, plan in plans
        ]
        if account.dry_run:
            return dry_run_publish(account, connector, plans, existing, decision_of)
        with answers_deferred():
            results = _publish_each(connector, account, plans, existing, decision_of)
        # The market looks down: what was not tried waits too.
        results += [
            _unavailable(existing.get(c.reference_number), None) for c, _ in plans[len(results) :]
        ]
        return results


def _publish_each(connector, account, plans, existing, decision_of) -> list[PublishResult]:
    """Each plan in turn; stops early when the market looks down (the rest are not tried)."""
    results: list[PublishResult] = []
    in_a_row = 0
    for content, plan in plans:
        listing = existing.get(content.reference_number)
        if isinstance(plan, PublishResult):
            results.append(plan)
        elif not plan.steps:
            results.append(PublishResult(plan.action, listing, plan.reason or None))
        else:
            try:
                decision = decision_of.get(content.reference_number)
                results.append(_publish_live(connector, account, listing, content, plan, decision))
                in_a_row = 0
            except MarketUnavailable as exc:
                # This listing waits for the stage's retry; the others go on, so every
                # attempt makes progress however flaky the market is.
                in_a_row += 1
                results.append(_unavailable(listing, exc))
                if in_a_row >= UNAVAILABLE_IN_A_ROW:
                    break
    return results


# --- planning ---------------------------------------------------------------------------


def _plans(account, connector, contents, existing, mode, suspends):
    seen: set[str] = set()
    plans: list[tuple[ListingContent, _Plan | PublishResult]] = []
    for content, suspend_it in zip(contents, suspends, strict=True):
        if content.reference_number in seen:
            text = f"reference_number {content.reference_number!r} twice in one batch"
            plans.append((content, PublishResult("failed", None, text)))
            continue
        seen.add(content.reference_number)
        listing = existing.get(content.reference_number)
        plans.append((content, _plan(account, connector, listing, content, mode, suspend_it)))
    return plans


def _plan(
    account: MarketAccount,
    connector: MarketConnector,
    listing: Listing | None,
    content: ListingContent,
    mode: str,
    suspend: bool,
) -> _Plan:
    capabilities = connector.capabilities
    if account.dry_run:
        created = listing is not None and (bool(listing.fixed) or listing.created_at_market)
    else:
        created = listing is not None and listing.created_at_market
    state = listing_state(listing, content.reference_number)
    status = listing.status if listing is not None else ""

    def step(operation: Operation) -> MarketRequest:
        return connector.request_for(operation, content, state)

    if status == ListingStatus.ATTENTION:
        return _Plan("skipped", reason=listing.last_error or "needs attention")
    full_hash = connector.content_hash(content)
    stock_hash = stock_summary(content)["hash"]
    suspended = status == ListingStatus.SUSPENDED
    resume = [step(Operation.RESUME)] if suspended and not capabilities.update_resumes else []
    if suspend:
        if not created:
            return _Plan("skipped", reason="never listed: nothing to suspend")
        if suspended:
            return _Plan("unchanged")
        return _Plan("suspended", [step(Operation.SUSPEND)])
    if content.out_of_stock:
        if not created:
            return _Plan("skipped", reason="every variant is out of stock: not listed")
        if not capabilities.zero_stock and capabilities.suspend_resume:
            # The market refuses stock 0: sold out is a suspension, lifted when stock is back.
            return (
                _Plan("unchanged") if suspended else _Plan("suspended", [step(Operation.SUSPEND)])
            )
        if status == ListingStatus.OUT_OF_STOCK and (listing.stock or {}).get("hash") == stock_hash:
            return _Plan("unchanged")
        operation = Operation.STOCK if capabilities.stock_only_update else Operation.UPDATE
        return _Plan("stock", [step(operation)])
    if mode == "partial":
        if not created:
            return _Plan(
                "skipped", reason="not listed yet: partial runs change price and stock only"
            )
        steps = []
        price_moved = listing.price != content.price or (suspended and not resume)
        stock_moved = (listing.stock or {}).get("hash") != stock_hash
        stock_moved = stock_moved or status == ListingStatus.OUT_OF_STOCK
        if (price_moved and not capabilities.price_only_update) or (
            stock_moved and not capabilities.stock_only_update
        ):
            return _Plan("updated", [step(Operation.UPDATE), *resume], hash=full_hash)
        if price_moved:
            steps.append(step(Operation.PRICE))
        if stock_moved:
            steps.append(step(Operation.STOCK))
        steps += resume
        if not steps:
            return _Plan("unchanged")
        action = str(steps[0].operation.value) if len(steps) == 1 else "updated"
        return _Plan(action, steps)
    if not created:
        if (
            listing is not None
            and listing.content_hash == full_hash
            and status == ListingStatus.FAILED
        ):
            return _Plan("unchanged", reason=listing.last_error)
        return _Plan("created", [step(Operation.CREATE)], hash=full_hash)
    if listing.content_hash == full_hash and status != ListingStatus.OUT_OF_STOCK and not suspended:
        return _Plan("unchanged")
    return _Plan("updated", [step(Operation.UPDATE), *resume], hash=full_hash)


# --- lost answers -------------------------------------------------------------------------


def _resolve_lost_creates(
    connector: MarketConnector, existing: dict[str, Listing]
) -> dict[str, MarketUnavailable]:
    """A synchronous market answers a create with its id, so a listing whose create was sent
    but has no id lost that answer (the process died mid-call, or the call timed out). Ask the
    market by our reference number when it can be asked; otherwise a person must look.
    Returns the listings the market could not be asked about now (they wait, untouched)."""
    unresolved: dict[str, MarketUnavailable] = {}
    if connector.capabilities.asynchronous:
        return unresolved
    lost = [
        x
        for x in existing.values()
        if x.create_sent_at is not None and not x.external_id and x.status != "attention"
    ]
    for listing in lost:
        found = None
        if connector.capabilities.lookup_by_reference:
            try:
                found = connector.find(listing.reference_number)
            except MarketUnavailable as exc:
                unresolved[listing.reference_number] = exc
                continue
        now = get_clock().now()
        if found is not None:
            listing.external_id = found.external_id
            listing.external_ids = {**(listing.external_ids or {}), **found.external_ids}
            listing.status = ListingStatus.PUBLISHED
            listing.last_error = ""
        elif connector.capabilities.lookup_by_reference:
            listing.create_sent_at = None  # the market does not have it: a create is safe
        else:
            listing.status = ListingStatus.ATTENTION
            listing.last_error = (
                "the answer to a create was lost and this market cannot be asked by our "
                f"reference number {listing.reference_number}: check the market, then set "
                "the listing's external id (or clear it) in the admin"
            )
        listing.updated_at = now
        listing.save()
    return unresolved


# --- live -------------------------------------------------------------------------------


def _publish_live(connector, account, listing, content, plan, decision) -> PublishResult:
    now = get_clock().now()
    if listing is None:
        listing = listing_new(account, connector, content, now)
    if decision is not None:
        listing.price_decision = decision
    listing.source_key = content.source_key
    sent = 0
    notes: dict[str, Any] = {}
    for request in plan.steps:
        error, count = _send(connector, listing, content, request, plan, notes)
        sent += count
        if error is not None:
            return PublishResult("failed", listing, error, requests=sent, detail=notes)
    action = plan.action
    if notes.get("switched") == "create->update":
        action = "updated"
    elif str(notes.get("switched", "")).endswith("->create"):
        action = "created"
    return PublishResult(action, listing, None, requests=sent, detail=notes)


def _send(connector, listing, content, request, plan, notes, *, switched=False):
    """Send one request (intent, call, record). Returns (error text or None, requests sent)."""
    state = listing_state(listing, content.reference_number)
    errors = connector.validate(request, state)
    intent = intent_write(listing, request)
    if errors:
        text = rejection_text(errors)
        rejection_record(listing, request, plan, text, errors, status_code=None, sent=False)
        request_finish(
            intent, error=text, result={"accepted": False, "sent": False, "errors": errors}
        )
        return text, 0
    try:
        answer = _send_retrying(connector, request, state)
    except ListingRejected as exc:
        operation = request.operation
        if not switched and operation is Operation.CREATE and exc.conflict == "exists":
            # The market has this reference number: an earlier create did arrive. Update it.
            request_finish(
                intent, status_code=exc.status_code, error=str(exc), result={"switch": "update"}
            )
            notes["switched"] = "create->update"
            found = connector.find(listing.reference_number)
            if found is not None:
                ids_merge(listing, found)
            update = connector.request_for(
                Operation.UPDATE, content, listing_state(listing, content.reference_number)
            )
            error, count = _send(connector, listing, content, update, plan, notes, switched=True)
            return error, count + 1
        if (
            not switched
            and operation in _ID_OPERATIONS
            and not listing.external_id
            and exc.conflict == "missing"
        ):
            # The create we wrote as sent never arrived: it is safe to send it now.
            request_finish(
                intent, status_code=exc.status_code, error=str(exc), result={"switch": "create"}
            )
            notes["switched"] = f"{operation.value}->create"
            listing.create_sent_at = None
            create = connector.request_for(
                Operation.CREATE, content, ListingState(listing.reference_number)
            )
            create_plan = _Plan("created", hash=connector.content_hash(content))
            error, count = _send(
                connector, listing, content, create, create_plan, notes, switched=True
            )
            return error, count + 1
        rejection_record(
            listing, request, plan, str(exc), exc.errors, status_code=exc.status_code, sent=True
        )
        request_finish(
            intent,
            status_code=exc.status_code,
            error=str(exc),
            result={"accepted": False, "sent": True, "errors": exc.errors},
        )
        return str(exc), 1
    except (MarketUnavailable, MarketAuthError) as exc:
        status_code = getattr(exc, "status_code", None)
        with transaction.atomic():
            answers_flush()
            request_finish(intent, status_code=status_code, error=str(exc))
            listing.last_error = str(exc)
            # The market answered, so it did not take the create: it may be sent again. Without
            # an answer (a timeout) nobody knows: the listing stays "create sent".
            if request.operation is Operation.CREATE and status_code is not None:
                listing.create_sent_at = None
            listing.updated_at = get_clock().now()
            listing.save(update_fields=["last_error", "create_sent_at", "updated_at"])
        raise
    request_finish(
        intent,
        status_code=answer.status_code,
        request_uid=answer.request_uid,
        result=dict(answer.summary) or {"accepted": True},
        save=False,
    )
    ids_merge(listing, answer)
    success_record(listing, content, request, plan, pending=answer.pending, dry_run=False)
    if answer.request_uid:
        listing.request_uid = answer.request_uid
    listing.last_error = ""
    listing.updated_at = get_clock().now()
    answer_record(intent, listing)
    return None, 1


def _send_retrying(connector, request: MarketRequest, state: ListingState):
    """``connector.send``, tried again (a few times, briefly) when the market answered with a
    passing failure (a 5xx, a 429 whose wait is short). A create that got no answer at all (a
    timeout) is never sent again here: the market may have taken it."""
    max_wait = getattr(getattr(connector, "config", None), "max_wait", 5.0)
    for attempt in range(SEND_ATTEMPTS):
        try:
            return connector.send(request, state)
        except MarketUnavailable as exc:
            answered = exc.status_code is not None
            wait = exc.retry_after if exc.retry_after is not None else SEND_BACKOFF * 2**attempt
            last = attempt + 1 == SEND_ATTEMPTS
            if last or wait > max_wait or (request.operation is Operation.CREATE and not answered):
                raise
            get_clock().sleep(wait)
    raise AssertionError("unreachable")


# --- helpers ----------------------------------------------------------------------------


def _account(account: MarketAccount | str) -> MarketAccount:
    if isinstance(account, MarketAccount):
        return account
    return market_account_get(str(account), enabled=True)


def _existing(account: MarketAccount, references: list[str]) -> dict[str, Listing]:
    found: dict[str, Listing] = {}
    unique = list(dict.fromkeys(references))
    for chunk in chunked(unique, _CHUNK):
        for listing in Listing.objects.filter(account=account, reference_number__in=chunk):
            listing.account = account
            found[listing.reference_number] = listing
    return found


def _decisions(contents, decisions) -> dict[str, dict]:
    if decisions is None:
        return {}
    if isinstance(decisions, Mapping):
        return {str(k): v for k, v in decisions.items() if v is not None}
    decisions = list(decisions)
    if len(decisions) != len(contents):
        raise ValueError(
            f"decisions has {len(decisions)} entries for {len(contents)} contents "
            "(give a sequence aligned with contents or a mapping by reference number)"
        )
    return {
        c.reference_number: d for c, d in zip(contents, decisions, strict=True) if d is not None
    }


def _suspends(contents: list, suspend: bool | Sequence[bool]) -> list[bool]:
    if isinstance(suspend, bool):
        return [suspend] * len(contents)
    flags = [bool(flag) for flag in suspend]
    if len(flags) != len(contents):
        raise ValueError(f"suspend has {len(flags)} flags for {len(contents)} contents")
    return flags
