"""The Naver Commerce API token signature (``client_secret_sign``), to its published recipe.

https://apicenter.commerce.naver.com/docs/auth (전자서명): the password is
``client_id + "_" + timestamp`` (Unix milliseconds), the salt is the application's
``client_secret`` (a bcrypt salt such as ``$2a$10$...``), and the signature is the standard
base64 of ``bcrypt.hashpw(password, salt)``. The timestamp is valid for 5 minutes
(https://apicenter.commerce.naver.com/docs/commerce-api/current/exchange-sellers-auth).

The documentation's own sample secret, ``$2a$10$abcdefghijklmnopqrstuv``, ends its 22-character
salt with a character whose low 4 bits are not zero. Java's jBCrypt ignores those bits (a
bcrypt salt holds 128 bits, 22 base-64 characters carry 132), recent Python ``bcrypt`` refuses
the salt instead. ``canonical_salt`` clears the ignored bits, as jBCrypt does implicitly, so the
sample gives the documented signature and real secrets are unchanged (theirs are canonical).

No Django here; nothing here logs or returns the secret.
"""

from __future__ import annotations

import base64
import re

import bcrypt

TIMESTAMP_VALIDITY_MS = 5 * 60 * 1000
_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_SALT = re.compile(r"^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{22}")

__all__ = ["TIMESTAMP_VALIDITY_MS", "canonical_salt", "client_secret_sign", "signature_matches"]


class InvalidSecret(ValueError):
    """The client secret is not a bcrypt salt (``$2a$NN$`` and 22 characters)."""


def canonical_salt(client_secret: str) -> bytes:
    """The bcrypt salt of ``client_secret`` with the last character's ignored bits cleared."""
    match = _SALT.match(client_secret or "")
    if match is None:
        # Never echo the secret: say what shape was expected.
        raise InvalidSecret("the client secret is not a bcrypt salt ($2a$NN$ + 22 characters)")
    salt = match.group(0)
    last = _ALPHABET[_ALPHABET.index(salt[-1]) & 0x30]
    return (salt[:-1] + last).encode("ascii")


def client_secret_sign(client_id: str, client_secret: str, timestamp_ms: int) -> str:
    """``base64(bcrypt.hashpw(f"{client_id}_{timestamp_ms}", client_secret))``."""
    password = f"{client_id}_{int(timestamp_ms)}".encode()
    hashed = bcrypt.hashpw(password, canonical_salt(client_secret))
    return base64.standard_b64encode(hashed).decode("ascii")


def signature_matches(client_id: str, client_secret: str, timestamp_ms: int, sign: str) -> bool:
    """True when ``sign`` is the signature of that client, secret and timestamp (the server's
    check; the URL-safe alphabet of the Java sample is accepted too)."""
    expected = client_secret_sign(client_id, client_secret, timestamp_ms)
    return sign in (expected, expected.replace("+", "-").replace("/", "_"))
