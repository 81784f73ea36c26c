"""Email through the SMTP server of the settings (``YOOINI_SMTP_*``, ``YOOINI_MAIL_FROM``)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from .failures import SendFailed
from .messages import Message


def email_send(recipients: list[str], message: Message) -> None:
    """Send ``message`` to ``recipients``; returns when the SMTP server accepted it.

    Raises ``SendFailed``: ``permanent`` when the server refused with a 5xx code (a bad
    address, a rejected message), otherwise (server down, timeout, 4xx) worth retrying.
    The text names the server but never the password.
    """
    if not recipients:
        raise SendFailed("the channel has no email recipients", permanent=True)
    server = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    email = EmailMessage(
        subject=" ".join(message.subject.split()),
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise SendFailed(
            f"the SMTP server {server} refused the recipients: "
            + ", ".join(f"{addr} ({code})" for addr, (code, _) in exc.recipients.items()),
            permanent=all(code >= 500 for code in codes),
        ) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise SendFailed(
            f"the SMTP server {server} refused the login ({exc.smtp_code}): check"
            " YOOINI_SMTP_USER and YOOINI_SMTP_PASSWORD"
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise SendFailed(
            f"the SMTP server {server} answered {exc.smtp_code}: {_text(exc.smtp_error)}",
            permanent=exc.smtp_code >= 500,
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise SendFailed(
            f"could not send through the SMTP server {server}: {type(exc).__name__}: {exc}"
        ) from None


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return text.strip()[:200]
