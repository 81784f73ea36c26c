"""Failures to notify are logged and retried, never sent twice, and never break a run."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from django.db import connection

from notifications.models import Delivery
from notifications.services import (
    MAX_ATTEMPTS,
    channel_create,
    deliveries_retry,
    notifications_collect,
    notifications_pump,
    notifications_send_due,
)
from orchestrator import NO_RETRY
from orchestrator.core.clock import get_clock
from orchestrator.services.events import event_emit

from .conftest import SECRET_PATH, free_port

pytestmark = pytest.mark.usefixtures("manual_clock")
THREADS = pytest.mark.usefixtures("transactional_db")  # other threads see only what commits
ONE_THREAD = pytest.mark.usefixtures("db")
LOGGER = "yooini.notifications"


def failed_batch_event(workflow: str = "wf_x", batch_id: str = "b_1") -> None:
    event_emit(
        "batch.failed",
        {"workflow": workflow, "totals": {"ERROR": 2, "items": 0}},
        correlation_id=batch_id,
    )


def slack_channel(slack_server, name: str = "ops"):
    return channel_create(name=name, kind="slack", webhook_url=slack_server.url)


def seconds_until_due(delivery: Delivery) -> float:
    return (delivery.next_attempt_at - get_clock().now()).total_seconds()


@ONE_THREAD
def test_rate_limited_then_sent_after_retry_after(slack_server, manual_clock, caplog):
    slack_channel(slack_server)
    failed_batch_event()
    slack_server.fail_next(1, 429, retry_after="7")
    notifications_collect()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        report = notifications_send_due()
    assert (report.sent, report.retrying) == (0, 1)
    delivery = Delivery.objects.get()
    assert seconds_until_due(delivery) == 7
    assert "HTTP 429" in delivery.last_error and "retry after 7s" in caplog.text
    manual_clock.advance(6)
    assert notifications_send_due().sent == 0  # not due yet
    manual_clock.advance(1)
    assert notifications_send_due().sent == 1
    assert len(slack_server.requests) == 2 and len(slack_server.messages) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("SENT", 2, "")


@ONE_THREAD
def test_server_errors_back_off_exponentially_then_succeed(slack_server, manual_clock):
    slack_channel(slack_server)
    failed_batch_event()
    slack_server.fail_next(2, 500)
    notifications_collect()
    waits = []
    for _ in range(2):
        assert notifications_send_due().retrying == 1
        waits.append(seconds_until_due(Delivery.objects.get()))
        manual_clock.advance(waits[-1])
    assert waits == [30, 60]
    assert notifications_send_due().sent == 1
    assert len(slack_server.messages) == 1


@ONE_THREAD
def test_after_max_attempts_failed_with_an_error_that_hides_the_webhook(
    slack_server, manual_clock, caplog
):
    slack_channel(slack_server)
    failed_batch_event()
    slack_server.fail_next(MAX_ATTEMPTS + 5, 503)
    notifications_collect()
    with caplog.at_level(logging.INFO):
        for _ in range(MAX_ATTEMPTS):
            notifications_send_due()
            manual_clock.advance(3600)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("FAILED", MAX_ATTEMPTS)
    assert "HTTP 503" in delivery.last_error
    assert notifications_send_due().sent == 0
    assert len(slack_server.requests) == MAX_ATTEMPTS
    assert "failed for good" in caplog.text
    secret = SECRET_PATH.rsplit("/", 1)[-1]
    for text in (delivery.last_error, caplog.text):
        assert slack_server.url not in text and secret not in text

    # Sent again by hand (the admin's action) once the receiver is back.
    slack_server.failures.clear()
    assert deliveries_retry(ids=[delivery.id]) == 1
    assert notifications_send_due().sent == 1


@ONE_THREAD
def test_a_revoked_webhook_fails_at_once_without_showing_the_url(slack_server, caplog):
    revoked = slack_server.url.replace("s3cr3tW3bh00kT0k3n", "r3v0k3dT0k3n")
    channel_create(name="revoked", kind="slack", webhook_url=revoked)
    failed_batch_event()
    notifications_collect()
    with caplog.at_level(logging.INFO):
        assert notifications_send_due().failed == 1
    delivery = Delivery.objects.get()
    assert delivery.attempts == 1
    assert "HTTP 404" in delivery.last_error and "no_service" in delivery.last_error
    assert "r3v0k3dT0k3n" not in delivery.last_error + caplog.text


@THREADS
def test_two_processes_sending_at_once_never_send_twice(slack_server, smtp_server):
    slack_channel(slack_server)
    channel_create(name="mail", kind="email", recipients="ops@example.test")
    for n in range(4):
        failed_batch_event(batch_id=f"b_{n}")
    slack_server.delay = 0.05
    start = threading.Barrier(3)
    errors = []

    def worker():
        try:
            start.wait(timeout=5)
            for _ in range(3):
                notifications_collect()
                notifications_send_due()
        except Exception as exc:  # reported by the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert Delivery.objects.count() == 8
    assert set(Delivery.objects.values_list("status", flat=True)) == {"SENT"}
    batch_ids = sorted(m["text"].split("batch ")[1].split(" ")[0] for m in slack_server.messages)
    assert batch_ids == ["b_0", "b_1", "b_2", "b_3"]
    assert len(slack_server.requests) == 4
    assert len(smtp_server.inbox.messages) == 4


@THREADS
def test_smtp_down_is_logged_retried_and_leaves_the_batch_alone(
    make_workflow, run_batch, smtp_server, settings, manual_clock, caplog
):
    channel_create(name="mail", kind="email", recipients="ops@example.test")
    up = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there
    wf = make_workflow("smtp_down", partitions=["a"])

    def boom(ctx, partition):
        raise RuntimeError("supplier down")

    wf.stage(boom, name="fetch", retry=NO_RETRY)
    stop = threading.Event()
    pump = threading.Thread(target=notifications_pump, args=(stop,), kwargs={"interval": 0.02})
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        pump.start()
        try:
            batch = run_batch(wf)
            deadline = threading.Event()
            for _ in range(250):
                if Delivery.objects.filter(attempts__gte=1, last_error__gt="").exists():
                    break
                deadline.wait(0.02)
        finally:
            stop.set()
            pump.join(timeout=10)
    assert not pump.is_alive()
    assert batch.status == "FAILED"
    delivery = Delivery.objects.get()
    assert delivery.status == "PENDING" and "could not send through the SMTP server" in (
        delivery.last_error
    )
    assert "could not send through the SMTP server" in caplog.text

    settings.EMAIL_PORT = up
    manual_clock.advance(timedelta(minutes=5).total_seconds())
    assert notifications_send_due().sent == 1
    [mail] = smtp_server.inbox.messages
    assert batch.id in mail["message"].get_content()


@THREADS
def test_the_pump_sends_what_a_run_emits(make_workflow, run_batch, slack_server):
    slack_channel(slack_server)
    wf = make_workflow("pumped", partitions=["a"])
    wf.stage(lambda ctx, p: (_ for _ in ()).throw(RuntimeError("x")), name="s", retry=NO_RETRY)
    stop = threading.Event()
    pump = threading.Thread(target=notifications_pump, args=(stop,), kwargs={"interval": 0.02})
    pump.start()
    try:
        batch = run_batch(wf)
        [message] = slack_server.wait_for_messages(1)
    finally:
        stop.set()
        pump.join(timeout=10)
    assert batch.id in message["text"]
    assert not pump.is_alive()
