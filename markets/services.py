"""Writes of markets: accounts and their credentials, and publishing listings (REGISTER).

``listing_publish`` / ``listing_publish_many`` are what the pipeline calls. For each content
they decide one plan (create, update, price and/or stock, suspend, or nothing), then:

- dry-run accounts: check every body with the contract validator, record it in the request log
  (``dry_run=True``, full body) and set the listing's status ``dry_run``; no network. Writes go
  in bulk, a few queries per batch.
- live accounts: write the intent first (listing row, ``create_sent_at`` for a create, a
  request row without a status code), commit, call BUYMA, then record the answer. A process
  killed mid-call leaves the intent, and the next run sees it: a listing whose create was sent
  is only updated afterwards, by reference number. If BUYMA says it already has that reference
  number (a create that did arrive) the service switches to an update; if it says it does not
  know it (a create that never arrived) it sends the create. A listing is never created twice.

Idempotent: the hash of the body (without the date that moves every day) is kept as
``content_hash``; the same content again is ``unchanged`` and sends nothing. A body that is
refused (by the validator or a 422) is recorded and returned as ``failed``, never raised, and
is not sent again until the content changes. ``MarketUnavailable`` (429 beyond what we wait
for, 5xx, network) and ``MarketAuthError`` are raised: the engine's retry policy reschedules.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from markets.buyma import contract, payload
from markets.buyma.api import PRODUCTS_PATH, VARIANTS_PATH, BuymaClient
from markets.listing import (
    ListingContent,
    ListingRejected,
    MarketAuthError,
    MarketUnavailable,
    PublishResult,
    rejection_text,
)
from orchestrator.core.clock import get_clock
from suppliers.crypto import credentials_checked, credentials_decrypt, credentials_encrypt
from yooini.db import chunked

from .models import Listing, ListingRequest, ListingStatus, MarketAccount, RequestKind
from .selectors import market_account_get

log = logging.getLogger("yooini.markets")

MODES = ("full", "partial")
MARKET_TIME_ZONE = ZoneInfo("Asia/Tokyo")  # BUYMA's dates (available_until) are Japanese
_EDITABLE = ("name", "market", "enabled", "dry_run", "settings")
_CHUNK = 500


# --- accounts ---------------------------------------------------------------------------


def market_account_create(
    *,
    name: str,
    market: str = "buyma",
    settings: Mapping[str, Any] | None = None,
    credentials: Mapping[str, str] | None = None,
    dry_run: bool = True,
    enabled: bool = True,
) -> MarketAccount:
    """A new account (dry run unless told otherwise). ``ValidationError`` for a bad or taken
    name, an unknown market, settings that are not an object or credentials that are not an
    object of strings; ``CredentialsKeyMissing`` without ``YOOINI_CREDENTIALS_KEY`` when there
    are credentials (nothing is written then)."""
    if not isinstance(settings, Mapping | None):
        raise ValidationError({"settings": "must be a JSON object"})
    account = MarketAccount(
        name=name, market=market, settings=dict(settings or {}), dry_run=dry_run, enabled=enabled
    )
    account.credentials_encrypted = credentials_encrypt(credentials_checked(credentials or {}))
    market_account_save(account=account)
    if credentials:
        log.info("market account %s created with credentials (keys: %s)", name, sorted(credentials))
    return account


def market_account_save(*, account: MarketAccount) -> MarketAccount:
    """Validate and write a new account, or the editable fields of an existing one."""
    now = get_clock().now()
    adding = account.pk is None
    if adding:
        account.created_at = now
    account.updated_at = now
    if not isinstance(account.settings, dict):
        raise ValidationError({"settings": "must be a JSON object"})
    account.full_clean()
    if adding:
        account.save(force_insert=True)
    else:
        account.save(update_fields=[*_EDITABLE, "updated_at"])
    return account


def market_account_set_credentials(
    *, account: MarketAccount, credentials: Mapping[str, str]
) -> None:
    """Replace the account's credentials (``{}`` removes them)."""
    token = credentials_encrypt(credentials_checked(credentials))
    now = get_clock().now()
    MarketAccount.objects.filter(pk=account.pk).update(credentials_encrypted=token, updated_at=now)
    account.credentials_encrypted, account.updated_at = token, now
    log.info("credentials of market account %s set (keys: %s)", account.name, sorted(credentials))


