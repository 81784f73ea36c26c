"""A local Google Sheets API v4 that enforces the contract, for tests and the sample.

``SheetsContractServer`` is a ``markets.contract_server.ContractServer`` (127.0.0.1, port 0,
``fail_next``, ``rate_limit``, ``hits``). It checks what Google checks:

- ``POST /token`` (form): ``grant_type`` the JWT bearer grant, ``assertion`` a JWT signed
  RS256 by a registered service account's key (``kid`` its key id), ``aud`` this token URI,
  ``exp`` at most an hour after ``iat`` and not past, a Sheets ``scope``; else 400 with
  OAuth's ``{"error", "error_description"}``. Answers ``{"access_token", "expires_in",
  "token_type": "Bearer"}`` (https://developers.google.com/identity/protocols/oauth2/service-account).
- ``GET /v4/spreadsheets/{id}/values/{range}`` and ``.../values:batchGet?ranges=..``: a live
  bearer token (else 401 UNAUTHENTICATED), a known spreadsheet (404 NOT_FOUND) shared with
  the account (403 PERMISSION_DENIED), ranges in A1 notation on an existing tab (400
  INVALID_ARGUMENT ``Unable to parse range: X``); answers ``{"range", "majorDimension",
  "values"}`` with trailing empty cells and rows left out and ``values`` absent when empty.
- Quota: ``quota(reads_per_minute)`` per account, a token bucket; beyond it 429
  RESOURCE_EXHAUSTED in Google's error shape (``fail_next(429)`` gives the same answer).

Errors are ``{"error": {"code", "message", "status"}}``
(https://developers.google.com/sheets/api/limits, https://cloud.google.com/apis/design/errors).
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any
from urllib.parse import unquote

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from markets.contract_server import Answer, Call, ContractServer

from .a1 import A1Error, parse_a1
from .auth import JWT_BEARER

SCOPES = {
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/spreadsheets.readonly",
}
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
_KEY_CACHE: dict[str, Any] = {}
_KEY_LOCK = threading.Lock()


def _test_key():
    # One RSA key per process: generating one takes a noticeable part of a second.
    with _KEY_LOCK:
        if "key" not in _KEY_CACHE:
            _KEY_CACHE["key"] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _KEY_CACHE["key"]


def google_error(code: int, message: str) -> Answer:
    status = _STATUS.get(code, "UNKNOWN")
    return code, {}, {"error": {"code": code, "message": message, "status": status}}


class SheetsContractServer(ContractServer):
    persistent = ("creates", "spreadsheets", "shares")

    def __init__(self, *, token_ttl: int = 3600, **kwargs):
        super().__init__(**kwargs)
        self.token_ttl = token_ttl
        self.accounts: dict[str, tuple[str, Any]] = {}  # email -> (key id, public key)
        self.tokens: dict[str, tuple[str, float]] = {}  # token -> (email, expiry)
        self.spreadsheets: dict[str, dict[str, list[list[str]]]] = {}
        self.shares: dict[str, set[str]] = {}
        self.reads = 0

    # --- what a test sets up --------------------------------------------------------------

    def service_account(self, email: str = "sync@pokervod-test.iam.gserviceaccount.com") -> dict:
        """A new service account key, in Google's JSON key file shape, known to this server."""
        key = _test_key()
        key_id = secrets.token_hex(20)
        with self.lock:
            self.accounts[email] = (key_id, key.public_key())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return {
            "type": "service_account",
            "client_email": email,
            "private_key_id": key_id,
            "private_key": pem,
            "token_uri": f"{self.base_url}/token",
        }

    def spreadsheet(self, spreadsheet_id: str, tabs: dict[str, list[list[str]]], *, share_with=()):
        with self.lock:
            self.spreadsheets[spreadsheet_id] = {
                t: [list(r) for r in rows] for t, rows in tabs.items()
            }
            self.shares[spreadsheet_id] = set(share_with)

    def edit(self, spreadsheet_id: str, tab: str, row: int, col: int, value: str) -> None:
        """Set one cell (zero-based), growing the grid as an editor's typing would."""
        with self.lock:
            rows = self.spreadsheets[spreadsheet_id][tab]
            while len(rows) <= row:
                rows.append([])
            while len(rows[row]) <= col:
                rows[row].append("")
            rows[row][col] = value

    def quota(self, reads_per_minute: float, *, burst: float | None = None) -> None:
        self.rate_limit(reads_per_minute / 60.0, burst=burst or reads_per_minute)

    def tokens_revoke(self) -> None:
        with self.lock:
            self.tokens.clear()

    # --- the contract ----------------------------------------------------------------------

    def client_key(self, call: Call) -> str:
        if call.path == "/token":
            return "oauth"  # the token endpoint is not a Sheets read
        return self._email(call) or "anonymous"

    def rate_limited(self, call: Call) -> Answer:
        return google_error(
            429,
            "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per "
            "minute per user' of service 'sheets.googleapis.com'.",
        )

    def server_error(self, call: Call, status: int) -> Answer:
        return google_error(status, "The service is currently unavailable.")

    def route(self, call: Call) -> Answer:
        if call.path == "/token" and call.method == "POST":
            return self._token(call)
        prefix = "/v4/spreadsheets/"
        if call.method != "GET" or not call.path.startswith(prefix):
            return google_error(404, "Requested entity was not found.")
        email = self._email(call)
        if email is None:
            return google_error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
            )
        rest = call.path[len(prefix) :]
        spreadsheet_id, _, tail = rest.partition("/")
        spreadsheet_id = unquote(spreadsheet_id)
        with self.lock:
            tabs = self.spreadsheets.get(spreadsheet_id)
            shared = email in self.shares.get(spreadsheet_id, set())
            self.reads += 1
        if tabs is None:
            return google_error(404, "Requested entity was not found.")
        if not shared:
            return google_error(403, "The caller does not have permission")
        if tail == "values:batchGet":
            ranges = call.params.get("ranges") or []
            if not ranges:
                return google_error(400, "Must specify at least one range.")
            found = []
            for text in ranges:
                one = self._values(tabs, text, call)
                if one[0] != 200:
                    return one
                found.append(one[2])
            return 200, {}, {"spreadsheetId": spreadsheet_id, "valueRanges": found}
        if tail.startswith("values/"):
            return self._values(tabs, unquote(tail[len("values/") :]), call)
        return google_error(404, "Requested entity was not found.")

    def _values(self, tabs: dict[str, list[list[str]]], text: str, call: Call) -> Answer:
        major = (call.params.get("majorDimension") or ["ROWS"])[0]
        render = (call.params.get("valueRenderOption") or ["FORMATTED_VALUE"])[0]
        if major not in ("ROWS", "COLUMNS"):
            return google_error(400, f"Invalid value at 'major_dimension' ({major})")
        if render not in ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"):
            return google_error(400, f"Invalid value at 'value_render_option' ({render})")
        try:
            wanted = parse_a1(text)
        except A1Error as exc:
            return google_error(400, str(exc))
        tab = wanted.sheet or next(iter(tabs), None)
        with self.lock:
            rows = tabs.get(tab) if tab is not None else None
            if rows is None:
                return google_error(400, f"Unable to parse range: {text}")
            values = wanted.slice([list(r) for r in rows])
            width = max((len(r) for r in rows), default=1)
            echoed = wanted.a1(tab, max(len(rows), 1), max(width, 1))
        if major == "COLUMNS":
            span = max((len(r) for r in values), default=0)
            values = [[r[i] if i < len(r) else "" for r in values] for i in range(span)]
        body: dict[str, Any] = {"range": echoed, "majorDimension": major}
        if values:
            body["values"] = values
        return 200, {}, body

    def _token(self, call: Call) -> Answer:
        form = {k: v[0] for k, v in _form(call.raw).items()}
        if form.get("grant_type") != JWT_BEARER:
            return (
                400,
                {},
                {
                    "error": "unsupported_grant_type",
                    "error_description": f"Invalid grant_type: {form.get('grant_type', '')}",
                },
            )
        assertion = form.get("assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return _invalid_grant("Invalid JWT: malformed")
        with self.lock:
            account = self.accounts.get(str(unverified.get("iss", "")))
        if account is None:
            return _invalid_grant("Invalid JWT Signature.")
        key_id, public_key = account
        if header.get("alg") != "RS256" or header.get("kid", key_id) != key_id:
            return _invalid_grant("Invalid JWT Signature.")
        try:
            claims = jwt.decode(
                assertion,
                public_key,
                algorithms=["RS256"],
                audience=f"{self.base_url}/token",
                options={"require": ["iss", "aud", "iat", "exp", "scope"]},
            )
        except jwt.InvalidAudienceError:
            return _invalid_grant("Invalid JWT: audience does not match the token URI")
        except jwt.ExpiredSignatureError:
            return _invalid_grant("Invalid JWT: Token must be a short-lived token (60 minutes)")
        except jwt.PyJWTError:
            return _invalid_grant("Invalid JWT Signature.")
        if int(claims["exp"]) - int(claims["iat"]) > 3600:
            return _invalid_grant("Invalid JWT: Token must be a short-lived token (60 minutes)")
        if not set(str(claims["scope"]).split()) & SCOPES:
            return 400, {}, {"error": "invalid_scope", "error_description": "Invalid OAuth scope"}
        token = "ya29." + secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = (claims["iss"], time.monotonic() + self.token_ttl)
        return (
            200,
            {},
            {"access_token": token, "expires_in": self.token_ttl, "token_type": "Bearer"},
        )

    def _email(self, call: Call) -> str | None:
        auth = call.header("authorization")
        if not auth.startswith("Bearer "):
            return None
        with self.lock:
            held = self.tokens.get(auth[len("Bearer ") :])
        if held is None or held[1] < time.monotonic():
            return None
        return held[0]


def _invalid_grant(description: str) -> Answer:
    return 400, {}, {"error": "invalid_grant", "error_description": description}


def _form(raw: bytes) -> dict[str, list[str]]:
    from urllib.parse import parse_qs

    return parse_qs(raw.decode(errors="replace"), keep_blank_values=True)
