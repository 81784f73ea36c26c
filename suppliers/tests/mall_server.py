"""okmall or W Concept on 127.0.0.1, serving the real saved pages, for the mall connector's tests.

``MallSite(mall)`` is a ``ThreadingHTTPServer`` on port 0 in a daemon thread, used as a context
manager. It serves the unmodified pages in ``fixtures/malls/``:

- okmall: ``GET /products/list?brand=<brand>[&page=<n>...]`` gives page n of the brand's listing
  (by default the saved Nike listing, for any brand), and ``GET /products/view?no=<id>`` gives
  the saved product page (product 753625) for every id a served listing shows.
- W Concept: ``GET /search?keyword=<keyword>`` gives the saved search page, and
  ``GET /Product/<id>`` gives the saved product page (307698365). The saved search page is
  the HTML the server sends, without product cards. ``rendered_search(ids)`` adds the cards a
  browser would render, the same way the parser tests do.

Any other id or path answers 404. Options, for the tests that need them: ``listings`` (brand ->
pages), ``relabel`` (each id gets the saved page with the saved product's id replaced by its own,
so the pages read as distinct products), ``broken`` (ids answered with the first 2,000
characters of the page, a connection cut short), ``gone`` (ids answered 404), ``product_pages`` (id -> the HTML to serve),
``faults`` (statuses answered once each, before any real answer) and ``proxy_auth`` (act as a
forward proxy that wants ``Proxy-Authorization: Basic user:password``).

What it records, for the assertions: every request as a ``Hit`` (target, session cookie,
User-Agent, connection number, start and end times, status). From those come the most
connections in use at one time (a connection is in use from the start of its first request to
the end of its last answer) and the sessions. A request without a known session cookie gets a
new one through ``Set-Cookie``.
"""

from __future__ import annotations

import base64
import itertools
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FIXTURES = Path(__file__).parent / "fixtures" / "malls"
SAVED = {
    "okmall": {
        "listing": "okmall/okmall_niki_product_list.html",
        "product": "okmall/okmall_product.html",
        "product_id": "753625",
    },
    "wconcept": {
        "listing": "wconcept/wconcept_search.html",
        "product": "wconcept/wconcept_product_detail.html",
        "product_id": "307698365",
    },
}
TRUNCATE_AT = 2000


@cache
def saved_page(relative_path: str) -> str:
    return (FIXTURES / relative_path).read_text(encoding="utf-8")


def edit(html: str, old: str, new: str, *, count: int = -1) -> str:
    """``html`` with ``old`` replaced; fails when ``old`` is not there, so a variant can never
    silently be the unedited page."""
    assert old in html, f"fixture no longer contains {old!r}"
    return html.replace(old, new, count)


def rendered_search(ids: Iterable[str]) -> str:
    """The saved W Concept search page with the product cards a browser renders into it."""
    cards = "".join(
        f'<li class="product-item"><a href="https://www.wconcept.co.kr/Product/{i}">'
        f'<img src="//product-image.wconcept.co.kr/productimg/image/img9/00/{i}_AB1.jpg"></a></li>'
        for i in ids
    )
    return edit(saved_page(SAVED["wconcept"]["listing"]), "</body>", f"<ul>{cards}</ul></body>")


@dataclass(frozen=True)
class Hit:
    method: str
    target: str  # path and query, as sent (absolute-form when proxied)
    host: str
    session: str | None  # the session cookie the request carried
    user_agent: str
    connection: int
    started: float
    ended: float
    status: int


