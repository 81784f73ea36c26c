"""The part every local market contract server shares: a threaded HTTP server on 127.0.0.1,
faults on demand, a rate limit, and the counters the tests read.

A market's server (``markets/<kind>/testing.py``) subclasses ``ContractServer`` and implements
``route(call)``, answering ``(status, headers, body)`` where ``body`` is JSON-able (or bytes, or
``str`` for an HTML page). It enforces that market's published contract (signature or token,
required fields, error shapes) and counts ``creates`` per reference number: ``duplicates`` is
how many went beyond one, which must stay 0 whatever faults were injected.

Faults, applied before ``route`` (so a fault never half-applies a request):

- ``fail_next(status, times)``: the next calls answer ``status`` (a 5xx, or 429);
- ``fault_rate(rate, seed)``: that share of calls fail at random (half 500, half a timeout:
  the answer is held ``stall_seconds`` past the client's timeout), reproducible by ``seed``;
- ``rate_limit(per_second, burst)``: a token bucket per client key (``client_key(call)``);
  beyond it the market's own 429 (``rate_limited(call)``);
- ``lose_answers(times, path_part)``: the next calls whose path holds ``path_part`` are done
  (a create is created), but their answer is held past the client's timeout: what a process
  killed mid-call, or a network cut after sending, leaves behind.

Only loopback: the server binds 127.0.0.1, port 0, and stops with the ``with`` block.

The sample's buyers: ``POST /__sample__/orders`` with ``{"reference_number", "quantity",
"buyer": {"name", "phone", "address", "zip_code"}}`` calls the server's ``place`` (a server
that takes orders has one), so ``yooini sample --orders`` can order from a market served by
another process. It is no market's API: faults and the rate limit do not apply to it.
"""

from __future__ import annotations

import json
import pickle
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, dict[str, str], Any]
SAMPLE_ORDERS_PATH = "/__sample__/orders"


