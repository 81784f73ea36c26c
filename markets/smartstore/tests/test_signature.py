"""The token signature against the published sample, and the salt handling it needs."""

from __future__ import annotations

import pytest

from markets.smartstore.signature import (
    InvalidSecret,
    canonical_salt,
    client_secret_sign,
    signature_matches,
)

# https://apicenter.commerce.naver.com/docs/auth (코드 예시: Java, Python, Node.js)
SAMPLE_ID = "aaaabbbbcccc"
SAMPLE_SECRET = "$2a$10$abcdefghijklmnopqrstuv"
SAMPLE_TIMESTAMP = 1643961623299
SAMPLE_SIGN = "JDJhJDEwJGFiY2RlZmdoaWprbG1ub3BxcnN0dXVCVldZSk42T0VPdEx1OFY0cDQxa2IuTnpVaUEzbmsy"


def test_the_published_sample_gives_the_published_signature():
    assert client_secret_sign(SAMPLE_ID, SAMPLE_SECRET, SAMPLE_TIMESTAMP) == SAMPLE_SIGN


def test_the_canonical_form_of_the_sample_salt_gives_the_same_signature():
    canonical = "$2a$10$abcdefghijklmnopqrstuu"
    assert canonical_salt(SAMPLE_SECRET) == canonical.encode()
    assert client_secret_sign(SAMPLE_ID, canonical, SAMPLE_TIMESTAMP) == SAMPLE_SIGN


def test_a_canonical_secret_is_left_as_it_is():
    assert canonical_salt("$2a$04$QKLnou1D2cSH19Pia30bcu") == b"$2a$04$QKLnou1D2cSH19Pia30bcu"


def test_another_timestamp_or_client_gives_another_signature():
    assert client_secret_sign(SAMPLE_ID, SAMPLE_SECRET, SAMPLE_TIMESTAMP + 1) != SAMPLE_SIGN
    assert client_secret_sign("aaaabbbbcccd", SAMPLE_SECRET, SAMPLE_TIMESTAMP) != SAMPLE_SIGN


def test_the_server_check_accepts_the_standard_and_url_safe_alphabets():
    assert signature_matches(SAMPLE_ID, SAMPLE_SECRET, SAMPLE_TIMESTAMP, SAMPLE_SIGN)
    assert not signature_matches(SAMPLE_ID, SAMPLE_SECRET, SAMPLE_TIMESTAMP + 1, SAMPLE_SIGN)


def test_a_secret_that_is_no_bcrypt_salt_is_refused_without_being_echoed():
    with pytest.raises(InvalidSecret) as caught:
        client_secret_sign(SAMPLE_ID, "plain-secret-value", SAMPLE_TIMESTAMP)
    assert "plain-secret-value" not in str(caught.value)
