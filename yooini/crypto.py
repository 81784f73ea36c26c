"""Encryption of credentials at rest (Fernet: AES-128-CBC with an HMAC-SHA256 tag), for every
app that keeps a secret: suppliers' and market accounts' credentials, buyers' personal data.

The key comes from the environment, ``YOOINI_CREDENTIALS_KEY`` (read into the setting of that
name): never from the database that holds the ciphertext, so a copy of the database alone
does not reveal a credential. Several keys separated by commas rotate: the first encrypts,
every one of them decrypts, so an operator adds a new key in front, re-saves the
credentials (``supplier_credentials_reencrypt``), then drops the old key.

Errors name the variable and never contain the key or a plaintext value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError

KEY_VARIABLE = "YOOINI_CREDENTIALS_KEY"
_GENERATE = (
    'generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)


class CredentialsError(Exception):
    """Credentials cannot be encrypted or decrypted; the message says what to fix."""


class CredentialsKeyMissing(CredentialsError, ImproperlyConfigured):
    """``YOOINI_CREDENTIALS_KEY`` is not set (or not a Fernet key)."""


class CredentialsUnreadable(CredentialsError):
    """The stored ciphertext was not made with any of the configured keys (or was altered)."""


def _fernet() -> MultiFernet:
    configured = str(getattr(settings, KEY_VARIABLE, "") or "")
    keys = [k.strip() for k in configured.split(",") if k.strip()]
    if not keys:
        raise CredentialsKeyMissing(
            f"{KEY_VARIABLE} is not set: stored credentials are encrypted with it; {_GENERATE}"
        )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError):
        # Never echo the value: a near-miss of a real key is still most of a key.
        raise CredentialsKeyMissing(
            f"{KEY_VARIABLE} is not a Fernet key (32 url-safe base64-encoded bytes; several "
            f"keys are separated by commas); {_GENERATE}"
        ) from None


def credentials_encrypt(values: Mapping[str, str]) -> str:
    """The ciphertext (ASCII text) of ``values``; an empty mapping is stored as ``""``."""
    if not values:
        return ""
    plain = json.dumps(dict(values), ensure_ascii=False, sort_keys=True).encode()
    return _fernet().encrypt(plain).decode("ascii")


def credentials_decrypt(token: str) -> dict[str, str]:
    """The credentials stored as ``token`` (``{}`` for ``""``, which needs no key).

    Raises ``CredentialsKeyMissing`` without a key, ``CredentialsUnreadable`` when no
    configured key opens the token.
    """
    if not token:
        return {}
    try:
        plain = _fernet().decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        raise CredentialsUnreadable(
            f"stored credentials cannot be decrypted with {KEY_VARIABLE}: it is not "
            "the key they were stored with (when rotating, keep the old key after the new one)"
        ) from None
    return json.loads(plain)


def credentials_rotate(token: str) -> str:
    """``token`` encrypted again with the first configured key (key rotation)."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise CredentialsUnreadable(
            f"stored credentials cannot be decrypted with {KEY_VARIABLE}"
        ) from None


def credentials_checked(credentials: object) -> dict[str, str]:
    """``credentials`` as a plain dict if it maps non-empty names to text values, else a
    ``ValidationError`` naming the bad entries (names only: a value in an error message would
    end up in a log or a page)."""
    if not isinstance(credentials, Mapping):
        raise ValidationError("credentials must be an object of names to text values")
    bad = [
        str(k)
        for k, v in credentials.items()
        if not isinstance(k, str) or not k.strip() or not isinstance(v, str)
    ]
    if bad:
        raise ValidationError(f"credentials must map names to text values; bad entries: {bad}")
    return dict(credentials)


def credentials_form_value(value: object) -> dict[str, str] | None:
    """An admin form's new credentials, checked and encryptable now (a missing key is a form
    error, not a half-saved row); None when the field was left empty."""
    if value in (None, "", {}):
        return None
    checked = credentials_checked(value)
    try:
        credentials_encrypt(checked)
    except CredentialsError as exc:
        raise ValidationError(str(exc)) from None
    return checked
