"""Download one image URL without letting the URL reach places it must not.

An image URL comes from a supplier or a scraped page, so it is untrusted input pointed at
our own network. The rules:

- ``http`` and ``https`` only, no credentials in the URL.
- Every address a host name resolves to (IPv4 and IPv6) must be public: private, loopback,
  link-local (which covers the cloud metadata service at 169.254.169.254), multicast,
  reserved, unspecified, shared (CGNAT) and other non-global addresses are refused. The
  check happens in the connection itself (``GuardedBackend.connect_tcp``): the socket is
  opened to the very address that was checked, so a DNS answer that changes between check
  and connect (DNS rebinding) gains nothing. Every redirect hop opens its connection the
  same way, so a redirect to a private address is refused too; at most
  ``YOOINI_MEDIA_MAX_REDIRECTS`` hops are followed.
- ``YOOINI_MEDIA_ALLOWED_HOSTS`` lists host names (``"127.0.0.1"``) or ``"host:port"``
  pairs that may be private anyway: the project's sample data and tests serve images from
  127.0.0.1.
- Limits: ``YOOINI_MEDIA_MAX_BYTES`` is enforced while streaming (a declared
  ``Content-Length`` over it is refused before the body is read), ``YOOINI_MEDIA_TIMEOUT``
  bounds the whole download, redirects included. No proxy from the environment is used
  (it would connect on our behalf, past these checks).
- A response declared as a non-image type (``text/html`` ...) is refused before its body is
  read; the bytes themselves are checked again when they are decoded (``convert``).

Errors never quote the URL's query string (signed URLs carry tokens in it).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

from yooini.run_settings import run_setting

DEFAULT_MAX_BYTES = 15 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_REDIRECTS = 5
USER_AGENT = "yooini-media/1.0 (+product images)"
# Declared types that may hold an image: image/*, and the generic binary types that some
# CDNs send for everything. The bytes decide in the end.
_BINARY_TYPES = {"application/octet-stream", "binary/octet-stream", ""}


class FetchError(Exception):
    """A URL could not be downloaded; ``str()`` is the reason, safe to store and show."""


class FetchRefused(FetchError):
    """The URL points where we do not fetch from (scheme, credentials, address)."""


class FetchTooLarge(FetchError):
    """The body is over ``YOOINI_MEDIA_MAX_BYTES`` (checked while it streams in)."""


class FetchTimeout(FetchError):
    """The download took longer than ``YOOINI_MEDIA_TIMEOUT`` in all."""


class NotAnImage(FetchError):
    """The server answered with something that is not an image."""


@dataclass(frozen=True)
class FetchConfig:
    allowed_hosts: frozenset[str]
    max_bytes: int
    max_pixels: int
    timeout: float
    max_redirects: int


def fetch_config() -> FetchConfig:
    """The limits from settings (read on every call, so tests can override them); the allowed
    hosts may be the running batch's own (``yooini.run_settings``)."""
    allowed = run_setting("YOOINI_MEDIA_ALLOWED_HOSTS", ()) or ()
    if isinstance(allowed, str):
        allowed = [part for part in allowed.split(",")]
    return FetchConfig(
        allowed_hosts=frozenset(_normalize_allowed(allowed)),
        max_bytes=_positive("YOOINI_MEDIA_MAX_BYTES", DEFAULT_MAX_BYTES, int),
        max_pixels=_positive("YOOINI_MEDIA_MAX_PIXELS", DEFAULT_MAX_PIXELS, int),
        timeout=_positive("YOOINI_MEDIA_TIMEOUT", DEFAULT_TIMEOUT, float),
        max_redirects=_positive(
            "YOOINI_MEDIA_MAX_REDIRECTS", DEFAULT_MAX_REDIRECTS, int, zero=True
        ),
    )


def _positive(name: str, default, kind, *, zero: bool = False):
    value = getattr(settings, name, default)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ValueError(f"setting {name} must be a number, not {value!r}") from None
    if number < 0 or (number == 0 and not zero):
        raise ValueError(f"setting {name} must be {'>= 0' if zero else '> 0'}, not {value!r}")
    return number


