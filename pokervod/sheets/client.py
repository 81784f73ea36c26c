"""The Sheets API v4 reads we use: ``spreadsheets.values.get`` and ``values:batchGet``
(https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/get,
https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/batchGet).

Ranges are checked (A1) before anything is sent. A 429 (quota: read requests per minute per
user, https://developers.google.com/sheets/api/limits) and a 5xx are retried with truncated
exponential backoff and jitter, or after the server's ``Retry-After`` when it sends one; a 401
fetches a new token once. Errors keep Google's ``status`` and ``message``, never a token.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from yooini.retry_after import parse_retry_after
from yooini.retrying import RetryableFailure, call_with_retries

from .a1 import parse_a1
from .auth import ServiceAccount, TokenSource

SHEETS_API = "https://sheets.googleapis.com"
RETRIED = frozenset({429, 500, 502, 503, 504})


class SheetsApiError(RuntimeError):
    """An error answer of the Sheets API: HTTP status, Google's status name and message."""

    def __init__(self, http_status: int, status: str, message: str):
        super().__init__(f"Sheets API {http_status} {status}: {message}")
        self.http_status, self.status, self.message = http_status, status, message


class SheetsQuotaExceeded(SheetsApiError):
    """Still over quota (429) after every attempt."""


class SheetsClient:
    def __init__(
        self,
        account: ServiceAccount,
        *,
        base_url: str = SHEETS_API,
        timeout: float = 30.0,
        attempts: int = 5,
        base_delay: float = 10.0,
        max_delay: float = 64.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if attempts < 1:
            raise ValueError(f"attempts: must be 1 or more, not {attempts}")
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(timeout=timeout)
        self.tokens = TokenSource(account, self.http)
        self.attempts, self.base_delay, self.max_delay = attempts, base_delay, max_delay
        self.sleep = sleep
        self.waits: list[float] = []  # the backoff of each retry, for status and tests

    def __enter__(self) -> SheetsClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def values_get(
        self,
        spreadsheet_id: str,
        a1_range: str,
        *,
        major_dimension: str = "ROWS",
        value_render: str = "FORMATTED_VALUE",
    ) -> dict[str, Any]:
        """One range: ``{"range", "majorDimension", "values"}`` (``values`` [] when empty)."""
        parse_a1(a1_range)
        path = (
            f"/v4/spreadsheets/{quote(spreadsheet_id, safe='')}/values/{quote(a1_range, safe='')}"
        )
        params = {"majorDimension": major_dimension, "valueRenderOption": value_render}
        body = self._get(path, params)
        body.setdefault("values", [])
        return body

    def batch_get(self, spreadsheet_id: str, ranges: list[str]) -> list[dict[str, Any]]:
        """Several ranges in one request (one unit of quota), in the order asked."""
        if not ranges:
            raise ValueError("ranges: at least one is required")
        for a1_range in ranges:
            parse_a1(a1_range)
        path = f"/v4/spreadsheets/{quote(spreadsheet_id, safe='')}/values:batchGet"
        body = self._get(path, [("ranges", r) for r in ranges])
        found = body.get("valueRanges") or []
        for value_range in found:
            value_range.setdefault("values", [])
        return found

    def _get(self, path: str, params) -> dict[str, Any]:
        """GET with the project's one retry policy (``yooini.retrying``): a 429 or 5xx again
        after the server's ``Retry-After`` (at most ``max_delay``) or the backoff; a 401
        renews the token once per call without using an attempt."""
        renewed = False

        def attempt() -> dict[str, Any]:
            nonlocal renewed
            while True:
                headers = {"Authorization": f"Bearer {self.tokens.token()}"}
                answer = self.http.get(self.base_url + path, params=params, headers=headers)
                if answer.status_code == 200:
                    return answer.json()
                if answer.status_code == 401 and not renewed:
                    renewed = True  # expired or revoked: one new token, then it is an error
                    self.tokens.invalidate()
                    continue
                break
            status, message = _error_of(answer)
            kind = SheetsQuotaExceeded if answer.status_code == 429 else SheetsApiError
            failure = kind(answer.status_code, status, message)
            if answer.status_code not in RETRIED:
                raise failure
            hinted = parse_retry_after(answer.headers.get("Retry-After"))
            wait = None if hinted is None else min(hinted, self.max_delay)
            raise RetryableFailure(str(failure), wait=wait, final=failure)

        try:
            return call_with_retries(
                attempt,
                attempts=self.attempts,
                backoff=self._backoff,
                sleep=self.sleep,
                before_retry=lambda _failure, seconds: self.waits.append(seconds),
            )
        except RetryableFailure as failure:
            raise failure.final from None

    def _backoff(self, failed_attempt: int) -> float:
        delay = min(self.base_delay * 2**failed_attempt, self.max_delay)
        return delay + random.uniform(0, min(1.0, delay / 10))


def _error_of(answer: httpx.Response) -> tuple[str, str]:
    try:
        error = answer.json().get("error") or {}
    except ValueError:
        error = {}
    if not isinstance(error, dict):
        return str(answer.status_code), str(error)
    return str(error.get("status") or answer.status_code), str(error.get("message") or "")
