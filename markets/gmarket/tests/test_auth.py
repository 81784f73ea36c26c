"""The ESM token: a fixed test vector checked with PyJWT and with an independent HMAC-SHA256,
and the market's checks (signature, kid, aud, sub, ssi, clock skew) over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx
import jwt
import pytest

from markets.contract import ListingState, MarketAuthError, Operation, connector_for
from markets.gmarket.auth import Signer, TokenRefused, ssi_for, token_check, token_for
from markets.gmarket.testing import GmarketContractServer

from .conftest import config_for, make_content

MASTER = "esm-master-01"
SECRET = "vector-secret-key-0123456789abcdef"
ISSUED = 1_700_000_000
SELLERS = {"gmarket": "gm-seller-01", "auction": "ac-seller-01"}


def vector() -> str:
    return token_for(
        master_id=MASTER,
        secret_key=SECRET,
        domain="www.example.com",
        seller_ids=SELLERS,
        issued_at=ISSUED,
    )


def b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def test_vector_header_and_payload_are_the_published_fields():
    header, payload, _ = vector().split(".")
    assert json.loads(b64decode(header)) == {"alg": "HS256", "typ": "JWT", "kid": MASTER}
    assert json.loads(b64decode(payload)) == {
        "iss": "www.example.com",
        "sub": "sell",
        "aud": "sa.esmplus.com",
        "iat": ISSUED,
        "ssi": "A:ac-seller-01,G:gm-seller-01",
    }


def test_vector_signature_is_hmac_sha256_of_header_dot_payload():
    header, payload, signature = vector().split(".")
    expected = hmac.new(
        SECRET.encode(), f"{header}.{payload}".encode("ascii"), hashlib.sha256
    ).digest()
    assert b64decode(signature) == expected
    assert base64.urlsafe_b64encode(expected).rstrip(b"=").decode() == signature


def test_vector_decodes_with_pyjwt_and_the_secret_only():
    claims = jwt.decode(vector(), SECRET, algorithms=["HS256"], audience="sa.esmplus.com")
    assert claims["ssi"] == "A:ac-seller-01,G:gm-seller-01"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(vector(), SECRET + "x", algorithms=["HS256"], audience="sa.esmplus.com")


def test_ssi_names_only_the_sites_sold_on():
    assert ssi_for({"gmarket": "gm"}) == "G:gm"
    assert ssi_for({"auction": "ac"}) == "A:ac"


def test_signer_repr_never_shows_the_secret():
    signer = Signer(MASTER, SECRET, "www.example.com", SELLERS)
    assert SECRET not in repr(signer)


def check(token: str, *, now: float = ISSUED, sellers=None) -> dict:
    sellers = tuple(SELLERS.values()) if sellers is None else sellers
    return token_check(
        token,
        lambda kid: SECRET if kid == MASTER else None,
        now=now,
        sellers_of=lambda kid: list(sellers),
    )


def test_the_market_accepts_the_vector_within_the_clock_skew():
    assert check(vector(), now=ISSUED + 299)["sub"] == "sell"
    assert check(vector(), now=ISSUED - 299)["aud"] == "sa.esmplus.com"


@pytest.mark.parametrize("offset", [301, -301, 86_400])
def test_a_token_too_far_from_the_clock_is_expired(offset):
    with pytest.raises(TokenRefused, match="expired"):
        check(vector(), now=ISSUED + offset)


def test_refusals_name_the_broken_claim():
    forged = token_for(
        master_id=MASTER,
        secret_key="another-secret-0123456789abcdef-00",
        domain="d",
        seller_ids=SELLERS,
        issued_at=ISSUED,
    )
    with pytest.raises(TokenRefused, match="signature"):
        check(forged)
    stranger = token_for(
        master_id="someone", secret_key=SECRET, domain="d", seller_ids=SELLERS, issued_at=ISSUED
    )
    with pytest.raises(TokenRefused, match="kid"):
        check(stranger)
    wrong_aud = jwt.encode(
        {"iss": "d", "sub": "sell", "aud": "x", "iat": ISSUED, "ssi": "G:gm-seller-01"},
        SECRET,
        headers={"kid": MASTER},
    )
    with pytest.raises(TokenRefused, match="aud"):
        check(wrong_aud)
    wrong_sub = jwt.encode(
        {"iss": "d", "sub": "buy", "aud": "sa.esmplus.com", "iat": ISSUED, "ssi": "G:x"},
        SECRET,
        headers={"kid": MASTER},
    )
    with pytest.raises(TokenRefused, match="sub"):
        check(wrong_sub)
    with pytest.raises(TokenRefused, match="not linked"):
        check(vector(), sellers=("gm-seller-01",))


def test_the_server_answers_the_market_auth_shape_without_a_token():
    with GmarketContractServer(stall_seconds=0.5) as server:
        answer = httpx.post(f"{server.base_url}/item/v1/goods", json={}, timeout=2)
    assert answer.status_code == 401
    body = answer.json()
    assert body["status"]["status_code"] == 401 and body["status"]["message"]


@pytest.mark.parametrize("skew, accepted", [(120, True), (-120, True), (600, False)])
def test_clock_skew_between_us_and_the_market(skew, accepted):
    content = make_content()
    with GmarketContractServer(clock=lambda: time.time() + skew) as server:
        connector = connector_for(config_for(server))
        state = ListingState(content.reference_number)
        request = connector.request_for(Operation.CREATE, content, state)
        try:
            if accepted:
                assert connector.send(request, state).external_id
            else:
                with pytest.raises(MarketAuthError, match="expired"):
                    connector.send(request, state)
                assert server.creates[content.reference_number] == 0
        finally:
            connector.close()