def _normalize_allowed(entries: Iterable[str]) -> list[str]:
    out = []
    for entry in entries:
        entry = str(entry).strip().lower()
        if not entry:
            continue
        if entry.startswith("["):  # "[::1]:8080" or "[::1]"
            host, _, rest = entry[1:].partition("]")
            out.append(f"{host}{rest}" if rest.startswith(":") else host)
        else:
            out.append(entry)
    return out


@dataclass(frozen=True)
class Fetched:
    url: str
    final_url: str
    data: bytes
    sha256: str
    content_type: str


def address_refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``ip`` is not a public address we may fetch from, or None when it is."""
    mapped = getattr(ip, "ipv4_mapped", None) or getattr(ip, "sixtofour", None)
    if mapped is not None:
        return address_refusal(mapped)
    for flag in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
        if getattr(ip, f"is_{flag}"):
            return flag.replace("_", "-")
    if getattr(ip, "is_site_local", False):
        return "site-local"
    if not ip.is_global:
        return "not globally routable"
    return None


class GuardedBackend(httpcore.SyncBackend):
    """Opens TCP connections only to public addresses (or to allowed hosts), and to exactly
    the address it checked. TLS then runs over that socket with the original host name for
    SNI and certificate checks (httpcore passes it to ``start_tls``)."""

    def __init__(self, allowed_hosts: frozenset[str]) -> None:
        super().__init__()
        self.allowed_hosts = allowed_hosts

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        host = host.decode("ascii") if isinstance(host, bytes) else host
        name = host.strip("[]").lower()
        allowed = name in self.allowed_hosts or f"{name}:{port}" in self.allowed_hosts
        try:
            infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(f"host {name!r} does not resolve ({exc})") from None
        addresses = []
        for family, _, _, _, sockaddr in infos:
            if family not in (socket.AF_INET, socket.AF_INET6):
                continue
            ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
            why = None if allowed else address_refusal(ip)
            if why:
                raise FetchRefused(
                    f"host {name!r} resolves to {ip}, a {why} address; not fetched "
                    "(list the host in YOOINI_MEDIA_ALLOWED_HOSTS to allow it)"
                )
            if ip not in addresses:
                addresses.append(ip)
        if not addresses:
            raise FetchError(f"host {name!r} has no IPv4 or IPv6 address")
        last: Exception | None = None
        for ip in addresses:
            try:
                return super().connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        raise last  # type: ignore[misc]


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, allowed_hosts: frozenset[str]) -> None:
        super().__init__(trust_env=False)
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allowed_hosts),
        )


_clients: dict[frozenset[str], httpx.Client] = {}
_clients_lock = threading.Lock()


def _client(config: FetchConfig) -> httpx.Client:
    """One keep-alive client per allow-list, shared by threads (building one loads the CA
    bundle, which costs more than a small download)."""
    with _clients_lock:
        client = _clients.get(config.allowed_hosts)
        if client is None:
            client = httpx.Client(
                transport=_GuardedTransport(config.allowed_hosts),
                follow_redirects=False,
                trust_env=False,
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "image/*,*/*;q=0.5",
                    # Images do not compress; asking for none keeps a zip bomb out of the decoder.
                    "Accept-Encoding": "identity",
                },
            )
            _clients[config.allowed_hosts] = client
        return client


_URL_IN_TEXT = re.compile(r"\b(https?://[^/\s?#]+)[^\s]*")


def reason_general(reason: str) -> str:
    """A download's reason with each URL cut to its scheme and host, so failures of one
    cause read the same whichever image they hit (``HTTP 404 Not Found from https://cdn``)."""
    return _URL_IN_TEXT.sub(r"\1", reason)


def url_check(url: object) -> str:
    """``url`` if it is an http(s) URL we may try; ``FetchRefused`` otherwise."""
    if not isinstance(url, str) or not url.strip():
        raise FetchRefused(f"not a URL: {type(url).__name__} {_short(url)!r}")
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises on a bad port
    except ValueError as exc:
        raise FetchRefused(f"malformed URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchRefused(f"scheme {parts.scheme or '(none)'!r} not allowed; http or https only")
    if not parts.hostname:
        raise FetchRefused("URL has no host")
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("URL carries credentials (user:password@); refused")
    return url


def url_redacted(url: str) -> str:
    """``url`` without its query, fragment and credentials: fit for logs and messages."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path}"
    except ValueError:
        return "(malformed URL)"


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def image_fetch(url: str, config: FetchConfig | None = None) -> Fetched:
    """The bytes at ``url``, following redirects, within the limits. ``FetchError`` (or a
    subclass) says why not."""
    config = config or fetch_config()
    url = url_check(url)
    client = _client(config)
    deadline = time.monotonic() + config.timeout
    current = url
    for hop in range(config.max_redirects + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchTimeout(f"timed out after {config.timeout:g}s (YOOINI_MEDIA_TIMEOUT)")
        try:
            with client.stream("GET", current, timeout=httpx.Timeout(remaining)) as response:
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    if not location:
                        raise FetchError(f"HTTP {response.status_code} redirect without Location")
                    current = _redirect_target(response.url, location, hop, config)
                    continue
                return _read(url, current, response, deadline, config)
        except FetchError:
            raise
        except httpx.TimeoutException:
            raise FetchTimeout(
                f"timed out after {config.timeout:g}s (YOOINI_MEDIA_TIMEOUT)"
            ) from None
        except httpx.HTTPError as exc:
            raise FetchError(
                f"download failed from {url_redacted(current)}: {type(exc).__name__}: {exc}"
            ) from None
    raise FetchError(
        f"more than {config.max_redirects} redirects (YOOINI_MEDIA_MAX_REDIRECTS)"
    )  # pragma: no cover -- the loop raises first


def _redirect_target(base: httpx.URL, location: str, hop: int, config: FetchConfig) -> str:
    if hop >= config.max_redirects:
        raise FetchError(f"more than {config.max_redirects} redirects (YOOINI_MEDIA_MAX_REDIRECTS)")
    try:
        target = str(base.join(location))
    except (httpx.InvalidURL, ValueError) as exc:
        raise FetchRefused(f"redirect to a malformed URL: {exc}") from None
    try:
        return url_check(target)
    except FetchRefused as exc:
        raise FetchRefused(f"redirect refused: {exc}") from None


def _read(
    url: str, final: str, response: httpx.Response, deadline: float, config: FetchConfig
) -> Fetched:
    if response.status_code != 200:
        raise FetchError(
            f"HTTP {response.status_code} {response.reason_phrase} from {url_redacted(final)}"
        )
    content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not content_type.startswith("image/") and content_type not in _BINARY_TYPES:
        raise NotAnImage(f"not an image: the server sent {content_type!r}")
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > config.max_bytes:
        raise FetchTooLarge(
            f"body of {int(declared):,} bytes is over the limit of {config.max_bytes:,} "
            "(YOOINI_MEDIA_MAX_BYTES)"
        )
    digest = hashlib.sha256()
    chunks: list[bytes] = []
    size = 0
    # No chunk size: each network read is yielded at once, so the deadline is checked per
    # read even when a server drips its body byte by byte.
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > config.max_bytes:
            raise FetchTooLarge(
                f"body is over the limit of {config.max_bytes:,} bytes (YOOINI_MEDIA_MAX_BYTES)"
            )
        if time.monotonic() > deadline:
            raise FetchTimeout(f"timed out after {config.timeout:g}s (YOOINI_MEDIA_TIMEOUT)")
        digest.update(chunk)
        chunks.append(chunk)
    if size == 0:
        raise NotAnImage("not an image: the body is empty")
    return Fetched(
        url=url,
        final_url=final,
        data=b"".join(chunks),
        sha256=digest.hexdigest(),
        content_type=content_type,
    )
