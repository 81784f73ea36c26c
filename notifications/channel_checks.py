"""What makes a notification channel savable, by field, from its values alone (no model
import: the model's ``clean`` and the services both use it)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from .kinds import EMAIL, EVENT_KINDS, SLACK


def channel_errors(channel: Any) -> dict[str, str]:
    """What is wrong with a channel, by field; empty when it can be saved. Never echoes a URL."""
    errors: dict[str, str] = {}
    if channel.kind == SLACK:
        if not channel.webhook_url:
            errors["webhook_url"] = "A Slack channel needs its incoming webhook URL."
        else:
            try:
                URLValidator(schemes=["http", "https"])(channel.webhook_url)
            except ValidationError:
                errors["webhook_url"] = "Enter a valid http(s) URL (https://hooks.slack.com/…)."
    elif channel.kind == EMAIL:
        addresses = channel.recipient_list()
        if not addresses:
            errors["recipients"] = "An email channel needs at least one recipient."
        bad = [a for a in addresses if not _is_email(a)]
        if bad:
            errors["recipients"] = "Not email addresses: " + ", ".join(bad)
    kinds = channel.event_kinds
    if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
        errors["event_kinds"] = "A non-empty list of event kinds."
    else:
        unknown = sorted(set(kinds) - set(EVENT_KINDS))
        if unknown:
            errors["event_kinds"] = (
                f"Unknown event kinds: {', '.join(unknown)} (known: {', '.join(EVENT_KINDS)})."
            )
    return errors


def _is_email(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True