def market_account_update_credentials(*, account: MarketAccount, values: Mapping[str, str]) -> None:
    """Merge ``values`` (new tokens) into the stored credentials, under a row lock so two
    workers refreshing at once cannot drop each other's refresh token."""
    with transaction.atomic():
        locked = MarketAccount.objects.select_for_update().get(pk=account.pk)
        merged = {
            **credentials_decrypt(locked.credentials_encrypted),
            **credentials_checked(values),
        }
        token = credentials_encrypt(merged)
        MarketAccount.objects.filter(pk=account.pk).update(credentials_encrypted=token)
    account.credentials_encrypted = token
    log.info("credentials of market account %s updated (keys: %s)", account.name, sorted(values))


def market_account_credentials(account: MarketAccount) -> dict[str, str]:
    """The account's credentials in clear (``{}`` when none)."""
    return credentials_decrypt(account.credentials_encrypted)


def market_client(account: MarketAccount, *, transport=None) -> BuymaClient:
    """A client of the account's market with its decrypted credentials; refreshed tokens are
    stored back (encrypted) as soon as they arrive. Close it after use."""
    if account.market != "buyma":
        raise ValidationError({"market": f"no client for market {account.market!r}"})
    return BuymaClient(
        base_url=str(account.settings.get("base_url") or ""),
        credentials=market_account_credentials(account),
        on_tokens=lambda tokens: market_account_update_credentials(account=account, values=tokens),
        transport=transport,
        timeout=float(getattr(django_settings, "YOOINI_BUYMA_TIMEOUT", 15.0)),
        max_wait=float(getattr(django_settings, "YOOINI_BUYMA_MAX_WAIT", 5.0)),
    )


# --- publishing -------------------------------------------------------------------------


@dataclass
class _Step:
    kind: str
    body: dict[str, Any]

    @property
    def path(self) -> str:
        return VARIANTS_PATH if self.kind == RequestKind.STOCK else PRODUCTS_PATH


@dataclass
class _Plan:
    action: str
    steps: list[_Step] = field(default_factory=list)
    hash: str = ""
    reason: str = ""


