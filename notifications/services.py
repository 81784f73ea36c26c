"""Notifications: collect the engine's events into deliveries, send them, retry, never break a run.

Two steps, each safe to run from any number of processes at once:

- ``notifications_collect`` reads new events after a cursor and owes each wanted one to every
  matching channel: a ``Delivery`` row, unique per (channel, event), so an event is owed once.
- ``notifications_send_due`` claims due deliveries with a conditional update on ``attempts``
  (the claim token), sends, then records the result under the same token: two processes
  never send the same delivery. A claim holds the delivery for ``CLAIM_SECONDS``; a process
  that dies while sending leaves it to be sent again after that (at-least-once, then).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Max, Min
from django.utils import translation

from orchestrator.core.clock import get_clock
from orchestrator.core.retry import Retry
from orchestrator.models import Batch, Event

from .email import email_send
from .failures import SendFailed
from .messages import Message, message_for, message_for_test
from .models import EVENT_KINDS, Channel, Delivery, EventCursor
from .selectors import channel_by_name
from .slack import slack_post

log = logging.getLogger("yooini.notifications")

MAX_ATTEMPTS = 8
# 30 s, 1 min, 2 min, ... capped at an hour: about 1 h 04 min from the first try to the last.
BACKOFF = Retry(attempts=MAX_ATTEMPTS, base_delay=30.0, max_delay=3600.0, jitter=0.0)
CLAIM_SECONDS = 120.0
# Event ids are taken before their transaction commits, so a smaller id can appear after a
# larger one. The cursor only moves past events older than this: an event's transaction is
# assumed to have committed (or rolled back) by then. Younger ones are read again, harmlessly.
SETTLE_SECONDS = 60.0
COLLECT_LIMIT = 500
SEND_LIMIT = 20


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


# --- channels -------------------------------------------------------------------------------


def channel_create(
    *,
    name: str,
    kind: str,
    webhook_url: str = "",
    recipients: str | list[str] = "",
    workflow: str = "",
    event_kinds: list[str] | None = None,
    enabled: bool = True,
) -> Channel:
    """Create a valid channel (``ValidationError`` otherwise). It gets events from now on."""
    channel = Channel(
        name=name,
        kind=kind,
        webhook_url=webhook_url,
        recipients=recipients if isinstance(recipients, str) else ", ".join(recipients),
        workflow=workflow,
        enabled=enabled,
    )
    if event_kinds is not None:
        channel.event_kinds = list(event_kinds)
    return channel_save(channel=channel)


def channel_save(*, channel: Channel) -> Channel:
    """Validate and save ``channel``; the one way channels are written (admin included)."""
    channel.full_clean()
    channel.save()
    return channel


# --- collecting -----------------------------------------------------------------------------


def notifications_collect(*, limit: int = COLLECT_LIMIT) -> int:
    """Owe every new event of a wanted kind to each enabled channel that wants it.

    Returns how many deliveries were created. Running it again, or in several processes at
    once, never owes an event twice to the same channel.
    """
    now = get_clock().now()
    # Made before locking: locking a missing row takes a gap lock on MySQL/MariaDB, and two
    # collectors inserting into the same gap deadlock.
    EventCursor.objects.bulk_create([EventCursor(pk=1)], ignore_conflicts=True)
    with transaction.atomic():
        cursor = EventCursor.objects.select_for_update().get(pk=1)
        events = list(
            Event.objects.filter(id__gt=cursor.last_event_id, type__in=EVENT_KINDS).order_by("id")[
                :limit
            ]
        )
        channels = list(Channel.objects.filter(enabled=True))
        created = _deliveries_create(events, channels, now) if events and channels else 0
        upper = events[-1].id if len(events) == limit else None
        moved = _settled_up_to(cursor.last_event_id, upper, now)
        if moved != cursor.last_event_id:
            EventCursor.objects.filter(pk=cursor.pk).update(last_event_id=moved)
    return created


def _settled_up_to(after: int, upper: int | None, now: datetime) -> int:
    """The highest event id the cursor may move to: every event up to it is settled."""
    scanned = Event.objects.filter(id__gt=after)
    if upper is not None:
        scanned = scanned.filter(id__lte=upper)
    last = scanned.aggregate(n=Max("id"))["n"]
    if last is None:
        return after
    horizon = now - timedelta(seconds=SETTLE_SECONDS)
    first_young = scanned.filter(created_at__gt=horizon).aggregate(n=Min("id"))["n"]
    return last if first_young is None else max(after, first_young - 1)


def _deliveries_create(events: list[Event], channels: list[Channel], now: datetime) -> int:
    workflows = _workflows_of(events)
    existing = set(
        Delivery.objects.filter(event_id__in=[e.id for e in events]).values_list(
            "channel_id", "event_id"
        )
    )
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for event in events:
            workflow = workflows.get(event.id, "")
            wanting = [
                c
                for c in channels
                if (c.id, event.id) not in existing
                and event.type in (c.event_kinds or [])
                and (not c.workflow or c.workflow == workflow)
                and event.created_at >= c.created_at
            ]
            if not wanting:
                continue
            message = message_for(
                event.type, event.payload, batch_id=event.correlation_id, workflow=workflow
            )
            rows += [_delivery(c, event, workflow, message, now) for c in wanting]
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _delivery(
    channel: Channel, event: Event, workflow: str, message: Message, now: datetime
) -> Delivery:
    return Delivery(
        channel=channel,
        event_id=event.id,
        event_type=event.type,
        batch_id=event.correlation_id,
        workflow=workflow,
        subject=message.subject[:300],
        body=message.body,
        next_attempt_at=now,
        created_at=now,
    )


def _workflows_of(events: list[Event]) -> dict[int, str]:
    """Each event's workflow: from a batch event's payload, else from its batch."""
    found = {e.id: e.payload.get("workflow", "") for e in events if isinstance(e.payload, dict)}
    missing = {e.correlation_id for e in events if not found.get(e.id) and e.correlation_id}
    if missing:
        batches = dict(Batch.objects.filter(id__in=missing).values_list("id", "workflow"))
        for e in events:
            if not found.get(e.id):
                found[e.id] = batches.get(e.correlation_id, "")
    return found


# --- sending --------------------------------------------------------------------------------


def channel_send(channel: Channel, message: Message) -> None:
    """Send ``message`` through ``channel`` now; ``SendFailed`` if it did not get through."""
    if channel.kind == Channel.Kind.SLACK:
        if not channel.webhook_url:
            raise SendFailed("the channel has no webhook URL", permanent=True)
        slack_post(channel.webhook_url, message)
    elif channel.kind == Channel.Kind.EMAIL:
        email_send(channel.recipient_list(), message)
    else:
        raise SendFailed(f"unknown channel kind {channel.kind!r}", permanent=True)


def notifications_send_due(*, now: datetime | None = None, limit: int = SEND_LIMIT) -> SendReport:
    """Send the deliveries due at ``now`` (default: the engine's clock), each by one process.

    A failure is logged and retried with exponential backoff (or after Slack's Retry-After);
    the answers that cannot change, and the ``MAX_ATTEMPTS``-th failure, end it FAILED.
    """
    now = now or get_clock().now()
    due = list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now, channel__enabled=True
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", "attempts")[:limit]
    )
    sent = retrying = failed = 0
    for delivery_id, attempts in due:
        claimed = Delivery.objects.filter(
            id=delivery_id,
            status=Delivery.Status.PENDING,
            attempts=attempts,
            next_attempt_at__lte=now,
        ).update(attempts=attempts + 1, next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
        if not claimed:
            continue  # another process took it
        outcome = _send_one(Delivery.objects.select_related("channel").get(id=delivery_id), now)
        sent += outcome == Delivery.Status.SENT
        failed += outcome == Delivery.Status.FAILED
        retrying += outcome == Delivery.Status.PENDING
    return SendReport(sent=sent, retrying=retrying, failed=failed)


def _send_one(delivery: Delivery, now: datetime) -> str:
    mine = Delivery.objects.filter(
        id=delivery.id, attempts=delivery.attempts, status=Delivery.Status.PENDING
    )
    try:
        channel_send(delivery.channel, Message(delivery.subject, delivery.body))
    except SendFailed as exc:
        failure = exc
    except Exception as exc:  # a sender's bug is one more failed attempt, not a dead pump
        log.exception("notification %s: unexpected error while sending", delivery.id)
        failure = SendFailed(f"unexpected error: {type(exc).__name__}")
    else:
        mine.update(status=Delivery.Status.SENT, sent_at=get_clock().now(), last_error="")
        return Delivery.Status.SENT
    error = str(failure)[:1000]
    where = (
        f"notification {delivery.id} ({delivery.event_type} #{delivery.event_id}) to channel"
        f" {delivery.channel.name!r}, attempt {delivery.attempts}/{MAX_ATTEMPTS}"
    )
    if failure.permanent or delivery.attempts >= MAX_ATTEMPTS:
        mine.update(status=Delivery.Status.FAILED, last_error=error)
        log.error("%s failed for good: %s", where, error)
        return Delivery.Status.FAILED
    wait = failure.retry_after
    if wait is None:
        wait = BACKOFF.delay(delivery.attempts)
    wait = min(max(wait, 1.0), BACKOFF.max_delay)
    retry_at = now + timedelta(seconds=wait)
    mine.update(next_attempt_at=retry_at, last_error=error)
    log.warning("%s failed: %s; next try in %gs", where, error, wait)
    return Delivery.Status.PENDING


def deliveries_retry(*, ids: list[int]) -> int:
    """Send these FAILED deliveries again, from a fresh count of attempts; returns how many."""
    return Delivery.objects.filter(id__in=ids, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=get_clock().now()
    )


def notifications_pump(stop: threading.Event, *, interval: float = 2.0) -> None:
    """Collect and send every ``interval`` seconds until ``stop`` is set. Never raises.

    Meant for a thread of a long-running process (``yooini serve``, ``yooini scheduler``):
    every error is logged and the next round tries again, so notifications can never break
    the process that hosts them.
    """
    try:
        while not stop.is_set():
            try:
                notifications_collect()
                notifications_send_due()
            except Exception:
                log.exception("notifications: a round failed; trying again in %gs", interval)
                close_old_connections()
            stop.wait(interval)
    finally:
        if not connection.in_atomic_block:
            connection.close()


def channel_send_test(*, name: str) -> Channel:
    """Send a test message through the channel called ``name`` now (enabled or not).

    Raises ``Channel.DoesNotExist`` or ``SendFailed`` (whose text holds no secret).
    """
    channel = channel_by_name(name)
    with translation.override(settings.LANGUAGE_CODE):
        message = message_for_test(channel.name)
    channel_send(channel, message)
    return channel
