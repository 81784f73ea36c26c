"""Real HTTP servers on 127.0.0.1 that enforce the suppliers' contracts, for connector tests.

Each server is a ``ThreadingHTTPServer`` on port 0 in a daemon thread, used as a context
manager by a pytest fixture. They check what the real services check, so a connector that
sends the wrong header, version or variable fails here as it would in production:

- ``RestApi``: bearer token (401 otherwise), page or cursor pagination, ``updated_since``, and
  a fault plan (by default 429 with ``Retry-After`` once, then 503 once); also serves files.
- ``OwnerclanApi``: ``POST /auth`` returns an HS256 JWT as plain text; ``POST /v1/graphql``
  verifies it (signature and expiry), answers ``allItems``, ``items`` and ``itemHistories``,
  and takes orders: ``createOrder`` (item and option known, stock enough, a full recipient,
  else an error with ``extensions.code``), ``allOrders``, ``order(key)``, ``cancelOrder`` (only
  before shipping). ``purchases`` counts orders per note (``duplicates`` beyond one);
  ``lose_answers(n)`` takes the next orders but answers only after ``stall_seconds``;
  ``order_delay`` holds every createOrder answer that long (a window to kill a client in).
- ``DomeggookApi``: ``GET /ssl/api/`` checks ``aid``, ``mode``, ``ver``, ``om`` and ``market`` and
  answers errors the way domeggook does (HTTP 200 with an ``errors`` object).

Not real GraphQL: the server finds the field by name and returns whole nodes whatever the
selection; it does check the arguments and the paging fields the connector must ask for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class LocalServer:
    """Start on enter, stop on exit; ``url`` is ``http://127.0.0.1:<port>``; ``hits`` records
    (method, path, status) of every request."""

    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.app = self  # type: ignore[attr-defined]
        self.hits: list[tuple[str, str, int]] = []
        self.lock = threading.Lock()
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

    def statuses(self, path_prefix: str = "") -> list[int]:
        with self.lock:
            return [status for _, path, status in self.hits if path.startswith(path_prefix)]

    def handle(self, request: _Handler) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # an idle keep-alive connection must not hold a thread forever
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def body(self) -> bytes:
        return self._body

    def query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def _dispatch(self) -> None:
        app: LocalServer = self.server.app  # type: ignore[attr-defined]
        # Read the body even when the answer will not need it (a 401): left unread on a
        # keep-alive connection, it would be parsed as the next request.
        length = int(self.headers.get("Content-Length") or 0)
        self._body = self.rfile.read(length) if length else b""
        status, headers, payload = app.handle(self)
        with app.lock:
            app.hits.append((self.command, urlsplit(self.path).path, status))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: keeps test output clean."""


def _json(status: int, data: Any, headers: dict[str, str] | None = None):
    # ASCII escapes: a lone surrogate in a test's data goes out as a real API would send it.
    payload = json.dumps(data).encode()
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, payload


def _text(status: int, text: str):
    return status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- a JSON REST product API ---------------------------------------------------------------