class MallSite:
    def __init__(
        self,
        mall: str,
        *,
        listings: Mapping[str, Sequence[str]] | None = None,
        relabel: bool = False,
        broken: Iterable[str] = (),
        gone: Iterable[str] = (),
        product_pages: Mapping[str, str] | None = None,
        faults: Iterable[tuple[int, dict[str, str]]] = (),
        proxy_auth: str | None = None,
    ) -> None:
        self.mall = mall
        self.saved = SAVED[mall]
        self.listings = {k: list(v) for k, v in (listings or {}).items()}
        self.relabel = relabel
        self.broken = set(broken)
        self.gone = set(gone)
        self.product_pages = dict(product_pages or {})
        self.faults = deque(faults)
        self.proxy_auth = proxy_auth
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self._sessions = itertools.count(1)
        self._issued: set[str] = set()
        self._connections = itertools.count(1)
        self.known_ids = self._product_ids()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.site = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> MallSite:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    # --- what the tests read ---------------------------------------------------------------

    def requests(self, path_prefix: str = "") -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if urlsplit(h.target).path.startswith(path_prefix)]

    def max_connections_in_use(self) -> int:
        with self.lock:
            spans: dict[int, list[float]] = {}
            for hit in self.hits:
                span = spans.setdefault(hit.connection, [hit.started, hit.ended])
                span[0], span[1] = min(span[0], hit.started), max(span[1], hit.ended)
        edges = sorted([(s, 1) for s, _ in spans.values()] + [(e, -1) for _, e in spans.values()])
        in_use = most = 0
        for _, step in edges:  # at equal times the end (-1) sorts first: handing over is fine
            in_use += step
            most = max(most, in_use)
        return most

    def _product_ids(self) -> set[str]:
        """Every id a served listing shows, and the saved product's."""
        pages = [saved_page(self.saved["listing"])]
        pages += [page for brand_pages in self.listings.values() for page in brand_pages]
        pattern = r'data-productno="(\d+)"' if self.mall == "okmall" else r"/Product/(\d+)"
        ids = {m for page in pages for m in re.findall(pattern, page, re.IGNORECASE)}
        return ids | {self.saved["product_id"]} | set(self.product_pages)

    # --- answers ---------------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], str]:
        with self.lock:
            fault = self.faults.popleft() if self.faults else None
        if fault:
            return fault[0], fault[1], "<html><body>잠시 후 다시 시도해 주세요.</body></html>"
        if self.mall == "okmall" and path == "/products/list":
            return self._listing(query.get("brand", ""), query.get("page", "1"))
        if self.mall == "okmall" and path == "/products/view":
            return self._product(query.get("no", ""))
        if self.mall == "wconcept" and path == "/search":
            return self._listing(query.get("keyword", ""), "1")
        match = re.fullmatch(r"/Product/([^/]+)", path)
        if self.mall == "wconcept" and match:
            return self._product(unquote(match.group(1)))
        return 404, {}, "<html><body>페이지를 찾을 수 없습니다.</body></html>"

    def _listing(self, brand: str, page: str) -> tuple[int, dict[str, str], str]:
        pages = self.listings.get(brand) or [saved_page(self.saved["listing"])]
        number = int(page) if page.isdigit() else 0
        if not 1 <= number <= len(pages):
            return 404, {}, "<html><body>no such page</body></html>"
        return 200, {}, pages[number - 1]

    def _product(self, product_id: str) -> tuple[int, dict[str, str], str]:
        if product_id not in self.known_ids or product_id in self.gone:
            return 404, {}, "<html><body>상품이 없습니다.</body></html>"
        html = self.product_pages.get(product_id) or saved_page(self.saved["product"])
        if self.relabel and product_id not in self.product_pages:
            html = html.replace(self.saved["product_id"], product_id)
        if product_id in self.broken:
            html = html[:TRUNCATE_AT]
        return 200, {}, html

    def session_for(self, cookie_header: str | None) -> tuple[str | None, str | None]:
        """(the session the request carried, a new one to set when it carried none)."""
        match = re.search(r"(?:^|;\s*)SESSION=([^;]+)", cookie_header or "")
        with self.lock:
            if match and match.group(1) in self._issued:
                return match.group(1), None
            issued = f"s{next(self._sessions)}"
            self._issued.add(issued)
        return None, issued

    def next_connection(self) -> int:
        with self.lock:
            return next(self._connections)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # an idle keep-alive connection must not hold a thread forever
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        self.connection_number = self.server.site.next_connection()  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        site: MallSite = self.server.site  # type: ignore[attr-defined]
        started = time.monotonic()
        target = urlsplit(self.path)
        session, new_session = site.session_for(self.headers.get("Cookie"))
        if site.proxy_auth and self.headers.get("Proxy-Authorization") != "Basic " + (
            base64.b64encode(site.proxy_auth.encode()).decode()
        ):
            status, headers, body = 407, {}, "proxy authentication required"
        else:
            query = {k: v[-1] for k, v in parse_qs(target.query, keep_blank_values=True).items()}
            status, headers, body = site.answer(target.path, query)
        payload = body.encode()
        # Recorded before the answer goes out: once the client has it, the test may look, and
        # the client's next request (maybe on a new connection) cannot start before this end.
        hit = Hit(
            method="GET",
            target=self.path,
            host=target.netloc or self.headers.get("Host", ""),
            session=session,
            user_agent=self.headers.get("User-Agent", ""),
            connection=self.connection_number,
            started=started,
            ended=time.monotonic(),
            status=status,
        )
        with site.lock:
            site.hits.append(hit)
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        if new_session:
            self.send_header("Set-Cookie", f"SESSION={new_session}; Path=/; HttpOnly")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: keeps test output clean."""
