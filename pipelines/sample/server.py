"""The sample sources on 127.0.0.1: okmall pages, product photos, BUYMA search pages, a feed.

``SampleServer(catalog)`` binds 127.0.0.1 (a free port, or ``port=``) at once (``base_url`` is known before
it serves) and serves while used as a context manager (or between ``start()`` and ``stop()``),
from a daemon thread, one daemon thread per connection, HTTP/1.1 keep-alive with a
Content-Length on every answer and no request log. Routes:

- ``/products/list?brand=<okmall brand>[&page=n]``: the brand's listing (``okmall_pages``)
- ``/products/view?no=<id>``: a product page, 404 once the product left the catalogue
- ``/images/<id>.jpg``: the photo of an image id the catalogue or the feed uses, else 404
- ``/r/-O3/<keywords>/``: BUYMA's price-ascending search (``search_url`` without its host)
- ``/feeds/sample.xlsx``: the Excel supplier feed (``feed``)
- ``/media/<key>``: a file under ``media_root`` when one is given (the stored images)

Anything else is 404. ``server.catalog = new_catalog`` swaps the mall's catalogue: each request
reads it once, so an answer is wholly from the old one or wholly from the new one.
``server.hits`` counts requests per route ("listing", "product", "image", "search", "feed",
"other") and ``server.connections`` the connections accepted, for benchmarks and for tests
that check what a run fetched.
"""

from __future__ import annotations

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from pipelines.sample.buyma_pages import OWN_BUYER_ID, keywords_of, render_search
from pipelines.sample.catalog import SampleCatalog
from pipelines.sample.feed import FEED_PATH, feed_xlsx_bytes, sample_feed_catalog
from pipelines.sample.images import image_bytes
from pipelines.sample.okmall_pages import PER_PAGE, render_listing, render_product

HTML = "text/html; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROUTES = ("listing", "product", "image", "search", "feed", "media", "other")


class SampleServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self,
        catalog: SampleCatalog,
        own_buyer_id: str = OWN_BUYER_ID,
        *,
        feed: SampleCatalog | None = None,
        per_page: int = PER_PAGE,
        port: int = 0,
        media_root: Path | None = None,
    ) -> None:
        if not str(own_buyer_id).strip():
            raise ValueError("own_buyer_id must not be empty")
        super().__init__(("127.0.0.1", port), _Handler)
        self.catalog = catalog
        self.own_buyer_id = str(own_buyer_id)
        self.feed_catalog = feed if feed is not None else sample_feed_catalog()
        self.per_page = per_page
        self.media_root = Path(media_root).resolve() if media_root is not None else None
        self._lock = threading.Lock()
        self._hits: Counter[str] = Counter()
        self._connections = 0
        self._feed_bytes: bytes | None = None
        self._feed_images = self.feed_catalog.image_ids
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def feed_url(self) -> str:
        return self.base_url + FEED_PATH

    @property
    def hits(self) -> dict[str, int]:
        """Requests answered so far, per route (a copy)."""
        with self._lock:
            return {route: self._hits[route] for route in ROUTES}

    @property
    def connections(self) -> int:
        with self._lock:
            return self._connections

    def reset_hits(self) -> None:
        with self._lock:
            self._hits.clear()
            self._connections = 0

    def start(self) -> SampleServer:
        """Serve from a daemon thread (once); returns the server."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; open keep-alive connections die with their
        daemon threads."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server_close()

    def __enter__(self) -> SampleServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- answers ---------------------------------------------------------------------------

    def answer(self, target: str) -> tuple[str, int, str, bytes]:
        """(route, status, content type, body) for a request target (path and query)."""
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        catalog = self.catalog  # read once: a swap mid-request cannot mix two catalogues
        if path == "/products/list":
            brand = query.get("brand", [""])[0]
            page_text = query.get("page", ["1"])[0]
            page = int(page_text) if page_text.isdigit() else 0
            html = render_listing(catalog, brand, page, self.base_url, self.per_page)
            return _html("listing", html)
        if path == "/products/view":
            html = render_product(catalog, query.get("no", [""])[0], self.base_url)
            return _html("product", html)
        if path.startswith("/images/") and path.endswith(".jpg"):
            image_id = unquote(path[len("/images/") : -len(".jpg")])
            if image_id in catalog.image_ids or image_id in self._feed_images:
                return "image", 200, "image/jpeg", image_bytes(image_id)
            return "image", 404, HTML, b"not found"
        keywords = keywords_of(path)
        if keywords is not None:
            return _html("search", render_search(catalog, keywords, self.own_buyer_id))
        if path.startswith("/media/") and self.media_root is not None:
            return self._media(unquote(path[len("/media/") :]))
        if path == FEED_PATH:
            if self._feed_bytes is None:
                self._feed_bytes = feed_xlsx_bytes(self.feed_catalog, self.base_url)
            return "feed", 200, XLSX, self._feed_bytes
        return "other", 404, HTML, b"not found"

    def _media(self, key: str) -> tuple[str, int, str, bytes]:
        """A stored image, so the dry-run listings' image URLs open while the sample runs."""
        file = (self.media_root / key).resolve()
        if not file.is_relative_to(self.media_root) or not file.is_file():
            return "media", 404, HTML, b"not found"
        return "media", 200, "image/jpeg", file.read_bytes()

    def count(self, route: str) -> None:
        with self._lock:
            self._hits[route] += 1

    def count_connection(self) -> None:
        with self._lock:
            self._connections += 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "yooini-sample/1"
    timeout = 30  # an idle keep-alive connection is closed after this many seconds
    # Headers and body go out as two writes; with Nagle's algorithm on, the second one waits
    # for the client's delayed ACK, 40 ms per request on loopback.
    disable_nagle_algorithm = True
    server: SampleServer

    def setup(self) -> None:
        super().setup()
        self.server.count_connection()

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        try:
            route, status, content_type, body = self.server.answer(self.path)
        except Exception as exc:  # a bug in a renderer: say so, keep serving
            route, status, content_type = "other", 500, "text/plain; charset=utf-8"
            body = f"{type(exc).__name__}: {exc}".encode()
        self.server.count(route)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _html(route: str, html: str | None) -> tuple[str, int, str, bytes]:
    if html is None:
        return route, 404, HTML, b"not found"
    return route, 200, HTML, html.encode("utf-8")