class RestApi(LocalServer):
    """``GET /v1/products?page&size[&updated_since]`` -> ``{"data": {"items"}, "meta"}``;
    ``GET /v2/products?limit[&cursor][&updated_since]`` -> ``{"items", "paging": {"next"}}``;
    ``GET /files/<name>`` -> a registered file. All need ``Authorization: Bearer <token>``
    (or, with ``query_token``, ``?api_key=<token>``).
    ``faults`` are answered, one per request, before any real answer.
    """

    def __init__(
        self,
        *,
        token: str,
        products: list[dict],
        faults: tuple[tuple[int, dict[str, str]], ...] = (
            (429, {"Retry-After": "1"}),
            (503, {}),
        ),
        files: dict[str, tuple[str, bytes]] | None = None,
        max_page_size: int = 50,
        query_token: bool = False,
    ) -> None:
        super().__init__()
        self.token = token
        self.query_token = query_token
        self.products = sorted(products, key=lambda p: (p.get("updated_at") or "", str(p["id"])))
        self.faults = deque(faults)
        self.files = dict(files or {})
        self.max_page_size = max_page_size

    def handle(self, request: _Handler):
        if self.query_token:  # a supplier that authenticates by ?api_key=
            if request.query().get("api_key") != self.token:
                return _json(401, {"error": "invalid or missing api_key"})
        elif request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json(401, {"error": "invalid or missing bearer token"})
        with self.lock:
            fault = self.faults.popleft() if self.faults else None
        if fault:
            return _json(fault[0], {"error": "try again later"}, fault[1])
        path, query = urlsplit(request.path).path, request.query()
        if path.startswith("/files/") and path[7:] in self.files:
            content_type, content = self.files[path[7:]]
            return 200, {"Content-Type": content_type}, content
        selected = [
            p
            for p in self.products
            if not query.get("updated_since") or p["updated_at"] >= query["updated_since"]
        ]
        if path == "/v1/products":
            try:
                page, size = int(query["page"]), int(query["size"])
            except (KeyError, ValueError):
                return _json(400, {"error": "page and size are required integers"})
            if page < 1 or not 1 <= size <= self.max_page_size:
                return _json(400, {"error": f"page >= 1, 1 <= size <= {self.max_page_size}"})
            items = selected[(page - 1) * size : page * size]
            return _json(
                200, {"data": {"items": items}, "meta": {"page": page, "total": len(selected)}}
            )
        if path == "/v2/products":
            try:
                limit = int(query["limit"])
                start = int(_unb64(query["cursor"]).decode()) if query.get("cursor") else 0
            except (KeyError, ValueError):
                return _json(400, {"error": "limit is required; cursor must be one we gave"})
            end = start + limit
            following = _b64(str(end).encode()) if end < len(selected) else None
            return _json(200, {"items": selected[start:end], "paging": {"next": following}})
        return _json(404, {"error": f"no route {path}"})


# --- ownerclan: login and GraphQL ----------------------------------------------------------


