"""What every outgoing HTTP client of the project shares."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every client: loading the CA bundle takes ~40 ms, and a context is
    safe to share between clients and threads. Pass it as ``httpx.Client(verify=...)``."""
    return httpx.create_ssl_context()
