"""Slack incoming webhooks: one JSON POST per message.

The contract, from Slack's documentation (https://api.slack.com/messaging/webhooks; the error
codes: https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks;
rate limits: https://api.slack.com/docs/rate-limits): POST ``application/json`` with a
``text``; success is HTTP 200 with the body ``ok``. 400 ``invalid_payload``/``no_text``,
403 ``action_prohibited``, 404 ``channel_not_found``/``no_service`` and 410
``channel_is_archived`` fail the same way every time, so they are not retried; 429 carries
``Retry-After`` (seconds) and 5xx (``rollup_error``) may pass later, so those are.

The webhook URL is the credential: it never reaches an error message or a log line (httpx
logs every request's URL at INFO, so its records are masked while we post).
"""

from __future__ import annotations

import contextvars
import logging
from urllib.parse import urlsplit

import httpx

from orchestrator.core.clock import get_clock
from yooini.retry_after import parse_retry_after

from .failures import SendFailed
from .messages import Message

TIMEOUT = 10.0
BODY_KEPT = 200
RETRYABLE_STATUS = {408, 425, 429}
HINTS = {
    400: "the message was refused",
    403: "posting is prohibited for this webhook",
    404: "check the webhook URL (revoked or mistyped)",
    410: "the Slack channel is archived",
}

_posting: contextvars.ContextVar[str] = contextvars.ContextVar("slack_posting", default="")


def webhook_masked(url: str) -> str:
    """What may be shown of a webhook URL: its scheme and host, ``https://hooks.slack.com/…``."""
    if not url:
        return ""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return "…"
    return f"{parts.scheme}://{parts.hostname}/…"


def scrub(text: str, url: str) -> str:
    """``text`` with the webhook URL (or its path, which is the secret part) masked."""
    if not url:
        return text
    text = text.replace(url, webhook_masked(url))
    path = urlsplit(url).path
    if len(path) > 1:
        text = text.replace(path, "/…")
    return text


def slack_escape(text: str) -> str:
    """Slack reads ``&``, ``<`` and ``>`` as markup; these three must be escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(message: Message) -> dict:
    return {"text": f"*{slack_escape(message.subject)}*\n{slack_escape(message.body)}"}


def slack_post(url: str, message: Message, *, timeout: float = TIMEOUT) -> None:
    """Post ``message`` to the webhook at ``url``; returns when Slack accepted it.

    Raises ``SendFailed`` (never showing the URL) otherwise: ``permanent`` for the answers
    that trying again cannot change, ``retry_after`` when Slack rate-limited us.
    """
    token = _posting.set(url)
    try:
        response = httpx.post(
            url, json=slack_payload(message), timeout=timeout, follow_redirects=False
        )
    except httpx.TimeoutException:
        raise SendFailed(f"Slack did not answer within {timeout:g}s") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        raise SendFailed("the webhook URL is not a valid http(s) URL", permanent=True) from None
    except httpx.HTTPError as exc:
        raise SendFailed(
            f"could not reach Slack: {type(exc).__name__}: {scrub(str(exc), url)}"
        ) from None
    finally:
        _posting.reset(token)
    if 200 <= response.status_code < 300:
        return
    code = response.status_code
    body = scrub(response.text.strip()[:BODY_KEPT], url) or "(empty)"
    if code == 429:
        wait = parse_retry_after(response.headers.get("Retry-After"), get_clock().now())
        raise SendFailed(
            f"Slack rate-limited the webhook (HTTP 429, retry after {wait:g}s)"
            if wait is not None
            else "Slack rate-limited the webhook (HTTP 429)",
            retry_after=wait,
        )
    if code >= 500 or code in RETRYABLE_STATUS:
        raise SendFailed(f"Slack answered HTTP {code}: {body}")
    hint = HINTS.get(code, "Slack refused the request")
    raise SendFailed(f"Slack answered HTTP {code}: {body} ({hint})", permanent=True)


class _MaskWebhookUrl(logging.Filter):
    """Masks the URL being posted in httpx's request log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        url = _posting.get()
        if url and isinstance(record.args, tuple):
            record.args = tuple(
                webhook_masked(url) if str(arg) == url else arg for arg in record.args
            )
        return True


_httpx_log = logging.getLogger("httpx")
if not any(isinstance(f, _MaskWebhookUrl) for f in _httpx_log.filters):
    _httpx_log.addFilter(_MaskWebhookUrl())
