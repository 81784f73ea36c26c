"""An HTTP client of the Coupang Open API (WING seller products), signed as Coupang publishes.

Every call is signed anew (``markets.coupang.signature``) with the path and query exactly as
sent. Answers are JSON ``{"code": "SUCCESS"|"ERROR", "message": ..., "data": ...}``. How each
refusal maps onto the shared errors (docs/markets/coupang.md, "Errors"):

- 400 (or a 200 whose ``code`` is not ``SUCCESS``): ``ListingRejected``; a message made of
  ``field: text`` parts becomes ``{field: [text]}``, any other message ``{"coupang": [it]}``;
- 404: ``ListingRejected(conflict="missing")`` (no such seller product or vendor item);
- 401 "Specified signature is expired": signed once more with a fresh date (the call may have
  waited); again -> ``MarketAuthError`` telling to check this machine's clock;
- 401 otherwise, and a JSON 403: ``MarketAuthError`` (keys refused, or not this vendor's);
- an HTML 403 "Access Denied" (Coupang's gateway after a burst of failures),
  429, 5xx, timeouts and network errors: ``MarketUnavailable``; a 429 is retried after
  ``Retry-After`` while that stays within ``max_wait`` and ``retries`` allow.

Nothing here logs or raises a key: messages go through ``redact``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from markets.listing import ListingRejected, MarketAuthError, MarketUnavailable
from yooini.http import tls_context
from yooini.retry_after import parse_retry_after
from yooini.retrying import RetryableFailure, call_when_told

from . import signature

log = logging.getLogger("yooini.markets.coupang")

DEFAULT_BASE_URL = "https://api-gateway.coupang.com"
CONTENT_TYPE = "application/json;charset=UTF-8"
EXPIRED = "Specified signature is expired"
_FIELD_PART = re.compile(r"^\s*(?P<field>[A-Za-z][\w.\[\]]*)\s*:\s*(?P<text>.+)$")


class CoupangClient:
    """One account's signed client. ``redact`` hides the credentials in every message."""

    def __init__(
        self,
        *,
        base_url: str,
        access_key: str,
        secret_key: str,
        vendor_id: str = "",
        redact: Callable[[str], str] = lambda text: text,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
        max_wait: float = 2.0,
        retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
        pace: Callable[[], object] = lambda: None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self._access_key = access_key
        self._secret_key = secret_key
        self._vendor_id = vendor_id
        self._redact = redact
        self._max_wait = max_wait
        self._retries = retries
        self._sleep = sleep
        self._pace = pace
        self._now = now
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            verify=tls_context(),
        )

    def __repr__(self) -> str:
        return f"<CoupangClient {self.base_url}>"

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, target: str, body: Any = None) -> dict[str, Any]:
        """One signed call to ``target`` (path, and query after ``?``); the answer's JSON.
        ``pace`` is called before every attempt (it sleeps until the account's rate allows one
        more call)."""
        path, _, query = target.partition("?")
        resigned = False

        def attempt() -> dict[str, Any]:
            nonlocal resigned
            while True:
                if not self._access_key or not self._secret_key:
                    raise MarketAuthError("no access_key/secret_key is stored for this account")
                headers = {
                    "Authorization": signature.authorization(
                        self._access_key, self._secret_key, method, path, query, now=self._now()
                    ),
                    "Content-Type": CONTENT_TYPE,
                }
                if self._vendor_id:
                    headers["X-Requested-By"] = self._vendor_id
                self._pace()  # within the vendor's rate
                try:
                    response = self._http.request(method, target, json=body, headers=headers)
                except httpx.TimeoutException:
                    raise MarketUnavailable(f"{method} {path}: timed out") from None
                except httpx.HTTPError as exc:
                    raise MarketUnavailable(f"{method} {path}: {type(exc).__name__}") from None
                status = response.status_code
                payload = _json(response)
                message = self._redact(str(payload.get("message") or ""))
                if status == 401 and EXPIRED.lower() in message.lower() and not resigned:
                    resigned = True  # once per call: signed again with this moment's time
                    continue
                break
            if status == 429:
                wait = parse_retry_after(response.headers.get("Retry-After"))
                error = MarketUnavailable(
                    f"{method} {path}: rate limited (429), retry after {wait}s",
                    retry_after=wait,
                    status_code=429,
                )
                if wait is not None and wait <= self._max_wait:
                    raise RetryableFailure("rate limited", wait=wait, final=error)
                raise error
            return self._checked(method, path, response, payload, message)

        def tell(failure: RetryableFailure, seconds: float) -> None:
            log.info("Coupang %s %s rate limited; retrying in %ss", method, path, seconds)

        return call_when_told(attempt, retries=self._retries, sleep=self._sleep, before_retry=tell)

    def _checked(
        self, method: str, path: str, response: httpx.Response, payload: dict, message: str
    ) -> dict[str, Any]:
        status = response.status_code
        where = f"{method} {path}"
        if status == 401:
            if EXPIRED.lower() in message.lower():
                raise MarketAuthError(
                    f"{where}: Coupang says the signature is expired: this machine's clock is "
                    "more than a few minutes off UTC; set it right (NTP)"
                )
            raise MarketAuthError(
                f"{where}: Coupang refused the keys (401 {message or 'unauthorized'}): check "
                "the account's access_key and secret_key"
            )
        if status == 403:
            if not payload:  # the gateway's HTML "Access Denied" after a burst of failures
                raise MarketUnavailable(
                    f"{where}: access denied by the gateway (403), try later",
                    retry_after=parse_retry_after(response.headers.get("Retry-After")),
                    status_code=403,
                )
            raise MarketAuthError(
                f"{where}: Coupang refused this vendor (403 {message}): check vendor_id and "
                "the keys' vendor"
            )
        if status >= 500:
            raise MarketUnavailable(
                f"{where}: Coupang answered {status} {message}".rstrip(),
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                status_code=status,
            )
        if status == 404:
            raise ListingRejected(
                {"coupang": [message or "not found"]}, status_code=404, conflict="missing"
            )
        # The product API answers code "SUCCESS", the order API code 200.
        if status >= 400 or payload.get("code") not in ("SUCCESS", 200, None) or not payload:
            raise ListingRejected(errors_from_message(message, status), status_code=status)
        return payload


def errors_from_message(message: str, status: int | None = None) -> dict[str, list[str]]:
    """Coupang's one-line message as ``{field: [text]}``: parts ``field: text`` separated by
    ``;`` keep their field (the contract server answers so); anything else is ``coupang``."""
    errors: dict[str, list[str]] = {}
    parts = [part for part in message.split(";") if part.strip()]
    for part in parts:
        found = _FIELD_PART.match(part)
        if found is None:
            return {"coupang": [message.strip() or f"refused ({status})"]}
        errors.setdefault(found["field"], []).append(found["text"].strip())
    return errors or {"coupang": [f"refused ({status})"]}


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}
