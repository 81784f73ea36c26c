"""Local HTTP servers on 127.0.0.1 that enforce the OpenAI and Anthropic API contracts.

The providers are tested through the real SDKs against these, so a wrong path, header or body
fails here as it would against the real API. What each checks, from the published references:

- ``OpenAIServer`` (https://platform.openai.com/docs/api-reference/chat/create,
  https://platform.openai.com/docs/guides/error-codes): ``POST /v1/chat/completions``;
  ``Authorization: Bearer <key>`` or 401 ``invalid_api_key`` (the message quotes the key given,
  as the real one quotes part of it, so a leak would show); JSON body with ``model`` and a
  non-empty ``messages`` list of ``{role, content}`` or 400 ``missing_required_parameter``.
- ``AnthropicServer`` (https://docs.anthropic.com/en/api/messages,
  https://docs.anthropic.com/en/api/versioning, https://docs.anthropic.com/en/api/errors):
  ``POST /v1/messages``; the key in ``x-api-key`` (as the reference describes) or in
  ``Authorization: Bearer`` (what the installed SDK, 2.12, sends for an API key), else 401
  ``authentication_error``; ``anthropic-version`` (a known version) or 400; body with ``model``, integer ``max_tokens`` >= 1 and ``messages``
  starting with a ``user`` turn, or 400 ``invalid_request_error``; errors as
  ``{"type": "error", "error": {"type", "message"}}``.

``faults`` are answered one per request (after the checks, as the real services authenticate
first): e.g. ``(429, {"retry-after": "1"})`` once. ``reply(user_content, body)`` makes the
answer text; the default is a stand-in model that applies the glossary sent in the prompt.
Every request is kept in ``requests`` (path, headers, parsed body, status).
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[[str, dict], str]
# Published versions, plus the one the installed SDK (2.12) pins: a newer SDK that sends another
# fails here first, on purpose.
ANTHROPIC_VERSIONS = {"2023-01-01", "2023-06-01", "2026-10-21"}


def glossary_model(user_content: str, body: dict) -> str:
    """A stand-in model: reads the ``{"glossary", "texts"}`` prompt and replaces glossary
    terms, longest first; what it does not know stays Korean (so it needs a person)."""
    prompt = json.loads(user_content)
    terms = sorted(prompt["glossary"].items(), key=lambda kv: -len(kv[0]))
    out = []
    for text in prompt["texts"]:
        for key, value in terms:
            text = re.sub(r"\s+".join(map(re.escape, key.split())), value, text)
        out.append(text)
    return json.dumps(out, ensure_ascii=False)


class ContractServer:
    path = ""

    def __init__(
        self,
        *,
        api_key: str,
        faults: tuple[tuple[int, dict[str, str]], ...] = (),
        reply: Reply = glossary_model,
    ) -> None:
        self.api_key = api_key
        self.faults = deque(faults)
        self.reply = reply
        self.stop_reason: str | None = None  # overrides the normal one (cut-off tests)
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.app = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def statuses(self) -> list[int]:
        with self.lock:
            return [r["status"] for r in self.requests]

    def bodies(self) -> list[dict]:
        with self.lock:
            return [r["body"] for r in self.requests if r["status"] == 200]

    def answer(self, method: str, path: str, headers: dict[str, str], raw: bytes):
        if method != "POST" or path != self.path:
            return self.not_found(method, path)
        denied = self.check_auth(headers)
        if denied:
            return denied
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            return self.invalid("the body is not valid JSON", None)
        if not isinstance(body, dict):
            return self.invalid("the body must be a JSON object", None)
        rejected = self.check_body(headers, body)
        if rejected:
            return rejected
        with self.lock:
            fault = self.faults.popleft() if self.faults else None
        if fault:
            return self.fault(*fault)
        return self.success(body)

    # filled in by each API
    def not_found(self, method, path): ...
    def check_auth(self, headers): ...
    def invalid(self, message, param): ...
    def check_body(self, headers, body): ...
    def fault(self, status, headers): ...
    def success(self, body): ...


class OpenAIServer(ContractServer):
    path = "/v1/chat/completions"
    ROLES = {"system", "developer", "user", "assistant", "tool"}

    def not_found(self, method, path):
        return 404, {}, _error(f"Invalid URL ({method} {path})", "invalid_request_error", None)

    def check_auth(self, headers):
        given = headers.get("authorization", "")
        if given == f"Bearer {self.api_key}":
            return None
        message = f"Incorrect API key provided: {given.removeprefix('Bearer ')}."
        return 401, {}, _error(message, "invalid_request_error", "invalid_api_key")

    def invalid(self, message, param):
        return 400, {}, _error(message, "invalid_request_error", "invalid_request", param)

    def check_body(self, headers, body):
        for field in ("model", "messages"):
            if field not in body:
                return (
                    400,
                    {},
                    _error(
                        f"Missing required parameter: '{field}'.",
                        "invalid_request_error",
                        "missing_required_parameter",
                        field,
                    ),
                )
        if not isinstance(body["model"], str) or not body["model"]:
            return self.invalid("'model' must be a non-empty string", "model")
        messages = body["messages"]
        if not isinstance(messages, list) or not messages:
            return self.invalid("'messages' must be a non-empty array", "messages")
        for index, message in enumerate(messages):
            if not isinstance(message, dict) or message.get("role") not in self.ROLES:
                return self.invalid(f"Invalid 'messages[{index}].role'", f"messages[{index}]")
            if not isinstance(message.get("content"), str | list):
                return self.invalid(f"Missing 'messages[{index}].content'", f"messages[{index}]")
        if "max_tokens" in body and "max_completion_tokens" in body:
            return self.invalid("use max_completion_tokens, not both", "max_tokens")
        return None

    def fault(self, status, headers):
        kinds = {429: ("Rate limit reached for requests", "requests", "rate_limit_exceeded")}
        message, kind, code = kinds.get(status, ("The server had an error", "server_error", None))
        return status, headers, _error(message, kind, code)

    def success(self, body):
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        content = self.reply(user, body)
        return (
            200,
            {},
            {
                "id": "chatcmpl-local",
                "object": "chat.completion",
                "created": 1767225600,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "refusal": None},
                        "logprobs": None,
                        "finish_reason": self.stop_reason or "stop",
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            },
        )


class AnthropicServer(ContractServer):
    path = "/v1/messages"

    def not_found(self, method, path):
        return 404, {}, _anthropic_error("not_found_error", f"{method} {path} not found")

    def check_auth(self, headers):
        bearer = headers.get("authorization", "")
        if headers.get("x-api-key") == self.api_key or bearer == f"Bearer {self.api_key}":
            return None
        return 401, {}, _anthropic_error("authentication_error", "invalid x-api-key")

    def invalid(self, message, param):
        return 400, {}, _anthropic_error("invalid_request_error", message)

    def check_body(self, headers, body):
        version = headers.get("anthropic-version")
        if not version:
            return self.invalid("anthropic-version: header is required", None)
        if version not in ANTHROPIC_VERSIONS:
            return self.invalid(f"anthropic-version: unknown version {version!r}", None)
        for field in ("model", "max_tokens", "messages"):
            if field not in body:
                return self.invalid(f"{field}: Field required", field)
        if not isinstance(body["model"], str) or not body["model"]:
            return self.invalid("model: must be a non-empty string", "model")
        max_tokens = body["max_tokens"]
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
            return self.invalid("max_tokens: must be an integer >= 1", "max_tokens")
        messages = body["messages"]
        if not isinstance(messages, list) or not messages:
            return self.invalid("messages: at least one message is required", "messages")
        if messages[0].get("role") != "user":
            return self.invalid("messages: the first message must use the user role", "messages")
        for index, message in enumerate(messages):
            if message.get("role") not in ("user", "assistant"):
                return self.invalid(f"messages.{index}.role: must be user or assistant", None)
            if not isinstance(message.get("content"), str | list):
                return self.invalid(f"messages.{index}.content: Field required", None)
        if "system" in body and not isinstance(body["system"], str | list):
            return self.invalid("system: must be a string or a list of text blocks", "system")
        return None

    def fault(self, status, headers):
        kinds = {
            429: ("rate_limit_error", "Number of requests has exceeded your rate limit"),
            529: ("overloaded_error", "Overloaded"),
        }
        kind, message = kinds.get(status, ("api_error", "Internal server error"))
        return status, headers, _anthropic_error(kind, message)

    def success(self, body):
        content = body["messages"][0]["content"]
        if isinstance(content, list):
            content = "".join(b.get("text", "") for b in content if b.get("type") == "text")
        text = self.reply(content, body)
        return (
            200,
            {},
            {
                "id": "msg_local",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": [{"type": "text", "text": text}],
                "stop_reason": self.stop_reason or "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 10, "output_tokens": 10},
            },
        )


def _error(message: str, kind: str, code: str | None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def _anthropic_error(kind: str, message: str) -> dict:
    return {"type": "error", "error": {"type": kind, "message": message}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # an idle keep-alive connection must not hold a thread forever
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        app: ContractServer = self.server.app  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = self.path.split("?", 1)[0]
        status, extra, data = app.answer(self.command, path, headers, raw)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with app.lock:
            app.requests.append({"path": path, "headers": headers, "body": body, "status": status})
        payload = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: keeps test output clean."""
