"""Block D's Sheets API client against the local contract server: service-account JWT auth,
values.get and batchGet on A1 ranges, Google's errors, and quota errors with backoff."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from pokervod.sheets.a1 import A1Error, parse_a1
from pokervod.sheets.auth import JWT_BEARER, ServiceAccount, SheetsAuthError
from pokervod.sheets.client import SheetsApiError, SheetsClient, SheetsQuotaExceeded
from pokervod.sheets.testing import SheetsContractServer

SHEET = "1pokervod-test-sheet"
ROWS = [
    ["hand_id", "file_name", "in", "out", "tags"],
    ["H-1", "WSOP_2024_Main_Event_Day1A.mp4", "00:01:00", "00:02:00", "bluff"],
    ["H-2", "WSOP_2024_Main_Event_Day1A.mp4", "00:05:00", "00:06:00", "", ""],
]


@pytest.fixture
def server():
    with SheetsContractServer() as running:
        yield running


@pytest.fixture
def key(server):
    info = server.service_account()
    server.spreadsheet(SHEET, {"Hands": ROWS, "Notes": [["x"]]}, share_with=[info["client_email"]])
    return info


def client_for(server, key, **kwargs) -> SheetsClient:
    kwargs.setdefault("base_delay", 0.01)
    return SheetsClient(ServiceAccount.from_info(key), base_url=server.base_url, **kwargs)


def test_values_get_reads_a_range_as_google_answers_it(server, key):
    with client_for(server, key) as client:
        got = client.values_get(SHEET, "Hands!A1:E")
        assert got["range"] == "Hands!A1:E3"
        assert got["values"] == [ROWS[0], ROWS[1], ROWS[2][:4]]  # trailing empties dropped
        assert client.values_get(SHEET, "Hands!B2:C2")["values"] == [ROWS[1][1:3]]
        assert client.values_get(SHEET, "'Hands'!A10:B12")["values"] == []
        columns = client.values_get(SHEET, "Hands!A1:A3", major_dimension="COLUMNS")
        assert columns["values"] == [["hand_id", "H-1", "H-2"]]
        both = client.batch_get(SHEET, ["Hands!A2:A3", "Notes!A1"])
        assert [v["values"] for v in both] == [[["H-1"], ["H-2"]], [["x"]]]
    # One token for every read: it is cached.
    assert [h for h in server.hits if h[1] == "/token"] == [("POST", "/token", 200)]


def test_bad_ranges_are_refused_before_and_by_the_server(server, key):
    with client_for(server, key) as client:
        with pytest.raises(A1Error, match="Unable to parse range: Hands!B:A"):
            client.values_get(SHEET, "Hands!B:A")
        # Well-formed but naming no tab: the server's 400.
        with pytest.raises(SheetsApiError, match="400 INVALID_ARGUMENT: Unable to parse range"):
            client.values_get(SHEET, "Missing!A1:B2")
    answer = httpx.get(
        f"{server.base_url}/v4/spreadsheets/{SHEET}/values/Hands!A0",
        headers={"Authorization": "Bearer nothing"},
    )
    assert answer.status_code == 401


def test_permission_and_existence(server, key):
    stranger = server.service_account("other@pokervod-test.iam.gserviceaccount.com")
    with client_for(server, stranger) as client:
        with pytest.raises(SheetsApiError) as denied:
            client.values_get(SHEET, "Hands!A1:B2")
        assert (denied.value.http_status, denied.value.status) == (403, "PERMISSION_DENIED")
        with pytest.raises(SheetsApiError, match="404 NOT_FOUND"):
            client.values_get("no-such-sheet", "A1:B2")


def test_the_token_endpoint_checks_the_jwt(server, key):
    good = ServiceAccount.from_info(key)
    token_uri = key["token_uri"]

    def grant(assertion, grant_type=JWT_BEARER):
        return httpx.post(token_uri, data={"grant_type": grant_type, "assertion": assertion})

    assert (
        grant(good.assertion("https://www.googleapis.com/auth/spreadsheets.readonly"))
        .json()["access_token"]
        .startswith("ya29.")
    )
    assert grant("x", grant_type="password").json()["error"] == "unsupported_grant_type"
    assert grant("not-a-jwt").json()["error"] == "invalid_grant"
    now = int(time.time())
    claims = {"iss": good.client_email, "scope": "https://www.googleapis.com/auth/spreadsheets"}
    too_long = {**claims, "aud": token_uri, "iat": now, "exp": now + 7200}
    assert (
        "short-lived"
        in grant(jwt.encode(too_long, good.private_key, "RS256")).json()["error_description"]
    )
    wrong_aud = {**claims, "aud": "https://elsewhere/token", "iat": now, "exp": now + 60}
    assert grant(jwt.encode(wrong_aud, good.private_key, "RS256")).status_code == 400
    unsigned = jwt.encode(
        {**claims, "aud": token_uri, "iat": now, "exp": now + 60}, "k" * 32, "HS256"
    )
    assert grant(unsigned).json()["error_description"] == "Invalid JWT Signature."
    other_scope = {**claims, "scope": "https://www.googleapis.com/auth/drive", "aud": token_uri}
    other_scope.update(iat=now, exp=now + 60)
    assert grant(jwt.encode(other_scope, good.private_key, "RS256")).json()["error"] == (
        "invalid_scope"
    )
    # A key the server does not know: the client says the token endpoint refused it.
    forged = dict(key, client_email="nobody@elsewhere.iam.gserviceaccount.com")
    with (
        client_for(server, forged) as client,
        pytest.raises(SheetsAuthError, match="invalid_grant"),
    ):
        client.values_get(SHEET, "Hands!A1")


def test_a_revoked_token_is_replaced_once(server, key):
    with client_for(server, key) as client:
        client.values_get(SHEET, "Hands!A1")
        server.tokens_revoke()
        assert client.values_get(SHEET, "Hands!A1")["values"] == [["hand_id"]]
    assert len([h for h in server.hits if h[1] == "/token"]) == 2


def test_quota_errors_back_off_exponentially_then_give_up(server, key):
    waits = []
    with client_for(server, key, attempts=4, base_delay=0.01, sleep=waits.append) as client:
        client.tokens.token()  # faults below are for the reads, not the token endpoint
        server.fail_next(429, times=2)
        assert client.values_get(SHEET, "Hands!A1")["values"] == [["hand_id"]]
        assert len(waits) == 2 and waits[1] > waits[0] >= 0.01
        server.fail_next(429, times=4)
        with pytest.raises(SheetsQuotaExceeded, match="429 RESOURCE_EXHAUSTED: Quota exceeded"):
            client.values_get(SHEET, "Hands!A1")


def test_the_servers_quota_is_per_minute_per_user(server, key):
    server.quota(reads_per_minute=3)
    with client_for(server, key, attempts=1) as client:
        for _ in range(3):
            client.values_get(SHEET, "Hands!A1")
        with pytest.raises(SheetsQuotaExceeded):
            client.values_get(SHEET, "Hands!A1")


def test_retry_after_is_honoured(server, key, monkeypatch):
    waits = []
    original = server.rate_limited

    def with_hint(call):
        status, headers, body = original(call)
        return status, {**headers, "Retry-After": "7"}, body

    monkeypatch.setattr(server, "rate_limited", with_hint)
    with client_for(server, key, sleep=waits.append) as client:
        client.tokens.token()
        server.fail_next(429)
        client.values_get(SHEET, "Hands!A1")
    assert waits == [7.0]


def test_the_private_key_never_shows():
    account = ServiceAccount.from_info({"client_email": "a@b", "private_key": "-----SECRET"})
    assert "SECRET" not in repr(account)
    with pytest.raises(SheetsAuthError, match="missing private_key"):
        ServiceAccount.from_info({"client_email": "a@b"})


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("Sheet1!A1:D10", ("Sheet1", 0, 0, 9, 3)),
        ("'My ''Hands'''!A:C", ("My 'Hands'", None, 0, None, 2)),
        ("Sheet1!2:5", ("Sheet1", 1, None, 4, None)),
        ("A1:B2", (None, 0, 0, 1, 1)),
        ("Hands", ("Hands", None, None, None, None)),
        ("Hands!A2:H", ("Hands", 1, 0, None, 7)),
    ],
)
def test_a1_ranges(text, bounds):
    parsed = parse_a1(text)
    assert (
        parsed.sheet,
        parsed.first_row,
        parsed.first_col,
        parsed.last_row,
        parsed.last_col,
    ) == bounds


@pytest.mark.parametrize(
    "text", ["", "Sheet1!", "!A1", "Sheet1!A0", "Sheet1!B:A", "'open!A1", "A1:"]
)
def test_bad_a1_ranges(text):
    with pytest.raises(A1Error, match="Unable to parse range"):
        parse_a1(text)