def listing_publish(
    *,
    account: MarketAccount | str,
    content: ListingContent,
    mode: str = "full",
    price_decision: dict | None = None,
    suspend: bool = False,
    transport=None,
) -> PublishResult:
    """Create, update, reprice, restock or suspend one listing (see the module docstring).
    ``transport`` (an httpx transport) is for tests."""
    decisions = {content.reference_number: price_decision} if price_decision is not None else None
    return listing_publish_many(
        account, [content], mode, decisions, suspend=suspend, transport=transport
    )[0]


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
    (one flag for all, or one per content). Results are in the order of ``contents``.

    Settings the account lacks (``buying_area_id``, ``shipping_area_id``,
    ``shipping_method_ids``) fail every content with a message naming them; nothing is sent.
    """
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
    problems = payload.settings_problems(account.settings)
    if problems:
        text = f"market account {account.name}: " + "; ".join(problems)
        log.error("%s", text)
        return [PublishResult("failed", existing.get(c.reference_number), text) for c in contents]
    now = get_clock().now()
    today = now.astimezone(MARKET_TIME_ZONE).date()
    seen: set[str] = set()
    plans: list[tuple[ListingContent, _Plan | PublishResult]] = []
    for content, suspend_it in zip(contents, suspends, strict=True):
        if content.reference_number in seen:
            plans.append(
                (
                    content,
                    PublishResult(
                        "failed",
                        None,
                        f"reference_number {content.reference_number!r} twice in one batch",
                    ),
                )
            )
            continue
        seen.add(content.reference_number)
        listing = existing.get(content.reference_number)
        plans.append((content, _plan(account, listing, content, mode, suspend_it, today)))
    if account.dry_run:
        return _dry_run(account, plans, existing, decision_of, now, today)
    results: list[PublishResult] = []
    client = None
    try:
        for content, plan in plans:
            if isinstance(plan, PublishResult):
                results.append(plan)
                continue
            listing = existing.get(content.reference_number)
            if not plan.steps:
                results.append(PublishResult(plan.action, listing, plan.reason or None))
                continue
            if client is None:
                client = market_client(account, transport=transport)
            results.append(
                _publish_live(
                    client,
                    account,
                    listing,
                    content,
                    plan,
                    decision_of.get(content.reference_number),
                    today,
                )
            )
    finally:
        if client is not None:
            client.close()
    return results


def _plan(
    account: MarketAccount,
    listing: Listing | None,
    content: ListingContent,
    mode: str,
    suspend: bool,
    today: date,
) -> _Plan:
    settings = account.settings
    if account.dry_run:
        created = listing is not None and (bool(listing.fixed) or listing.created_at_market)
    else:
        created = listing is not None and listing.created_at_market
    external_id = listing.external_id if listing is not None else None
    status = listing.status if listing is not None else ""
    create_body = payload.product_create(content, settings, today=today)
    full_hash = payload.content_hash(create_body)
    stock_hash = payload.stock_summary(content)["hash"]
    if suspend:
        if not created:
            return _Plan("skipped", reason="never listed: nothing to suspend")
        if status == ListingStatus.SUSPENDED:
            return _Plan("unchanged")
        body = payload.product_suspend(content.reference_number, external_id)
        return _Plan("suspended", [_Step(RequestKind.SUSPEND, body)])
    if content.out_of_stock:
        if not created:
            return _Plan("skipped", reason="every variant is out of stock: not listed")
        if status == ListingStatus.OUT_OF_STOCK and (listing.stock or {}).get("hash") == stock_hash:
            return _Plan("unchanged")
        body = payload.variants_stock(content, settings, external_id=external_id)
        return _Plan("stock", [_Step(RequestKind.STOCK, body)])
    if mode == "partial":
        if not created:
            return _Plan(
                "skipped", reason="not listed yet: partial runs change price and stock only"
            )
        steps = []
        if listing.price != content.price or status == ListingStatus.SUSPENDED:
            body = payload.product_price(content, settings, today=today, external_id=external_id)
            steps.append(_Step(RequestKind.PRICE, body))
        if (listing.stock or {}).get("hash") != stock_hash or status == ListingStatus.OUT_OF_STOCK:
            body = payload.variants_stock(content, settings, external_id=external_id)
            steps.append(_Step(RequestKind.STOCK, body))
        if not steps:
            return _Plan("unchanged")
        action = str(steps[0].kind.value) if len(steps) == 1 else "updated"
        return _Plan(action, steps)
    if not created:
        if (
            listing is not None
            and listing.content_hash == full_hash
            and status == ListingStatus.FAILED
        ):
            return _Plan("unchanged", reason=listing.last_error)
        return _Plan("created", [_Step(RequestKind.CREATE, create_body)], hash=full_hash)
    if listing.content_hash == full_hash and status not in (
        ListingStatus.SUSPENDED,
        ListingStatus.OUT_OF_STOCK,
    ):
        return _Plan("unchanged")
    body = payload.product_update(content, settings, today=today, external_id=external_id)
    return _Plan("updated", [_Step(RequestKind.UPDATE, body)], hash=full_hash)


# --- dry run ----------------------------------------------------------------------------


def _dry_run(account, plans, existing, decision_of, now: datetime, today: date):
    results: list[PublishResult] = []
    new_listings: list[Listing] = []
    changed: list[Listing] = []
    pending_requests: list[tuple[Listing, ListingRequest]] = []
    for content, plan in plans:
        if isinstance(plan, PublishResult):
            results.append(plan)
            continue
        listing = existing.get(content.reference_number)
        if not plan.steps:
            results.append(PublishResult(plan.action, listing, plan.reason or None))
            continue
        if listing is None:
            listing = _new_listing(account, content, now)
            new_listings.append(listing)
        else:
            changed.append(listing)
        errors_text = ""
        for step in plan.steps:
            errors = _validate(step, listing, today)
            text = rejection_text(errors) if errors else ""
            errors_text = errors_text or text
            pending_requests.append(
                (
                    listing,
                    ListingRequest(
                        kind=step.kind,
                        at=now,
                        dry_run=True,
                        method="POST",
                        path=step.path,
                        body={"product": step.body},
                        result={"valid": not errors, "errors": errors}
                        if errors
                        else {"valid": True},
                        error=text,
                    ),
                )
            )
        _apply_dry(listing, content, plan, errors_text, decision_of, now)
        results.append(
            PublishResult(
                "failed" if errors_text else plan.action,
                listing,
                errors_text or None,
                requests=len(plan.steps),
                detail={"dry_run": True},
            )
        )
    if not (new_listings or changed):
        return results
    with transaction.atomic():
        for chunk in chunked(new_listings):
            Listing.objects.bulk_create(chunk)
        missing = [x for x in new_listings if x.pk is None]
        if missing:  # a database that cannot return ids from a bulk insert
            ids = dict(
                Listing.objects.filter(
                    account=account, reference_number__in=[x.reference_number for x in missing]
                ).values_list("reference_number", "pk")
            )
            for x in missing:
                x.pk = ids[x.reference_number]
        fields = [
            "status",
            "price",
            "stock",
            "content_hash",
            "fixed",
            "price_decision",
            "last_error",
            "source_key",
            "updated_at",
        ]
        _update_many(changed, fields)
        requests = []
        for listing, request in pending_requests:
            request.listing_id = listing.pk
            requests.append(request)
        for chunk in chunked(requests):
            ListingRequest.objects.bulk_create(chunk)
    return results


def _apply_dry(listing, content, plan, errors_text, decision_of, now) -> None:
    listing.updated_at = now
    listing.source_key = content.source_key
    decision = decision_of.get(content.reference_number)
    if decision is not None:
        listing.price_decision = decision
    if errors_text:
        listing.last_error = errors_text
        if plan.action == "created":
            listing.status = ListingStatus.FAILED
            listing.content_hash = plan.hash
        return
    listing.last_error = ""
    listing.status = ListingStatus.DRY_RUN
    for step in plan.steps:
        _record_success(listing, content, step, plan, dry_run=True)


def _validate(step: _Step, listing: Listing, today: date) -> dict[str, list[str]]:
    if step.kind == RequestKind.STOCK:
        return contract.variants_errors(step.body)
    existing = None if step.kind == RequestKind.CREATE else dict(listing.fixed or {})
    return contract.product_errors(step.body, today=today, existing=existing)


# --- live -------------------------------------------------------------------------------


def _publish_live(client, account, listing, content, plan, decision, today) -> PublishResult:
    now = get_clock().now()
    if listing is None:
        listing = _new_listing(account, content, now)
    if decision is not None:
        listing.price_decision = decision
    listing.source_key = content.source_key
    sent = 0
    notes: dict[str, Any] = {}
    for step in plan.steps:
        outcome = _send(client, listing, content, step, plan, today, notes)
        sent += outcome[1]
        if outcome[0] is not None:
            return PublishResult("failed", listing, outcome[0], requests=sent, detail=notes)
    action = plan.action
    if notes.get("switched") == "create->update":
        action = "updated"
    elif str(notes.get("switched", "")).endswith("->create"):
        action = "created"
    return PublishResult(action, listing, None, requests=sent, detail=notes)


def _send(client, listing, content, step, plan, today, notes, *, switched=False):
    """Send one step (intent, call, record). Returns (error text or None, requests sent)."""
    errors = _validate(step, listing, today)
    request = _write_intent(listing, step)
    if errors:
        text = rejection_text(errors)
        _record_rejection(
            listing, step, plan, text, errors, status_code=None, sent=False, request=request
        )
        return text, 0
    try:
        if step.kind == RequestKind.STOCK:
            answer = client.variants_post(step.body)
        else:
            answer = client.product_post(step.body)
    except ListingRejected as exc:
        reference_errors = " ".join(exc.errors.get("reference_number", []))
        if not switched and step.kind == RequestKind.CREATE and contract.TAKEN in reference_errors:
            # The market has this reference number: an earlier create did arrive. Update it.
            _finish(
                request, status_code=exc.status_code, error=str(exc), result={"switch": "update"}
            )
            notes["switched"] = "create->update"
            body = payload.product_update(
                content, listing.account.settings, today=today, external_id=listing.external_id
            )
            error, count = _send(
                client,
                listing,
                content,
                _Step(RequestKind.UPDATE, body),
                plan,
                today,
                notes,
                switched=True,
            )
            return error, count + 1
        if (
            not switched
            and step.kind in (RequestKind.UPDATE, RequestKind.PRICE, RequestKind.STOCK)
            and not listing.external_id
            and contract.NOT_FOUND in reference_errors
        ):
            # The create we wrote as sent never arrived: it is safe to send it now.
            _finish(
                request, status_code=exc.status_code, error=str(exc), result={"switch": "create"}
            )
            notes["switched"] = f"{step.kind}->create"
            listing.create_sent_at = None
            body = payload.product_create(content, listing.account.settings, today=today)
            create_plan = _Plan("created", hash=payload.content_hash(body))
            error, count = _send(
                client,
                listing,
                content,
                _Step(RequestKind.CREATE, body),
                create_plan,
                today,
                notes,
                switched=True,
            )
            return error, count + 1
        _record_rejection(
            listing,
            step,
            plan,
            str(exc),
            exc.errors,
            status_code=exc.status_code,
            sent=True,
            request=request,
        )
        return str(exc), 1
    except (MarketUnavailable, MarketAuthError) as exc:
        with transaction.atomic():
            _finish(request, status_code=getattr(exc, "status_code", None), error=str(exc))
            listing.last_error = str(exc)
            listing.updated_at = get_clock().now()
            listing.save(update_fields=["last_error", "updated_at"])
        raise
    with transaction.atomic():
        _finish(
            request,
            status_code=answer.status_code,
            request_uid=answer.request_uid,
            result={"accepted": True, "request_uid": answer.request_uid},
        )
        _record_success(listing, content, step, plan, dry_run=False)
        listing.request_uid = answer.request_uid
        listing.last_error = ""
        listing.updated_at = get_clock().now()
        listing.save()
    return None, 1


def _write_intent(listing: Listing, step: _Step) -> ListingRequest:
    """Listing row and request row, committed before the call."""
    now = get_clock().now()
    with transaction.atomic():
        if step.kind == RequestKind.CREATE:
            listing.create_sent_at = now
            listing.fixed = payload.fixed_values(step.body)
            if listing.status not in (ListingStatus.PUBLISHED,):
                listing.status = ListingStatus.PENDING
        listing.updated_at = now
        listing.save()
        return ListingRequest.objects.create(
            listing=listing,
            kind=step.kind,
            at=now,
            dry_run=False,
            method="POST",
            path=step.path,
            body={"product": step.body},
        )


def _finish(request: ListingRequest, *, status_code=None, request_uid="", error="", result=None):
    request.status_code = status_code
    request.request_uid = request_uid or ""
    request.error = error
    request.result = result or {}
    request.save(update_fields=["status_code", "request_uid", "error", "result"])


def _record_rejection(listing, step, plan, text, errors, *, status_code, sent, request):
    now = get_clock().now()
    with transaction.atomic():
        _finish(
            request,
            status_code=status_code,
            error=text,
            result={"accepted": False, "sent": sent, "errors": errors},
        )
        listing.last_error = text
        if plan.hash:
            listing.content_hash = plan.hash  # not sent again until the content changes
        if step.kind == RequestKind.CREATE:
            # Refused synchronously: the market holds nothing under this reference number.
            listing.status = ListingStatus.FAILED
            listing.create_sent_at = None
        listing.updated_at = now
        listing.save()


def _record_success(listing, content, step, plan, *, dry_run: bool) -> None:
    """The listing's state once ``step`` was accepted (or recorded in a dry run)."""
    summary = payload.stock_summary(content)
    live_status = ListingStatus.PUBLISHED if listing.external_id else ListingStatus.PENDING
    if step.kind in (RequestKind.CREATE, RequestKind.UPDATE):
        listing.price = content.price
        listing.stock = summary
        if plan.hash:
            listing.content_hash = plan.hash
        if step.kind == RequestKind.CREATE:
            listing.fixed = payload.fixed_values(step.body)
            status = ListingStatus.PENDING
        else:
            status = live_status
    elif step.kind == RequestKind.PRICE:
        listing.price = content.price
        status = live_status
    elif step.kind == RequestKind.STOCK:
        listing.stock = summary
        status = ListingStatus.OUT_OF_STOCK if content.out_of_stock else live_status
    else:
        status = ListingStatus.SUSPENDED
    # A dry run shows what the listing would be where it matters to a person: out of stock
    # and suspended as such; listed (pending, published) as "dry run".
    shown = status in (ListingStatus.OUT_OF_STOCK, ListingStatus.SUSPENDED)
    listing.status = ListingStatus.DRY_RUN if dry_run and not shown else status


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


def _new_listing(account: MarketAccount, content: ListingContent, now: datetime) -> Listing:
    return Listing(
        account=account,
        reference_number=content.reference_number,
        source_key=content.source_key,
        status=ListingStatus.PENDING,
        created_at=now,
        updated_at=now,
    )


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


def _update_many(listings: list[Listing], fields: list[str]) -> None:
    """``UPDATE ... WHERE id = %s`` with executemany: one statement per chunk, without the
    per-row CASE expressions of ``bulk_update`` (ten times faster for thousands of rows)."""
    if not listings:
        return
    quote = connection.ops.quote_name
    columns = [Listing._meta.get_field(name) for name in fields]
    sql = (
        f"UPDATE {quote(Listing._meta.db_table)} SET "
        + ", ".join(f"{quote(c.column)} = %s" for c in columns)
        + f" WHERE {quote(Listing._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        for chunk in chunked(listings):
            cursor.executemany(
                sql,
                [
                    [c.get_db_prep_save(getattr(x, c.attname), connection) for c in columns]
                    + [x.pk]
                    for x in chunk
                ],
            )
