"""The ESM Trading API token: an HS256 JWT per request, made and checked here (no Django).

The published contract (https://etapi.gmarket.com/pages/API-가이드, "3. API 이해하기", and
https://etapi.ebaykorea.com/api-start/certification-guide/):

- header ``{"alg": "HS256", "typ": "JWT", "kid": <ESM+ master ID>}``;
- payload ``{"iss": <the seller tool's domain>, "sub": "sell", "aud": "sa.esmplus.com",
  "iat": <epoch seconds>, "ssi": "A:<Auction seller ID>,G:<Gmarket seller ID>"}`` (one site
  alone is ``"A:id"`` or ``"G:id"``);
- signature: HMAC-SHA256 of ``base64url(header) + "." + base64url(payload)`` with the secret
  key issued to the master ID; sent as ``Authorization: Bearer <jwt>``.

``token_for`` makes one; ``token_check`` is what the market does with it (the local contract
server uses it), so both sides read the same rules. A token is made fresh for every call: the
market refuses one whose ``iat`` is further than ``MAX_SKEW`` seconds from its clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt

AUDIENCE = "sa.esmplus.com"
SUBJECT = "sell"
ALGORITHM = "HS256"
# How far ``iat`` may be from the market's clock. Not published: the guide only says the token
# is checked on every call; five minutes is the usual allowance and is marked unverified.
MAX_SKEW = 300
SITE_PREFIX = {"auction": "A", "gmarket": "G"}


class TokenRefused(Exception):
    """The market would refuse this token; the message says why (never the token or key)."""


@dataclass(frozen=True)
class Signer:
    """What a token is made of: the master ID (``kid``), its secret key, our domain (``iss``)
    and the seller IDs of the sites sold on. ``repr`` never shows the secret."""

    master_id: str
    secret_key: str
    domain: str
    seller_ids: Mapping[str, str]

    def __repr__(self) -> str:
        return f"<Signer kid={self.master_id!r} sites={sorted(self.seller_ids)}>"

    def token(self, now: float | None = None) -> str:
        return token_for(
            master_id=self.master_id,
            secret_key=self.secret_key,
            domain=self.domain,
            seller_ids=self.seller_ids,
            issued_at=int(time.time() if now is None else now),
        )


def ssi_for(seller_ids: Mapping[str, str]) -> str:
    """``"A:auction_id,G:gmarket_id"`` for the sites that have an ID, Auction first."""
    parts = [
        f"{SITE_PREFIX[site]}:{seller_ids[site]}"
        for site in ("auction", "gmarket")
        if seller_ids.get(site)
    ]
    return ",".join(parts)


def ssi_parse(ssi: str) -> dict[str, str]:
    """The seller IDs an ``ssi`` claim names, by site; ``TokenRefused`` when it is malformed."""
    sites = {prefix: site for site, prefix in SITE_PREFIX.items()}
    found: dict[str, str] = {}
    for part in (ssi or "").split(","):
        prefix, _, seller = part.strip().partition(":")
        if prefix not in sites or not seller:
            raise TokenRefused(f"ssi must read 'A:<id>,G:<id>', not {ssi!r}")
        found[sites[prefix]] = seller
    return found


def token_for(
    *,
    master_id: str,
    secret_key: str,
    domain: str,
    seller_ids: Mapping[str, str],
    issued_at: int,
) -> str:
    """The signed JWT for one call (see the module docstring for its fields)."""
    payload = {
        "iss": domain,
        "sub": SUBJECT,
        "aud": AUDIENCE,
        "iat": int(issued_at),
        "ssi": ssi_for(seller_ids),
    }
    headers = {"alg": ALGORITHM, "typ": "JWT", "kid": master_id}
    return jwt.encode(payload, secret_key, algorithm=ALGORITHM, headers=headers)


def token_check(
    token: str,
    secret_of: Callable[[str], str | None],
    *,
    now: float | None = None,
    max_skew: float = MAX_SKEW,
    sellers_of: Callable[[str], Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The token's claims when the market would accept it, else ``TokenRefused``.

    ``secret_of(kid)`` is the secret issued to that master ID (None: unknown master);
    ``sellers_of(kid)`` the seller IDs linked to it (``ssi`` may only name those)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenRefused("the Authorization token is not a JWT") from None
    if header.get("alg") != ALGORITHM:
        raise TokenRefused(f"alg must be {ALGORITHM}")
    kid = str(header.get("kid") or "")
    secret = secret_of(kid) if kid else None
    if not secret:
        raise TokenRefused("kid is not a registered ESM+ master ID")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["iss", "sub", "aud", "iat", "ssi"], "verify_iat": False},
        )
    except jwt.InvalidSignatureError:
        raise TokenRefused("the signature does not match the master ID's secret key") from None
    except jwt.InvalidAudienceError:
        raise TokenRefused(f"aud must be {AUDIENCE}") from None
    except jwt.PyJWTError as exc:
        raise TokenRefused(f"the token is invalid ({type(exc).__name__})") from None
    if claims.get("sub") != SUBJECT:
        raise TokenRefused(f"sub must be {SUBJECT!r}")
    clock = time.time() if now is None else now
    issued = claims.get("iat")
    if not isinstance(issued, int | float) or abs(clock - float(issued)) > max_skew:
        raise TokenRefused("the token has expired (iat too far from the server's clock)")
    sellers = ssi_parse(str(claims.get("ssi") or ""))
    if sellers_of is not None:
        allowed = set(sellers_of(kid))
        strangers = sorted(s for s in sellers.values() if s not in allowed)
        if strangers:
            raise TokenRefused(f"ssi names sellers not linked to this master ID: {strangers}")
    return claims
