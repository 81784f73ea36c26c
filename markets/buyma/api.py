"""An HTTP client of the BUYMA Personal Shopper API (products and stock), to its published
contract (specification.personal-shopper-api.buyma.com; docs/markets.md lists the sources).

- Every call carries ``X-Buyma-Personal-Shopper-Api-Access-Token``.
- The access token is refreshed (OAuth2 ``POST /oauth/token``, ``grant_type=refresh_token``)
  before a call when it has expired, and once after a 401; the new tokens go to ``on_tokens``
  so the caller stores them (encrypted) before anything else happens.
- ``POST /api/v1/products.json`` (create, update, suspend) and
  ``POST /api/v1/products/variants.json`` (stock only) answer 201/202 with a ``request_uid``:
  the outcome comes later by webhook.
- 422 ``{"errors": {field: [messages]}}`` raises ``ListingRejected``; 429 is retried after
  ``Retry-After`` while that is within ``max_wait`` seconds and ``retries`` allow, then raises
  ``MarketUnavailable(retry_after=...)``, as do 5xx answers and network errors.

Nothing here logs or raises a token or a secret; ``repr`` shows the base URL only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from markets.listing import ListingRejected, MarketAuthError, MarketUnavailable
from yooini.http import tls_context
from yooini.retry_after import parse_retry_after
from yooini.retrying import RetryableFailure, call_when_told

log = logging.getLogger("yooini.markets.buyma")

TOKEN_HEADER = "X-Buyma-Personal-Shopper-Api-Access-Token"
PRODUCTS_PATH = "/api/v1/products.json"
VARIANTS_PATH = "/api/v1/products/variants.json"
TOKEN_PATH = "/oauth/token"
DEFAULT_BASE_URL = "https://personal-shopper-api.buyma.com"
SANDBOX_BASE_URL = "https://sandbox.personal-shopper-api.buyma.com"
EXPIRY_MARGIN = timedelta(seconds=60)

__all__ = [
    "ApiAnswer",
    "BuymaClient",
    "ListingRejected",
    "MarketAuthError",
    "MarketUnavailable",
]


@dataclass(frozen=True)
class ApiAnswer:
    """An accepted call: its status code, ``request_uid`` and the JSON body."""

    status_code: int
    request_uid: str
    body: dict[str, Any]


class BuymaClient:
    """One account's client. ``credentials`` holds ``access_token``, ``refresh_token``,
    ``token_expires_at`` (ISO 8601), ``client_id`` and ``client_secret``; it is copied, and the
    copy is updated on refresh. Close it (or use it as a context manager)."""

    def __init__(
        self,
        *,
        base_url: str,
        credentials: Mapping[str, str],
        on_tokens: Callable[[dict[str, str]], None] | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
        max_wait: float = 5.0,
        retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self._credentials = dict(credentials)
        self._on_tokens = on_tokens
        self._max_wait = max_wait
        self._retries = retries
        self._sleep = sleep
        self._now = now
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            verify=tls_context(),
        )

    def __repr__(self) -> str:
        return f"<BuymaClient {self.base_url}>"

    def __enter__(self) -> BuymaClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- calls ----------------------------------------------------------------------------

    def product_post(self, product: Mapping[str, Any]) -> ApiAnswer:
        """Create, update or suspend a product (``{"product": product}``)."""
        return self._post(PRODUCTS_PATH, {"product": dict(product)})

    def variants_post(self, product: Mapping[str, Any]) -> ApiAnswer:
        """Change stock only (``{"product": {id|reference_number, variants, order_quantity}}``)."""
        return self._post(VARIANTS_PATH, {"product": dict(product)})

    def token_refresh(self) -> None:
        """Trade the refresh token for new tokens (RFC 6749 section 6) and hand them on."""
        refresh = self._credentials.get("refresh_token")
        if not refresh:
            raise MarketAuthError("the access token expired and no refresh_token is stored")
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "client_id": self._credentials.get("client_id", ""),
            "client_secret": self._credentials.get("client_secret", ""),
        }
        try:
            response = self._http.post(TOKEN_PATH, data=form)
        except httpx.HTTPError as exc:
            raise MarketUnavailable(f"token refresh failed: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise MarketUnavailable(
                f"token refresh answered {response.status_code}",
                retry_after=_retry_after(response),
                status_code=response.status_code,
            )
        body = _json(response)
        if response.status_code != 200 or not body.get("access_token"):
            code = body.get("error") if isinstance(body.get("error"), str) else "refused"
            raise MarketAuthError(
                f"token refresh refused ({response.status_code} {code}): authorize the "
                "account again and store its new refresh_token"
            )
        expires_in = body.get("expires_in")
        tokens = {
            "access_token": str(body["access_token"]),
            "refresh_token": str(body.get("refresh_token") or refresh),
            "token_expires_at": (
                (self._now() + timedelta(seconds=float(expires_in))).isoformat()
                if expires_in
                else ""
            ),
        }
        self._credentials.update(tokens)
        log.info("BUYMA access token refreshed for %s", self.base_url)
        if self._on_tokens is not None:
            self._on_tokens(dict(tokens))

    # --- plumbing -------------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any]) -> ApiAnswer:
        if self._expired():
            self.token_refresh()
        refreshed = False

        def attempt() -> ApiAnswer:
            nonlocal refreshed
            while True:
                token = self._credentials.get("access_token", "")
                if not token:
                    raise MarketAuthError("no access_token is stored for this account")
                try:
                    response = self._http.post(path, json=body, headers={TOKEN_HEADER: token})
                except httpx.HTTPError as exc:
                    raise MarketUnavailable(f"{path}: {type(exc).__name__}") from None
                if response.status_code != 401 or refreshed:
                    break
                refreshed = True  # once per call: a token that expired in between
                self.token_refresh()
            status = response.status_code
            if status in (401, 403):
                raise MarketAuthError(f"{path} refused the access token ({status})")
            if status == 429:
                wait = _retry_after(response)
                error = MarketUnavailable(
                    f"{path}: rate limited (429), retry after {wait}s",
                    retry_after=wait,
                    status_code=429,
                )
                if wait is not None and wait <= self._max_wait:
                    raise RetryableFailure("rate limited", wait=wait, final=error)
                raise error
            if status >= 500:
                raise MarketUnavailable(
                    f"{path}: BUYMA answered {status}",
                    retry_after=_retry_after(response),
                    status_code=status,
                )
            payload = _json(response)
            if status == 422 or (400 <= status < 500 and isinstance(payload.get("errors"), dict)):
                errors = payload.get("errors")
                if not isinstance(errors, dict) or not errors:
                    errors = {"base": [f"{status} without an errors object"]}
                raise ListingRejected(
                    {k: v if isinstance(v, list) else [str(v)] for k, v in errors.items()},
                    status_code=status,
                )
            if status not in (200, 201, 202):
                raise ListingRejected({"base": [f"unexpected answer {status}"]}, status_code=status)
            return ApiAnswer(status, str(payload.get("request_uid") or ""), payload)

        def tell(failure: RetryableFailure, seconds: float) -> None:
            log.info("BUYMA %s rate limited; retrying in %ss", path, seconds)

        return call_when_told(attempt, retries=self._retries, sleep=self._sleep, before_retry=tell)

    def _expired(self) -> bool:
        text = self._credentials.get("token_expires_at") or ""
        if not text:
            return False
        try:
            expires = datetime.fromisoformat(str(text))
        except ValueError:
            return True
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        return self._now() + EXPIRY_MARGIN >= expires


def _retry_after(response: httpx.Response) -> float | None:
    return parse_retry_after(response.headers.get("Retry-After"))


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}