class OwnerclanApi(LocalServer):
    """``POST /auth`` and ``POST /v1/graphql`` as ownerclan answers them (see the connector)."""

    def __init__(
        self,
        *,
        username: str,
        password: str,
        items: list[dict],
        histories: list[dict] = (),
        max_first: int = 100,
    ) -> None:
        super().__init__()
        self.username = username
        self.password = password
        self.items = list(items)
        self.histories = list(histories)
        self.max_first = max_first
        self.secret = os.urandom(32)
        self.logins = 0
        self.rejected_tokens = 0
        self.orders: dict[str, dict] = {}
        self.purchases: Counter[str] = Counter()
        self.stall_seconds = 3.0
        self.order_delay = 0.0
        self._lose = 0

    def rotate_secret(self) -> None:
        """Invalidate every token issued so far (as a password change or expiry would)."""
        self.secret = os.urandom(32)

    @property
    def duplicates(self) -> int:
        with self.lock:
            return sum(n - 1 for n in self.purchases.values() if n > 1)

    def lose_answers(self, times: int = 1) -> None:
        with self.lock:
            self._lose += times

    def ship(self, key: str, company: str = "CJGLS", number: str = "640012345678") -> None:
        with self.lock:
            self.orders[key].update(
                status="SHIPPED", shippingCompany=company, trackingNumber=number
            )

    def handle(self, request: _Handler):
        path = urlsplit(request.path).path
        if request.command == "POST" and path == "/auth":
            return self._auth(request)
        if request.command == "POST" and path == "/v1/graphql":
            return self._graphql(request)
        return _text(404, "not found")

    def _auth(self, request: _Handler):
        try:
            data = json.loads(request.body())
        except ValueError:
            return _text(400, "body must be JSON")
        if data.get("service") != "ownerclan" or data.get("userType") != "seller":
            return _text(400, "service must be ownerclan and userType seller")
        if data.get("username") != self.username or data.get("password") != self.password:
            return _text(401, "invalid username or password")
        with self.lock:
            self.logins += 1
        return _text(200, self.issue())

    def issue(self, *, expires_in: int = 3600) -> str:
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {
            "sub": self.username,
            "iat": int(time.time()),
            "exp": int(time.time()) + expires_in,
        }
        payload = _b64(json.dumps(claims).encode())
        signature = hmac.new(self.secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"

    def _valid(self, token: str) -> bool:
        try:
            header, payload, signature = token.split(".")
            expected = hmac.new(self.secret, f"{header}.{payload}".encode(), hashlib.sha256)
            claims = json.loads(_unb64(payload))
        except ValueError:
            return False
        return (
            hmac.compare_digest(_b64(expected.digest()), signature) and claims["exp"] > time.time()
        )

    def _graphql(self, request: _Handler):
        auth = request.headers.get("Authorization") or ""
        if not auth.startswith("Bearer ") or not self._valid(auth[7:]):
            with self.lock:
                self.rejected_tokens += 1
            return _json(401, {"errors": [{"message": "invalid or expired token"}]})
        try:
            body = json.loads(request.body())
            query, variables = body["query"], body.get("variables") or {}
        except (ValueError, KeyError, TypeError):
            return _json(400, {"errors": [{"message": "body must be {query, variables}"}]})
        if re.search(r"\bcreateOrder\s*\(", query):
            return self._create_order(variables)
        if re.search(r"\bcancelOrder\s*\(", query):
            return self._cancel_order(variables)
        if re.search(r"\ballOrders\s*\(", query):
            since = variables.get("dateFrom") or 0
            with self.lock:
                held = [dict(o) for o in self.orders.values() if o["createdAt"] >= since]
            return self._connection(query, variables, "allOrders", held)
        if re.search(r"\border\s*\(", query):
            with self.lock:
                held = self.orders.get(str(variables.get("key")))
            return _json(200, {"data": {"order": dict(held) if held else None}})
        if re.search(r"\ballItems\s*\(", query):
            return self._connection(query, variables, "allItems", self.items)
        if re.search(r"\bitemHistories\s*\(", query):
            if not re.search(r"kind:\s*OUT_OF_STOCK\b", query):
                return _json(200, {"errors": [{"message": "this server only has OUT_OF_STOCK"}]})
            since = variables.get("dateFrom") or 0
            events = [h for h in self.histories if h["createdAt"] >= since]
            return self._connection(query, variables, "itemHistories", events)
        if re.search(r"\bitems\s*\(", query):
            keys = variables.get("keys")
            if not isinstance(keys, list) or not keys or len(keys) > self.max_first:
                return _json(200, {"errors": [{"message": f"keys: 1 to {self.max_first} keys"}]})
            by_key = {item["key"]: item for item in self.items}
            return _json(200, {"data": {"items": [by_key[k] for k in keys if k in by_key]}})
        return _json(200, {"errors": [{"message": "unknown query"}]})

    def _create_order(self, variables: dict):
        data = variables.get("input") if isinstance(variables.get("input"), dict) else {}
        problem = self._order_problem(data)
        if problem:
            code, message = problem
            return _json(200, {"errors": [{"message": message, "extensions": {"code": code}}]})
        with self.lock:
            key = f"OC{len(self.orders) + 1:08d}"
            product = data["products"][0]
            self.orders[key] = {
                "key": key,
                "status": "PAID",
                "note": str(data.get("note") or ""),
                "itemKey": product["itemKey"],
                "quantity": product["quantity"],
                "shippingCompany": None,
                "trackingNumber": None,
                "createdAt": int(time.time()),
            }
            self.purchases[self.orders[key]["note"]] += 1
            lose, self._lose = self._lose > 0, max(0, self._lose - 1)
            answer = {k: v for k, v in self.orders[key].items() if k != "createdAt"}
        if lose:
            time.sleep(self.stall_seconds)
        elif self.order_delay:
            time.sleep(self.order_delay)
        return _json(200, {"data": {"createOrder": answer}})

    def _order_problem(self, data: dict) -> tuple[str, str] | None:
        products = data.get("products")
        if not isinstance(products, list) or len(products) != 1:
            return "INVALID_INPUT", "products: exactly one product per order here"
        product = products[0] if isinstance(products[0], dict) else {}
        recipient = data.get("recipient") if isinstance(data.get("recipient"), dict) else {}
        missing = [
            k for k in ("name", "phoneNumber", "address", "postalCode") if not recipient.get(k)
        ]
        if missing:
            return "INVALID_INPUT", f"recipient: {', '.join(missing)} required"
        item = next((i for i in self.items if i["key"] == product.get("itemKey")), None)
        if item is None:
            return "INVALID_INPUT", f"itemKey: no item {product.get('itemKey')!r}"
        quantity = product.get("quantity")
        if not isinstance(quantity, int) or quantity < 1:
            return "INVALID_INPUT", "quantity: 1 or more"
        options = item.get("options") or []
        if options:
            option = next((o for o in options if o.get("key") == product.get("optionKey")), None)
            if option is None:
                return "INVALID_OPTION", f"optionKey: not an option of item {item['key']}"
            if int(option.get("quantity") or 0) < quantity:
                return "OUT_OF_STOCK", f"option {option['key']} has {option.get('quantity')} left"
        return None

    def _cancel_order(self, variables: dict):
        with self.lock:
            held = self.orders.get(str(variables.get("key")))
            if held is None or held["status"] not in ("PAID", "PREPARING"):
                message = "order cannot be cancelled" if held else "no such order"
                code = {"extensions": {"code": "NOT_CANCELLABLE"}}
                return _json(200, {"errors": [{"message": message, **code}]})
            held["status"] = "CANCELLED"
            answer = {k: v for k, v in held.items() if k != "createdAt"}
        return _json(200, {"data": {"cancelOrder": answer}})

    def _connection(self, query: str, variables: dict, field: str, nodes: list):
        if not all(word in query for word in ("pageInfo", "hasNextPage", "endCursor", "edges")):
            return _json(200, {"errors": [{"message": f"{field} must select pageInfo and edges"}]})
        first, after = variables.get("first"), variables.get("after")
        if not isinstance(first, int) or not 1 <= first <= self.max_first:
            return _json(200, {"errors": [{"message": f"first must be 1..{self.max_first}"}]})
        try:
            start = int(_unb64(after).decode().removeprefix("arrayconnection:")) + 1 if after else 0
        except ValueError:
            return _json(200, {"errors": [{"message": "after is not a cursor we gave"}]})
        window = nodes[start : start + first]
        edges = [
            {"cursor": _b64(f"arrayconnection:{start + i}".encode()), "node": node}
            for i, node in enumerate(window)
        ]
        info = {
            "hasNextPage": start + first < len(nodes),
            "endCursor": edges[-1]["cursor"] if edges else None,
        }
        return _json(200, {"data": {field: {"pageInfo": info, "edges": edges}}})


# --- domeggook: one endpoint, mode and aid in the query ------------------------------------


class DomeggookApi(LocalServer):
    """``GET /ssl/api/``: getItemList (ver 4.1) and getItemView (ver 4.0), ``om=json`` only."""

    def __init__(self, *, aid: str, items: list[dict], views: dict[str, dict]) -> None:
        super().__init__()
        self.aid = aid
        self.items = list(items)
        self.views = dict(views)

    def handle(self, request: _Handler):
        path, query = urlsplit(request.path).path, request.query()
        if path != "/ssl/api/":
            return _text(404, "not found")
        if query.get("aid") != self.aid:
            # The real service answers errors with HTTP 200; this one also echoes the key,
            # which the connector must never repeat.
            return _json(
                200, {"errors": {"code": "E0001", "message": f"invalid aid {query.get('aid')}"}}
            )
        if query.get("om") != "json":
            return _json(200, {"errors": {"code": "E0002", "message": "om must be json here"}})
        if query.get("market") not in ("dome", "supply"):
            return _json(200, {"errors": {"code": "E0003", "message": "market is dome or supply"}})
        mode, version = query.get("mode"), query.get("ver")
        if mode == "getItemList" and version == "4.1":
            return self._list(query)
        if mode == "getItemView" and version == "4.0":
            view = self.views.get(query.get("no", ""))
            if view is None:
                return _json(
                    200, {"errors": {"code": "E0100", "message": "상품이 존재하지 않습니다"}}
                )
            return _json(200, {"domeggook": view})
        return _json(
            200, {"errors": {"code": "E0004", "message": f"unknown mode/ver {mode}/{version}"}}
        )

    def _list(self, query: dict[str, str]):
        try:
            size, page = int(query.get("sz", "20")), int(query.get("pg", "1"))
        except ValueError:
            return _json(200, {"errors": {"code": "E0005", "message": "sz and pg are integers"}})
        if not 1 <= size <= 200 or page < 1:
            return _json(200, {"errors": {"code": "E0006", "message": "sz 1..200, pg >= 1"}})
        window = self.items[(page - 1) * size : page * size]
        pages = max(1, -(-len(self.items) // size))
        header = {
            "numberOfItems": len(self.items),
            "currentPage": page,
            "itemsPerPage": size,
            "numberOfPages": pages,
        }
        # XML-born JSON: a single item is an object, not a one-element list.
        item = window[0] if len(window) == 1 else window
        return _json(200, {"domeggook": {"header": header, "list": {"item": item}}})
