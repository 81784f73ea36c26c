"""A real HTTP server on 127.0.0.1 that serves test images, and the images themselves.

``ImageServer`` is a ``ThreadingHTTPServer`` on port 0 in a daemon thread, used as a context
manager. Routes are added with ``add`` (a body with a status and content type),
``redirect``, ``drip`` (a body sent a few bytes at a time, for timeouts) and ``unsized``
(a body with no Content-Length, read until the connection closes). ``hits`` counts
requests per path, so a test can tell whether a download happened at all.
"""

from __future__ import annotations

import contextlib
import io
import struct
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "image/jpeg"
    location: str = ""
    drip_delay: float = 0.0
    sized: bool = True


class ImageServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self.httpd.app = self  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.base = f"http://{self.host}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> ImageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def add(self, path: str, body: bytes, *, content_type="image/jpeg", status=200) -> str:
        self.routes[path] = Route(body=body, status=status, content_type=content_type)
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.routes[path] = Route(status=status, location=location)
        return self.url(path)

    def drip(self, path: str, body: bytes, delay: float) -> str:
        self.routes[path] = Route(body=body, drip_delay=delay)
        return self.url(path)

    def unsized(self, path: str, body: bytes, *, content_type="image/jpeg") -> str:
        self.routes[path] = Route(body=body, content_type=content_type, sized=False)
        return self.url(path)

    def hit(self, path: str) -> None:
        with self._lock:
            self.hits[path] += 1


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client hanging up mid-body is what the size and timeout tests do


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive, as CDNs do; "unsized" answers close the connection.
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet
        pass

    def do_GET(self) -> None:
        app: ImageServer = self.server.app  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        app.hit(path)
        route = app.routes.get(path)
        if route is None:
            self._answer(404, b"not found", "text/plain")
            return
        if route.location:
            self.send_response(route.status)
            self.send_header("Location", route.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if route.drip_delay:
            self._drip(route)
            return
        if not route.sized:
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.wfile.write(route.body)
            return
        self._answer(route.status, route.body, route.content_type)

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)

    def _drip(self, route: Route) -> None:
        self.send_response(200)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        stop = time.monotonic() + 5  # never longer than this, whoever is listening
        try:
            for start in range(0, len(route.body), 16):
                if time.monotonic() > stop:
                    break
                self.wfile.write(route.body[start : start + 16])
                self.wfile.flush()
                time.sleep(route.drip_delay)
        except OSError:
            pass
        self.close_connection = True


# -- images -------------------------------------------------------------------------------


def jpeg(width=64, height=48, color=(200, 30, 30), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "JPEG", quality=90, **save)
    return buffer.getvalue()


def png_alpha(width=40, height=30) -> bytes:
    """Left half opaque blue, right half fully transparent."""
    im = Image.new("RGBA", (width, height), (0, 0, 255, 255))
    im.paste((0, 0, 0, 0), (width // 2, 0, width, height))
    buffer = io.BytesIO()
    im.save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_with_exif_orientation(width=60, height=20, orientation=6) -> bytes:
    im = Image.new("RGB", (width, height), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "SecretCam"  # Make: metadata that must not survive
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def png_header_bomb(width=100_000, height=100_000) -> bytes:
    """A PNG whose header claims ``width x height`` pixels, with almost no data: decoding
    it would allocate tens of gigabytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + chunk(b"IEND", b"")
    )
