"""An HTTP client of the ESM Trading API's goods calls, and how its answers become our errors.

- Every call carries ``Authorization: Bearer <jwt>``, a token made for that call
  (``auth.Signer``; https://etapi.gmarket.com/pages/API-가이드).
- An answer ``{"resultCode": 0, ...}`` is accepted; a non-zero ``resultCode`` (HTTP 200 or
  400, e.g. ``{"resultCode": 1000, "message": "..."}``, https://etapi.gmarket.com/29) raises
  ``ListingRejected({"goods": [message]})``, with ``conflict="missing"`` when the message says
  the goods do not exist ("상품이 없습니다").
- 401/403 ``{"status": {"message", "status_code"}}``: ``MarketAuthError``.
- 429 (or ``resultCode`` 3000, the rate-limit code sellers report): retried after
  ``Retry-After`` while that is within ``max_wait`` seconds and ``retries`` allow, then
  ``MarketUnavailable(retry_after=...)``; 5xx, network errors and timeouts:
  ``MarketUnavailable``.

Nothing here shows the secret key or a token: messages carry the path and the market's text,
redacted by the caller's ``redact``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from markets.listing import ListingRejected, MarketAuthError, MarketUnavailable
from yooini.http import tls_context
from yooini.retry_after import parse_retry_after
from yooini.retrying import RetryableFailure, call_when_told

from .auth import Signer

log = logging.getLogger("yooini.markets.gmarket")

RATE_LIMIT_CODE = 3000
# A per-minute limit that answers without Retry-After: wait the rest of a minute.
RATE_LIMIT_DEFAULT_WAIT = 60.0
_MISSING_WORDS = ("상품이 없습니다", "존재하지 않는 상품")


@dataclass(frozen=True)
class ApiAnswer:
    status_code: int
    body: dict[str, Any]


class EsmClient:
    """One account's client; close it (or use it as a context manager)."""

    def __init__(
        self,
        *,
        base_url: str,
        signer: Signer,
        redact: Callable[[str], str] = lambda text: text,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
        max_wait: float = 2.0,
        retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._signer = signer
        self._redact = redact
        self._max_wait = max_wait
        self._retries = retries
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            verify=tls_context(),
        )

    def __repr__(self) -> str:
        return f"<EsmClient {self.base_url}>"

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, path: str, body: Mapping[str, Any] | None) -> ApiAnswer:
        """Send one call; the accepted answer, or the error its answer maps to."""

        def attempt() -> ApiAnswer:
            headers = {
                "Authorization": f"Bearer {self._signer.token()}",
                "Content-Type": "application/json;charset=UTF-8",
            }
            try:
                response = self._http.request(
                    method, path, json=dict(body) if body is not None else None, headers=headers
                )
            except httpx.TimeoutException:
                raise MarketUnavailable(f"{method} {path}: timed out") from None
            except httpx.HTTPError as exc:
                raise MarketUnavailable(f"{method} {path}: {type(exc).__name__}") from None
            payload = _json(response)
            wait = rate_limit_wait(response, payload)
            if wait is not None:
                error = MarketUnavailable(
                    f"{method} {path}: rate limited, retry after {wait:g}s",
                    retry_after=wait,
                    status_code=response.status_code,
                )
                if wait <= self._max_wait:
                    raise RetryableFailure("rate limited", wait=wait, final=error)
                raise error
            return self._answer(method, path, response, payload)

        def tell(failure: RetryableFailure, seconds: float) -> None:
            log.info("ESM %s rate limited; retrying in %ss", path, seconds)

        return call_when_told(attempt, retries=self._retries, sleep=self._sleep, before_retry=tell)

    def _answer(
        self, method: str, path: str, response: httpx.Response, payload: dict[str, Any]
    ) -> ApiAnswer:
        status = response.status_code
        if status in (401, 403):
            raise MarketAuthError(self._redact(f"{method} {path}: {auth_message(payload, status)}"))
        if status >= 500:
            raise MarketUnavailable(
                f"{method} {path}: ESM answered {status}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                status_code=status,
            )
        code = payload.get("resultCode")
        if status == 404 and code is None:
            raise ListingRejected(
                {"goods": [f"{path} was not found"]}, status_code=status, conflict="missing"
            )
        if code not in (None, 0, "0") or status >= 400:
            raise rejection(payload, status, self._redact)
        return ApiAnswer(status, payload)


def rate_limit_wait(response: httpx.Response, payload: Mapping[str, Any]) -> float | None:
    """Seconds to wait when the answer is a rate limit (429, or ``resultCode`` 3000), else
    None."""
    limited = response.status_code == 429 or payload.get("resultCode") == RATE_LIMIT_CODE
    if not limited:
        return None
    wait = parse_retry_after(response.headers.get("Retry-After"))
    return RATE_LIMIT_DEFAULT_WAIT if wait is None else wait


def rejection(
    payload: Mapping[str, Any], status: int, redact: Callable[[str], str]
) -> ListingRejected:
    """``ListingRejected`` for a refusal ``{"resultCode": n, "message": "..."}``."""
    code = payload.get("resultCode")
    message = str(payload.get("message") or f"refused (HTTP {status}, resultCode {code})")
    missing = any(word in message for word in _MISSING_WORDS)
    text = redact(f"{message} (resultCode {code})" if code is not None else message)
    return ListingRejected(
        {"goods": [text]}, status_code=status, conflict="missing" if missing else None
    )


def auth_message(payload: Mapping[str, Any], status: int) -> str:
    inner = payload.get("status") if isinstance(payload.get("status"), Mapping) else {}
    text = str(inner.get("message") or "the token was refused")
    return f"ESM refused the credentials ({status}: {text}); check master_id, secret_key, the seller IDs and the server's allowed IP"


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}
