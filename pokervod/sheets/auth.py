"""Service-account authentication for the Sheets API: a JWT signed with the account's
private key (RS256) exchanged for an access token
(https://developers.google.com/identity/protocols/oauth2/service-account#httprest).

The key file is the JSON Google hands out (``client_email``, ``private_key``,
``private_key_id``, ``token_uri``). The private key and the tokens never appear in a repr,
a log line or an error message.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
READONLY_SCOPE = "https://www.googleapis.com/auth/spreadsheets.readonly"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = 3600  # Google refuses an exp more than an hour after iat


class SheetsAuthError(RuntimeError):
    """The token endpoint refused us (its ``error`` and description, never the key)."""


@dataclass(frozen=True)
class ServiceAccount:
    client_email: str
    private_key: str = field(repr=False)
    private_key_id: str = ""
    token_uri: str = GOOGLE_TOKEN_URI

    @classmethod
    def from_info(cls, info: dict[str, Any]) -> ServiceAccount:
        missing = [k for k in ("client_email", "private_key") if not info.get(k)]
        if missing:
            raise SheetsAuthError(f"service account key: missing {', '.join(missing)}")
        return cls(
            client_email=info["client_email"],
            private_key=info["private_key"],
            private_key_id=info.get("private_key_id", ""),
            token_uri=info.get("token_uri") or GOOGLE_TOKEN_URI,
        )

    @classmethod
    def from_file(cls, path: str | Path) -> ServiceAccount:
        try:
            info = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise SheetsAuthError(f"service account key {path}: {type(exc).__name__}") from None
        return cls.from_info(info)

    def assertion(self, scope: str, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        claims = {
            "iss": self.client_email,
            "scope": scope,
            "aud": self.token_uri,
            "iat": issued,
            "exp": issued + ASSERTION_LIFETIME,
        }
        headers = {"kid": self.private_key_id} if self.private_key_id else None
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers=headers)


class TokenSource:
    """An access token, fetched when missing or within a minute of its expiry, shared by
    threads."""

    def __init__(self, account: ServiceAccount, http: httpx.Client, scope: str = READONLY_SCOPE):
        self.account, self.http, self.scope = account, http, scope
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<TokenSource {self.account.client_email}>"

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() > self._expires - 60:
                self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def _fetch(self) -> None:
        answer = self.http.post(
            self.account.token_uri,
            data={"grant_type": JWT_BEARER, "assertion": self.account.assertion(self.scope)},
        )
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if answer.status_code != 200 or not body.get("access_token"):
            raise SheetsAuthError(
                f"token endpoint answered {answer.status_code}: "
                f"{body.get('error', 'no token')}: {body.get('error_description', '')}".rstrip(": ")
            )
        self._token = body["access_token"]
        self._expires = time.monotonic() + float(body.get("expires_in") or 3600)
