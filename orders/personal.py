"""The buyer's personal data: encrypted at rest with the credentials key
(``yooini.crypto``, Fernet, ``YOOINI_CREDENTIALS_KEY``), and masked for anyone who may only
view.

Masking keeps just enough to recognise an order on the phone: the first and last character of
a name, the last four digits of a phone number, the first two words of an address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from yooini.crypto import credentials_decrypt, credentials_encrypt

FIELDS = ("name", "phone", "address", "zip_code")


def buyer_encrypt(buyer: Mapping[str, str]) -> str:
    values = {key: str(buyer.get(key) or "") for key in FIELDS}
    return credentials_encrypt(values) if any(values.values()) else ""


def buyer_decrypt(token: str) -> dict[str, str]:
    values = credentials_decrypt(token)
    return {key: str(values.get(key) or "") for key in FIELDS}


def mask_name(name: str) -> str:
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return f"***-****-{digits[-4:]}" if len(digits) >= 4 else ("***" if phone else "")


def mask_address(address: str) -> str:
    words = address.split()
    if not words:
        return ""
    return " ".join(words[:2]) + (" ***" if len(words) > 2 else "")


def buyer_masked(buyer: Mapping[str, str]) -> dict[str, str]:
    return {
        "name": mask_name(buyer.get("name", "")),
        "phone": mask_phone(buyer.get("phone", "")),
        "address": mask_address(buyer.get("address", "")),
        "zip_code": "***" if buyer.get("zip_code") else "",
    }
