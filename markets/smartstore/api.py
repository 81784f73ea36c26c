"""An HTTP client of the Naver Commerce API (auth, products, images), to its published contract.

- Token (https://apicenter.commerce.naver.com/docs/auth): ``POST /v1/oauth2/token`` with a form
  body (client_id, timestamp in ms, client_secret_sign, grant_type=client_credentials,
  type=SELF, or SELLER with account_id). The token lasts ``expires_in`` seconds (10,800); it is
  kept until ``EXPIRY_MARGIN`` before that and handed to ``on_credentials`` (``access_token``,
  ``token_expires_at`` ISO 8601) so every process reuses it. A 401 ``GW.AUTHN`` with a cached
  token fetches a new one once, as the documentation's fallback pseudocode does.
- A refused timestamp (the 5-minute window) is retried once with a fresh one; refused again, it
  raises ``MarketAuthError`` saying to check the clock.
- Every call sends ``Authorization: Bearer``. Gateway errors
  (https://apicenter.commerce.naver.com/docs/trouble-shooting) and API errors
  (``{"code", "message", "invalidInputs": [{"name", "type", "message"}]}``) become:
  400/409 -> ``ListingRejected({name: [message]})``; 404 on a product -> ``ListingRejected(
  conflict="missing")``; 401 after one refresh and 403 -> ``MarketAuthError``; 429
  ``GW.RATE_LIMIT`` / ``GW.QUOTA_LIMIT`` -> retried while the wait (one token of the
  ``GNCP-GW-RateLimit-Replenish-Rate`` bucket) is within ``max_wait`` and ``retries`` allow,
  then ``MarketUnavailable(retry_after=...)``; 5xx, timeouts and network errors ->
  ``MarketUnavailable``.

Nothing here logs or raises a token or a secret; ``repr`` shows the base URL only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from markets.listing import ListingRejected, MarketAuthError, MarketUnavailable
from yooini.http import tls_context
from yooini.retrying import RetryableFailure, call_when_told

from . import contract
from .signature import InvalidSecret, client_secret_sign

log = logging.getLogger("yooini.markets.smartstore")

EXPIRY_MARGIN = timedelta(minutes=5)
RATE_HEADER = "GNCP-GW-RateLimit-Replenish-Rate"
BURST_HEADER = "GNCP-GW-RateLimit-Burst-Capacity"
REMAINING_HEADER = "GNCP-GW-RateLimit-Remaining"
QUOTA_PERIOD_HEADER = "GNCP-GW-Quota-Period"

__all__ = ["NaverClient", "error_for", "retry_after_of"]


class NaverClient:
    """One account's client. ``credentials``: ``client_id``, ``client_secret`` (and
    ``account_id`` for ``token_type="SELLER"``), with the cached ``access_token`` and
    ``token_expires_at`` when there are. ``now`` returns Unix seconds (tests move the clock)."""

    def __init__(
        self,
        *,
        base_url: str,
        credentials: Mapping[str, str],
        token_type: str = "SELF",
        on_credentials: Callable[[dict[str, str]], None] | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
        max_wait: float = 2.0,
        retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = (base_url or contract.DEFAULT_BASE_URL).rstrip("/")
        self._credentials = dict(credentials)
        self._token_type = token_type
        self._on_credentials = on_credentials
        self._max_wait = max_wait
        self._retries = retries
        self._sleep = sleep
        self._now = now
        self._lock = threading.Lock()
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            verify=tls_context(),
        )

    def __repr__(self) -> str:
        return f"<NaverClient {self.base_url}>"

    def close(self) -> None:
        self._http.close()

    # --- calls ------------------------------------------------------------------------------

    def call(self, method: str, path: str, *, json: Any = None, files: Any = None) -> dict:
        """One API call with a valid token; the JSON answer (``{}`` when it has none)."""
        token = self.token(force=False)
        refreshed = False

        def attempt() -> dict:
            nonlocal token, refreshed
            while True:
                try:
                    response = self._http.request(
                        method,
                        path,
                        json=json,
                        files=files,
                        headers={"Authorization": f"Bearer {token}"},
                    )
                except httpx.TimeoutException:
                    raise MarketUnavailable(f"{method} {path}: timed out") from None
                except httpx.HTTPError as exc:
                    raise MarketUnavailable(f"{method} {path}: {type(exc).__name__}") from None
                if response.status_code != 401 or refreshed:
                    break
                refreshed = True  # once per call: a token that expired in between
                token = self.token(force=True)
            status = response.status_code
            if status == 429:
                wait = retry_after_of(response)
                if wait is not None and wait <= self._max_wait:
                    error = error_for(response, f"{method} {path}")
                    raise RetryableFailure("rate limited", wait=wait, final=error)
            if status >= 300:
                raise error_for(response, f"{method} {path}")
            return _json(response)

        def tell(failure: RetryableFailure, seconds: float) -> None:
            log.info("Naver %s rate limited; retrying in %ss", path, seconds)

        return call_when_told(attempt, retries=self._retries, sleep=self._sleep, before_retry=tell)

    def upload_images(self, images: Sequence[tuple[str, bytes, str]]) -> list[str]:
        """Upload ``(file name, bytes, content type)`` images, ``UPLOAD_BATCH`` per call; their
        Naver URLs in the same order."""
        urls: list[str] = []
        for start in range(0, len(images), contract.UPLOAD_BATCH):
            batch = images[start : start + contract.UPLOAD_BATCH]
            files = [("imageFiles", image) for image in batch]
            answer = self.call("POST", contract.IMAGES_PATH, files=files)
            got = [str(i.get("url") or "") for i in answer.get("images") or []]
            if len(got) != len(batch) or not all(got):
                raise MarketUnavailable(f"image upload answered {len(got)} URLs for {len(batch)}")
            urls.extend(got)
        return urls

    def download(self, url: str) -> tuple[bytes, str]:
        """One of our public images (no credentials sent); its bytes and content type."""
        try:
            response = self._http.get(url, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise MarketUnavailable(f"image {url}: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise MarketUnavailable(f"image {url}: {response.status_code}")
        if response.status_code != 200 or not response.content:
            raise ListingRejected(
                {"originProduct.images": [f"{url} could not be read ({response.status_code})"]}
            )
        kind = response.headers.get("content-type", "application/octet-stream").split(";")[0]
        return response.content, kind

    # --- the token ----------------------------------------------------------------------------

    def token(self, *, force: bool) -> str:
        """The cached access token while it is valid, else a new one (``force``: always new)."""
        with self._lock:
            token = self._credentials.get("access_token") or ""
            if token and not force and not self._expired():
                return token
            return self._token_issue()

    def _token_issue(self) -> str:
        client_id = self._credentials.get("client_id") or ""
        secret = self._credentials.get("client_secret") or ""
        if not client_id or not secret:
            raise MarketAuthError("client_id and client_secret are required to get a token")
        for attempt in (1, 2):
            timestamp = int(self._now() * 1000)
            try:
                sign = client_secret_sign(client_id, secret, timestamp)
            except InvalidSecret as exc:
                raise MarketAuthError(str(exc)) from None
            form = {
                "client_id": client_id,
                "timestamp": str(timestamp),
                "client_secret_sign": sign,
                "grant_type": "client_credentials",
                "type": self._token_type,
            }
            if self._token_type == "SELLER":
                form["account_id"] = self._credentials.get("account_id") or ""
            try:
                response = self._http.post(contract.TOKEN_PATH, data=form)
            except httpx.TimeoutException:
                raise MarketUnavailable("token request timed out") from None
            except httpx.HTTPError as exc:
                raise MarketUnavailable(f"token request failed: {type(exc).__name__}") from None
            if response.status_code == 429 or response.status_code >= 500:
                raise MarketUnavailable(
                    f"token request answered {response.status_code}",
                    retry_after=retry_after_of(response),
                    status_code=response.status_code,
                )
            body = _json(response)
            if response.status_code == 200 and body.get("access_token"):
                return self._token_keep(body)
            refused = {
                str(i.get("name")) for i in body.get("invalidInputs") or [] if isinstance(i, dict)
            }
            if "timestamp" in refused and attempt == 1:
                continue  # the timestamp aged in transit: one more with a fresh one
            if "timestamp" in refused:
                raise MarketAuthError(
                    "the token request's timestamp was refused twice: this machine's clock is "
                    "more than 5 minutes off; set it right (NTP)"
                )
            code = str(body.get("code") or "refused")
            raise MarketAuthError(
                f"token refused ({response.status_code} {code}): check client_id and "
                "client_secret (and the application's allowed IPs)"
            )
        raise MarketAuthError("token refused")  # not reached: the loop returns or raises

    def _token_keep(self, body: Mapping[str, Any]) -> str:
        token = str(body["access_token"])
        expires_in = float(body.get("expires_in") or 0)
        expires = datetime.fromtimestamp(self._now(), UTC) + timedelta(seconds=expires_in)
        values = {"access_token": token, "token_expires_at": expires.isoformat()}
        self._credentials.update(values)
        log.info("Naver access token issued for %s", self.base_url)
        if self._on_credentials is not None:
            self._on_credentials(dict(values))
        return token

    def _expired(self) -> bool:
        text = self._credentials.get("token_expires_at") or ""
        if not text:
            return False  # unknown: use it; a 401 GW.AUTHN brings a new one
        try:
            expires = datetime.fromisoformat(str(text))
        except ValueError:
            return True
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        return datetime.fromtimestamp(self._now(), UTC) + EXPIRY_MARGIN >= expires


def retry_after_of(response: httpx.Response) -> float | None:
    """Seconds to wait after a 429 or 5xx: ``Retry-After`` when given; for ``GW.RATE_LIMIT``
    the time one token of the bucket takes to come back (1 / replenish rate); for a per-second
    ``GW.QUOTA_LIMIT`` one second; otherwise ``None``."""
    header = response.headers.get("Retry-After")
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            pass
    if response.status_code != 429:
        return None
    if response.headers.get(QUOTA_PERIOD_HEADER):
        return 1.0 if response.headers[QUOTA_PERIOD_HEADER].upper() == "SECONDS" else None
    try:
        rate = float(response.headers.get(RATE_HEADER) or 0)
    except ValueError:
        rate = 0
    return round(1.0 / rate, 3) if rate > 0 else None


def error_for(response: httpx.Response, what: str) -> Exception:
    """The market error an answer of 300 or more means (see the module docstring)."""
    status = response.status_code
    body = _json(response)
    code = str(body.get("code") or "")
    message = str(body.get("message") or "")
    if status == 429:
        wait = retry_after_of(response)
        return MarketUnavailable(
            f"{what}: rate limited ({code or 429}), retry after {wait}s",
            retry_after=wait,
            status_code=429,
        )
    if status >= 500:
        return MarketUnavailable(
            f"{what}: Naver answered {status} {code}".rstrip(),
            retry_after=retry_after_of(response),
            status_code=status,
        )
    if status in (401, 403):
        return MarketAuthError(f"{what}: refused ({status} {code}) {message}".rstrip())
    errors: dict[str, list[str]] = {}
    for item in body.get("invalidInputs") or []:
        if isinstance(item, dict):
            name = str(item.get("name") or "base")
            errors.setdefault(name, []).append(str(item.get("message") or item.get("type") or code))
    if not errors:
        errors = {"base": [f"{status} {code} {message}".strip()]}
    conflict = "missing" if status == 404 and not code.startswith("GW.") else None
    return ListingRejected(errors, status_code=status, conflict=conflict)


def _json(response: httpx.Response) -> dict:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}
