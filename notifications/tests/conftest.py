"""A Slack-like incoming-webhook server and an SMTP server, both on 127.0.0.1, per test."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SECRET_PATH = "/services/T0TEST/B0TEST/s3cr3tW3bh00kT0k3n"


class SlackLike(ThreadingHTTPServer):
    """Answers like Slack's incoming webhooks (200 "ok", 400 "no_text", 404 "no_service").

    ``fail_next(n, status, retry_after=...)`` makes the next ``n`` posts fail that way;
    ``delay`` slows every answer. ``requests`` has every post, ``messages`` the accepted ones.
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.messages: list[dict] = []
        self.failures: deque[tuple[int, str | None]] = deque()
        self.delay = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{SECRET_PATH}"

    def fail_next(self, count: int, status: int, *, retry_after: str | None = None) -> None:
        with self.lock:
            self.failures.extend([(status, retry_after)] * count)

    def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.messages)} Slack messages within {timeout}s, not {count}")


class _Handler(BaseHTTPRequestHandler):
    server: SlackLike

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._answer(405, "invalid_method")

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.server.delay:
            time.sleep(self.server.delay)
        with self.server.lock:
            self.server.requests.append({"path": self.path, "body": raw})
            failure = self.server.failures.popleft() if self.server.failures else None
        if self.path != SECRET_PATH:
            return self._answer(404, "no_service")
        if failure is not None:
            status, retry_after = failure
            headers = {"Retry-After": retry_after} if retry_after is not None else {}
            return self._answer(
                status, "rate_limited" if status == 429 else "rollup_error", headers
            )
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return self._answer(400, "invalid_payload")
        try:
            payload = json.loads(raw)
        except ValueError:
            return self._answer(400, "invalid_payload")
        if not isinstance(payload, dict) or not str(payload.get("text") or "").strip():
            return self._answer(400, "no_text")
        with self.server.lock:
            self.server.messages.append(payload)
        self._answer(200, "ok")

    def _answer(self, status: int, body: str, headers: dict | None = None) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def slack_server():
    server = SlackLike()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"to": list(envelope.rcpt_tos), "message": parsed})
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """An SMTP server the settings point at; ``.messages`` holds what it accepted."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ready_timeout=5)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_TIMEOUT = 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "yooini@example.test"
    settings.YOOINI_PUBLIC_URL = "https://ops.example.test"
    controller.inbox = inbox
    yield controller
    controller.stop()


@pytest.fixture
def channels(slack_server, smtp_server):
    """``channels(**overrides)``: one Slack and one email channel, created with the service."""
    from notifications.services import channel_create

    def make(prefix: str = "ops", **overrides):
        slack = channel_create(
            name=f"{prefix}-slack", kind="slack", webhook_url=slack_server.url, **overrides
        )
        email = channel_create(
            name=f"{prefix}-mail", kind="email", recipients="ops@example.test", **overrides
        )
        return slack, email

    return make
