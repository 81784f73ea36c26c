"""Channels: validation, the admin (the webhook URL never comes back), ``yooini notify``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from notifications.messages import Message
from notifications.models import DEFAULT_EVENT_KINDS, Channel, Delivery
from notifications.services import channel_create
from notifications.slack import slack_payload, webhook_masked
from orchestrator.services.events import event_emit

SECRET = "s3cr3tW3bh00kT0k3n"


def test_a_new_channel_gets_the_default_kinds(db):
    channel = channel_create(name="mail", kind="email", recipients="a@example.test, b@example.test")
    assert channel.event_kinds == list(DEFAULT_EVENT_KINDS)
    assert "batch.completed" not in channel.event_kinds
    assert channel.recipient_list() == ["a@example.test", "b@example.test"]


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        (
            {"kind": "email", "recipients": "ops@example.test, not-an-address"},
            "recipients",
            "not-an-address",
        ),
        ({"kind": "email", "recipients": ""}, "recipients", "at least one"),
        ({"kind": "slack"}, "webhook_url", "needs its incoming webhook URL"),
        ({"kind": "slack", "webhook_url": f"ftp://hooks.example/{SECRET}"}, "webhook_url", "valid"),
        (
            {
                "kind": "slack",
                "webhook_url": "https://hooks.slack.com/x",
                "event_kinds": ["batch.exploded"],
            },
            "event_kinds",
            "batch.exploded",
        ),
    ],
)
def test_invalid_channels_are_refused_without_echoing_the_url(db, fields, field, text):
    with pytest.raises(ValidationError) as refused:
        channel_create(name="bad", **fields)
    errors = refused.value.message_dict
    assert field in errors and text in " ".join(errors[field])
    assert SECRET not in str(errors)


def test_masking_keeps_only_scheme_and_host():
    assert webhook_masked(f"https://hooks.slack.com/services/T0/B0/{SECRET}") == (
        "https://hooks.slack.com/…"
    )
    assert webhook_masked("") == ""


def test_slack_text_escapes_markup():
    payload = slack_payload(Message("a <b> & c", "reason: <script>"))
    assert payload == {"text": "*a &lt;b&gt; &amp; c*\nreason: &lt;script&gt;"}


def test_admin_shows_the_webhook_masked_and_a_blank_input_keeps_it(client_as, slack_server):
    admin = client_as("admin")
    channel = channel_create(name="ops", kind="slack", webhook_url=slack_server.url)
    listing = admin.get("/admin/notifications/channel/").content.decode()
    change = admin.get(f"/admin/notifications/channel/{channel.pk}/change/").content.decode()
    for page in (listing, change):
        assert SECRET not in page and "http://127.0.0.1/…" in page

    form = {
        "name": "ops",
        "kind": "slack",
        "enabled": "on",
        "workflow": "wf_only",
        "event_kinds": '["batch.failed"]',
        "webhook_url": "",
        "recipients": "",
    }
    response = admin.post(f"/admin/notifications/channel/{channel.pk}/change/", form)
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.webhook_url == slack_server.url and channel.workflow == "wf_only"

    refused = admin.post(
        f"/admin/notifications/channel/{channel.pk}/change/",
        {**form, "webhook_url": f"not a url {SECRET}"},
    )
    assert refused.status_code == 200 and SECRET not in refused.content.decode()
    channel.refresh_from_db()
    assert channel.webhook_url == slack_server.url


def test_admin_lists_deliveries_read_only(client_as, slack_server, manual_clock):
    admin = client_as("admin")
    channel_create(name="ops", kind="slack", webhook_url=slack_server.url)
    event_emit("batch.failed", {"workflow": "w", "totals": {}}, correlation_id="b_9")
    call_command("notify", "--once", stdout=StringIO())
    page = admin.get("/admin/notifications/delivery/?status__exact=SENT")
    assert page.status_code == 200 and "batch.failed" in page.content.decode()
    assert SECRET not in page.content.decode()
    assert admin.get("/admin/notifications/delivery/add/").status_code == 403

    slack_server.fail_next(1, 410)
    event_emit("batch.failed", {"workflow": "w", "totals": {}}, correlation_id="b_10")
    call_command("notify", "--once", stdout=StringIO())
    failed = Delivery.objects.get(status="FAILED")
    assert "channel is archived" in failed.last_error
    admin.post(
        "/admin/notifications/delivery/",
        {"action": "send_again", "_selected_action": [str(failed.pk)]},
    )
    call_command("notify", "--once", stdout=StringIO())
    failed.refresh_from_db()
    assert failed.status == "SENT" and failed.attempts == 1


@pytest.mark.usefixtures("db", "manual_clock")
def test_notify_once_collects_sends_and_prints_counts(slack_server, smtp_server):
    channel_create(name="ops", kind="slack", webhook_url=slack_server.url)
    channel_create(name="mail", kind="email", recipients="ops@example.test")
    event_emit("batch.failed", {"workflow": "w", "totals": {"ERROR": 1}}, correlation_id="b_1")
    out = StringIO()
    call_command("notify", "--once", stdout=out)
    assert out.getvalue().strip() == "collected 2, sent 2, retrying 0, failed 0"
    out = StringIO()
    call_command("notify", "--once", stdout=out)
    assert out.getvalue().strip() == "collected 0, sent 0, retrying 0, failed 0"
    assert Delivery.objects.filter(status="SENT").count() == 2


@pytest.mark.usefixtures("db")
def test_notify_test_reports_success_or_the_error(slack_server, smtp_server):
    channel_create(name="ops", kind="slack", webhook_url=slack_server.url, enabled=False)
    channel_create(name="mail", kind="email", recipients="ops@example.test")
    out = StringIO()
    call_command("notify", "--test", "ops", stdout=out)
    assert "sent a test message to ops (slack)" in out.getvalue()
    assert "Test notification" in slack_server.messages[0]["text"]
    call_command("notify", "--test", "mail", stdout=out)
    assert smtp_server.inbox.messages[0]["message"]["Subject"] == "[yooini] Test notification"

    slack_server.fail_next(1, 403)
    with pytest.raises(CommandError) as failed:
        call_command("notify", "--test", "ops")
    assert "HTTP 403" in str(failed.value) and SECRET not in str(failed.value)
    with pytest.raises(CommandError, match="no channel 'nope'"):
        call_command("notify", "--test", "nope")
    assert Channel.objects.count() == 2