@dataclass
class Call:
    """One request as the server received it."""

    method: str
    path: str
    query: str
    params: dict[str, list[str]]
    headers: dict[str, str]
    raw: bytes
    json: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class _QuietServer(ThreadingHTTPServer):
    """Says nothing when a client hung up first (a timeout test's stalled answer)."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class ContractServer:
    """Base of the local market servers. Use as a context manager; ``base_url`` is its URL.

    ``persistent`` names the attributes that hold what the market knows (its products, ids,
    keys): ``state_save`` and ``state_load`` keep them between two processes, so a demo that
    starts the server anew each run still talks to the same market.
    """

    persistent: ClassVar[tuple[str, ...]] = ("creates",)

    def __init__(self, *, stall_seconds: float = 3.0) -> None:
        self.lock = threading.RLock()
        self.creates: Counter[str] = Counter()
        self.hits: list[tuple[str, str, int]] = []
        self.stall_seconds = stall_seconds
        self._fail: list[int] = []
        self._lose: list[str] = []
        self._fault_rate = 0.0
        self._random = random.Random(0)
        self._bucket_rate: float | None = None
        self._bucket_burst = 0.0
        self._buckets: dict[str, tuple[float, float]] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._server = server
        # A short poll: shutdown() waits for it, at the end of every test.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "the server is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def duplicates(self) -> int:
        with self.lock:
            return sum(n - 1 for n in self.creates.values() if n > 1)

    # --- faults -----------------------------------------------------------------------------

    def fail_next(self, status: int = 500, times: int = 1) -> None:
        with self.lock:
            self._fail.extend([status] * times)

    def lose_answers(self, times: int = 1, path_part: str = "") -> None:
        with self.lock:
            self._lose.extend([path_part] * times)

    def fault_rate(self, rate: float, *, seed: int = 0) -> None:
        with self.lock:
            self._fault_rate = rate
            self._random = random.Random(seed)

    def rate_limit(self, per_second: float | None, *, burst: float | None = None) -> None:
        with self.lock:
            self._bucket_rate = per_second
            self._bucket_burst = burst if burst is not None else (per_second or 0)
            self._buckets.clear()

    # --- what a market's server implements ----------------------------------------------

    def route(self, call: Call) -> Answer:
        raise NotImplementedError

    def client_key(self, call: Call) -> str:
        """Whom the rate limit counts (an access key, an app id); all calls by default."""
        return "-"

    def rate_limited(self, call: Call) -> Answer:
        return 429, {"Retry-After": "1"}, {"message": "Too Many Requests"}

    def server_error(self, call: Call, status: int) -> Answer:
        return status, {}, {"message": "Internal Server Error"}

    # --- dispatch ---------------------------------------------------------------------------

    def answer(self, call: Call) -> Answer:
        if call.path == SAMPLE_ORDERS_PATH and call.method == "POST":
            return self._sample_order(call)
        with self.lock:
            lost = next((i for i, part in enumerate(self._lose) if part in call.path), None)
            if lost is not None:
                del self._lose[lost]
        if lost is not None:
            self.route(call)
            time.sleep(self.stall_seconds)
            return 504, {}, {"message": "Gateway Timeout"}
        with self.lock:
            injected = self._fail.pop(0) if self._fail else None
            stall = False
            if injected is None and self._fault_rate and self._random.random() < self._fault_rate:
                if self._random.random() < 0.5:
                    injected = 500
                else:
                    stall = True
            limited = injected is None and not stall and not self._take_token(call)
        if stall:
            time.sleep(self.stall_seconds)
            return 504, {}, {"message": "Gateway Timeout"}
        if injected == 429 or limited:
            return self.rate_limited(call)
        if injected is not None:
            return self.server_error(call, injected)
        return self.route(call)

    def _sample_order(self, call: Call) -> Answer:
        from markets.orders import Buyer  # the sample's buyer, as the order servers take it

        place = getattr(self, "place", None)
        body = call.json if isinstance(call.json, dict) else {}
        if place is None or not body.get("reference_number"):
            return 404, {}, {"message": "this market takes no sample orders"}
        buyer = Buyer(**dict(body.get("buyer") or {}))
        placed = place(str(body["reference_number"]), int(body.get("quantity") or 1), buyer)
        return 200, {}, {"placed": placed}

    def _take_token(self, call: Call) -> bool:
        if not self._bucket_rate:
            return True
        key = self.client_key(call)
        now = time.monotonic()
        tokens, at = self._buckets.get(key, (self._bucket_burst, now))
        tokens = min(self._bucket_burst, tokens + (now - at) * self._bucket_rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True


def state_save(server: Any, path: Path) -> None:
    """Write the ``persistent`` attributes of a contract server (read under its ``lock``) to
    ``path``, a file this process made and owns."""
    with server.lock:
        data = {name: getattr(server, name) for name in server.persistent}
    path.parent.mkdir(parents=True, exist_ok=True)
    # Whole or not at all: a process stopped mid-write must not leave half a market behind.
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(pickle.dumps(data))
    partial.replace(path)


def state_load(server: Any, path: Path) -> bool:
    """Read back what ``state_save`` wrote (before the server starts); False when nothing."""
    if not path.exists():
        return False
    data = pickle.loads(path.read_bytes())  # our own file, written by state_save
    with server.lock:
        for name in server.persistent:
            if name in data:
                setattr(server, name, data[name])
    return True


def _handler_for(server: ContractServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; without TCP_NODELAY the second waits for the
        # client's delayed ACK (about 40 ms a request on Linux).
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            call = Call(
                method=self.command,
                path=parts.path,
                query=parts.query,
                params=parse_qs(parts.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                raw=raw,
            )
            if raw and "json" in call.header("content-type"):
                try:
                    call.json = json.loads(raw)
                except ValueError:
                    call.json = None
            try:
                status, headers, body = server.answer(call)
            except Exception as exc:  # a bug in a test server must show, not hang the client
                status, headers, body = 500, {}, {"message": f"contract server bug: {exc!r}"}
            with server.lock:
                server.hits.append((call.method, call.path, status))
            if isinstance(body, bytes):
                data, kind = body, "application/octet-stream"
            elif isinstance(body, str):
                data, kind = body.encode(), "text/html; charset=utf-8"
            else:
                data, kind = json.dumps(body, ensure_ascii=False).encode(), "application/json"
            self.send_response(status)
            self.send_header("Content-Type", headers.pop("Content-Type", kind))
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except ConnectionError:  # the client gave up first (a timeout test): nothing to say
                return

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, *args) -> None:  # keep test output quiet
            return

    return Handler
