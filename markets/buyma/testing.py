"""A local BUYMA Personal Shopper API that enforces the contract, for tests (ours and others').

``BuymaContractServer`` is a ``ThreadingHTTPServer`` on 127.0.0.1, port 0, in a daemon thread.
It checks what BUYMA checks, with the same validator the service uses before sending
(``markets.buyma.contract``), so a client that forgets a header, a token refresh or a required
field fails here as it would in production::

    from markets.buyma.testing import BuymaContractServer

    with BuymaContractServer() as server:
        credentials = server.issue_tokens()      # client_id/secret, access/refresh tokens
        account = market_account_create(name="shop", settings={**BASE, "base_url":
                                         server.base_url}, credentials=credentials,
                                         dry_run=False)
        listing_publish(account=account, content=content)
        assert server.creates[content.reference_number] == 1
        assert server.duplicates == 0
        server.deliver_webhooks(f"{live_server_url}/hooks/buyma/shop/")

What it serves:

- ``POST /oauth/token`` (form: ``grant_type=refresh_token``, ``refresh_token``, ``client_id``,
  ``client_secret``): new access token (``expires_in`` = ``token_ttl``) and a new refresh
  token; the old refresh token stops working. 401 ``invalid_client``, 400 ``invalid_grant``.
- ``POST /api/v1/products.json`` and ``POST /api/v1/products/variants.json``: header
  ``X-Buyma-Personal-Shopper-Api-Access-Token`` required (401 when missing, unknown or
  expired); 422 ``{"errors": {field: [messages]}}`` for a body the contract refuses, for a
  create of a reference number it already has ("has already been taken"), an update of one it
  does not have ("was not found"), or a changed fixed-once-published field; 201
  ``{"request_uid": ...}`` when accepted. A create is a body without ``id`` carrying the
  creation fields (``contract.is_create``).
- Faults on demand: ``throttle(times, retry_after)`` answers the next product calls 429 with
  ``Retry-After``; ``budget`` (accepted product calls) answers 429 beyond it with
  ``Retry-After: 3600``; ``fail_next(status, times)`` answers 5xx; ``fail_async(reference,
  errors)`` accepts the next request for that reference number and then reports
  ``product/fail_to_create`` (or ``fail_to_update``) by webhook.

What it records (read under ``server.lock`` or after the calls): ``creates`` (a Counter of
successful creates per reference number; ``duplicates`` is how many went beyond one),
``products`` (reference number -> the product as held, with ``id`` and ``status``),
``hits`` (method, path, status of every call), ``bodies`` (the JSON bodies received).

Webhooks: every outcome is queued as ``(event, body)`` in ``webhooks`` and signed as BUYMA
signs them (``X-Buyma-Hmac-Sha256`` = base64 HMAC-SHA256 of the raw body with
``webhook_secret``, by default the client secret). ``deliver_webhooks(url)`` posts the queued
ones (returns the answers' status codes); with ``webhook_url`` and ``auto_deliver=True`` they
are posted from a background thread right after the answer, as BUYMA does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx

from . import contract
from .api import PRODUCTS_PATH, TOKEN_HEADER, TOKEN_PATH, VARIANTS_PATH

_TOKYO = ZoneInfo("Asia/Tokyo")
_EDITABLE_SKIP = ("control", "id", "reference_number", *contract.FIXED_ONCE_PUBLISHED)


class BuymaContractServer:
    """See the module docstring. Start on enter, stop on exit."""

    # What BUYMA knows, kept between processes by ``markets.contract_server.state_save``.
    persistent = (
        "creates",
        "products",
        "client_id",
        "client_secret",
        "webhook_secret",
        "_access",
        "_refresh",
        "_ids",
    )

    def __init__(
        self,
        *,
        client_id: str = "test-client-id",
        client_secret: str | None = None,
        webhook_secret: str | None = None,
        webhook_url: str | None = None,
        auto_deliver: bool = False,
        token_ttl: float = 3600.0,
        budget: int | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret or "cs-" + secrets.token_hex(12)
        self.webhook_secret = webhook_secret or self.client_secret
        self.webhook_url = webhook_url
        self.auto_deliver = auto_deliver
        self.token_ttl = token_ttl
        self.budget = budget
        self._today = today or (lambda: datetime.now(_TOKYO).date())
        self.lock = threading.RLock()
        self.creates: Counter[str] = Counter()
        self.products: dict[str, dict[str, Any]] = {}
        self.hits: list[tuple[str, str, int]] = []
        self.bodies: list[tuple[str, Any]] = []
        self.webhooks: list[tuple[str, bytes]] = []
        self.delivered: list[tuple[str, int]] = []
        self._access: dict[str, float] = {}
        self._refresh: set[str] = set()
        self._ids = 100000000
        self._throttle: list[float] = []
        self._faults: list[int] = []
        self._async_failures: dict[str, dict[str, list[str]]] = {}
        self._accepted = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.app = self  # type: ignore[attr-defined]
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._senders: list[threading.Thread] = []

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> BuymaContractServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        for sender in list(self._senders):
            sender.join(timeout=5)
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    # --- knobs ----------------------------------------------------------------------------

    def issue_tokens(self) -> dict[str, str]:
        """Credentials for an account: client id/secret and a fresh token pair (as after the
        OAuth authorization step), with ``token_expires_at``."""
        with self.lock:
            access, refresh = self._new_tokens()
        expires = datetime.fromtimestamp(self._access[access]).astimezone().isoformat()
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "access_token": access,
            "refresh_token": refresh,
            "token_expires_at": expires,
        }

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working (as after ``token_ttl``)."""
        with self.lock:
            self._access = dict.fromkeys(self._access, 0.0)

    def throttle(self, times: int = 1, retry_after: float = 1) -> None:
        """Answer the next ``times`` product calls 429 with ``Retry-After: retry_after``."""
        with self.lock:
            self._throttle += [retry_after] * times

    def fail_next(self, status: int = 503, times: int = 1) -> None:
        with self.lock:
            self._faults += [status] * times

    def fail_async(self, reference_number: str, errors: dict[str, list[str]]) -> None:
        """Accept the next request for ``reference_number``, then report it failed by webhook."""
        with self.lock:
            self._async_failures[reference_number] = errors

    @property
    def duplicates(self) -> int:
        with self.lock:
            return sum(count - 1 for count in self.creates.values() if count > 1)

    def deliver_webhooks(self, url: str | None = None) -> list[int]:
        """Post every queued webhook to ``url`` (or ``webhook_url``); the answers' codes."""
        target = url or self.webhook_url
        if not target:
            raise ValueError("no webhook URL: pass one or set webhook_url")
        with self.lock:
            queued, self.webhooks = self.webhooks, []
        return [self._post_webhook(target, event, body) for event, body in queued]

    def sign(self, body: bytes) -> str:
        digest = hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).digest()
        return base64.b64encode(digest).decode("ascii")

    # --- request handling -----------------------------------------------------------------

    def handle(self, method: str, path: str, headers, raw: bytes) -> tuple[int, dict, dict]:
        if method != "POST":
            return 405, {}, {"errors": {"method": ["only POST is served"]}}
        if path == TOKEN_PATH:
            return self._token(raw)
        if path not in (PRODUCTS_PATH, VARIANTS_PATH):
            return 404, {}, {"errors": {"path": [f"{path} is not served"]}}
        token = headers.get(TOKEN_HEADER)
        with self.lock:
            if not token:
                return 401, {}, {"errors": {"access_token": ["is missing"]}}
            if self._access.get(token, 0.0) <= time.time():
                return 401, {}, {"errors": {"access_token": ["is invalid or expired"]}}
            if self._throttle:
                wait = self._throttle.pop(0)
                return 429, {"Retry-After": f"{wait:g}"}, {"errors": {"base": ["rate limited"]}}
            if self._faults:
                return self._faults.pop(0), {}, {"errors": {"base": ["internal error"]}}
            if self.budget is not None and self._accepted >= self.budget:
                return 429, {"Retry-After": "3600"}, {"errors": {"base": ["daily limit"]}}
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            return 400, {}, {"errors": {"base": ["body is not JSON"]}}
        with self.lock:
            self.bodies.append((path, body))
        product = body.get("product") if isinstance(body, dict) else None
        if not isinstance(product, dict):
            return 422, {}, {"errors": {"product": ["must be an object"]}}
        with self.lock:
            if path == VARIANTS_PATH:
                return self._variants(product)
            return self._product(product)

    def _product(self, p: dict[str, Any]) -> tuple[int, dict, dict]:
        today = self._today()
        if contract.is_create(p):
            reference = p.get("reference_number")
            if reference in self.products:
                return _rejected({"reference_number": [contract.TAKEN]})
            errors = contract.product_errors(p, today=today, existing=None)
            if errors:
                return _rejected(errors)
            uid = self._accept()
            if reference in self._async_failures:
                errors = self._async_failures.pop(reference)
                self._queue(
                    "product/fail_to_create",
                    {"request_uid": uid, "reference_number": reference, "errors": errors},
                )
                return 201, {}, {"request_uid": uid}
            self._ids += 1
            held = {k: v for k, v in p.items() if k != "control"}
            held.update(id=self._ids, status="public")
            self.products[reference] = held
            self.creates[reference] += 1
            self._queue("product/create", self._event_body(held, uid))
            return 201, {}, {"request_uid": uid}
        held = self._find(p)
        if isinstance(held, tuple):
            return held
        errors = contract.product_errors(p, today=today, existing=held)
        if errors:
            return _rejected(errors)
        uid = self._accept()
        reference = held["reference_number"]
        if reference in self._async_failures:
            errors = self._async_failures.pop(reference)
            self._queue(
                "product/fail_to_update",
                {
                    "request_uid": uid,
                    "reference_number": reference,
                    "id": held["id"],
                    "errors": errors,
                },
            )
            return 201, {}, {"request_uid": uid}
        for key, value in p.items():
            if key not in _EDITABLE_SKIP:
                held[key] = value
        control = p.get("control")
        held["status"] = {"suspend": "suspended", "delete": "deleted"}.get(control, "public")
        self._queue("product/update", self._event_body(held, uid))
        return 201, {}, {"request_uid": uid}

    def _variants(self, p: dict[str, Any]) -> tuple[int, dict, dict]:
        held = self._find(p)
        if isinstance(held, tuple):
            return held
        errors = contract.variants_errors(p, existing=held)
        if errors:
            return _rejected(errors)
        uid = self._accept()
        held["variants"] = p["variants"]
        held["order_quantity"] = p.get("order_quantity", held.get("order_quantity"))
        if all(v.get("stock_type") == "out_of_stock" for v in p["variants"]):
            held["status"] = "soldout"
        elif held.get("status") == "soldout":
            held["status"] = "public"
        self._queue("product/update", self._event_body(held, uid))
        return 201, {}, {"request_uid": uid}

    def _find(self, p: dict[str, Any]) -> dict[str, Any] | tuple[int, dict, dict]:
        if p.get("id") not in (None, ""):
            for held in self.products.values():
                if str(held["id"]) == str(p["id"]):
                    return held
            return _rejected({"id": [contract.NOT_FOUND]})
        reference = p.get("reference_number")
        if reference in (None, ""):
            return _rejected({"identity_requirements": ["id or reference_number is required"]})
        held = self.products.get(reference)
        if held is None:
            return _rejected({"reference_number": [contract.NOT_FOUND]})
        return held

    def _accept(self) -> str:
        self._accepted += 1
        return "req-" + secrets.token_hex(8)

    @staticmethod
    def _event_body(held: dict[str, Any], uid: str) -> dict[str, Any]:
        return {
            "id": held["id"],
            "reference_number": held["reference_number"],
            "status": held["status"],
            "name": held.get("name"),
            "price": held.get("price"),
            "request_uid": uid,
        }

    def _token(self, raw: bytes) -> tuple[int, dict, dict]:
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        with self.lock:
            if form.get("client_id") != self.client_id or not hmac.compare_digest(
                form.get("client_secret", ""), self.client_secret
            ):
                return 401, {}, {"error": "invalid_client"}
            if form.get("grant_type") != "refresh_token":
                return 400, {}, {"error": "unsupported_grant_type"}
            refresh = form.get("refresh_token", "")
            if refresh not in self._refresh:
                return 400, {}, {"error": "invalid_grant"}
            self._refresh.discard(refresh)
            access, new_refresh = self._new_tokens()
        return (
            200,
            {},
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": int(self.token_ttl),
                "refresh_token": new_refresh,
                "created_at": int(time.time()),
            },
        )

    def _new_tokens(self) -> tuple[str, str]:
        access, refresh = "at-" + secrets.token_hex(16), "rt-" + secrets.token_hex(16)
        self._access[access] = time.time() + self.token_ttl
        self._refresh.add(refresh)
        return access, refresh

    def _queue(self, event: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        if self.auto_deliver and self.webhook_url:
            sender = threading.Thread(
                target=self._post_later, args=(self.webhook_url, event, body), daemon=True
            )
            self._senders.append(sender)
            sender.start()
        else:
            self.webhooks.append((event, body))

    def _post_later(self, url: str, event: str, body: bytes) -> None:
        time.sleep(0.05)  # after the answer, as BUYMA does: the request_uid is recorded first
        self._post_webhook(url, event, body)

    def _post_webhook(self, url: str, event: str, body: bytes) -> int:
        headers = {
            "Content-Type": "application/json",
            "X-Buyma-Event": event,
            "X-Buyma-Hmac-Sha256": self.sign(body),
        }
        try:
            status = httpx.post(url, content=body, headers=headers, timeout=5.0).status_code
        except httpx.HTTPError:
            status = 0
        with self.lock:
            self.delivered.append((event, status))
        return status


def _rejected(errors: dict[str, list[str]]) -> tuple[int, dict, dict]:
    return 422, {}, {"errors": errors}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        app: BuymaContractServer = self.server.app  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        status, headers, payload = app.handle(self.command, path, self.headers, raw)
        with app.lock:
            app.hits.append((self.command, path, status))
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args) -> None:  # quiet
        return


def sample_market() -> tuple[BuymaContractServer, Callable[[], tuple[dict, dict]]]:
    """The server ``yooini sample --markets buyma`` runs, and how its account is made of it:
    (settings, credentials) once the server is started."""
    server = BuymaContractServer()
    return server, lambda: ({"base_url": server.base_url}, server.issue_tokens())
