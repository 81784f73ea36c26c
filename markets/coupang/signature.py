"""Coupang Open API request signing (CEA HMAC-SHA256), shared by the client and the contract
server so both read the same rule.

The published rule (developers.coupangcorp.com/hc/en-us/articles/360033461914, "Creating HMAC
Signature", and its Python example):

- ``signed-date`` is the UTC time as ``yyMMdd'T'HHmmss'Z'`` (``260102T030405Z``);
- the message is ``signed-date + METHOD + path + query``: the query string exactly as sent,
  without its ``?``; the body is not signed;
- the signature is the lowercase hex HMAC-SHA256 of the message keyed by the secret key;
- the header is ``Authorization: CEA algorithm=HmacSHA256, access-key={accessKey},
  signed-date={signed-date}, signature={signature}``.

Coupang refuses a date too far from its clock ("Specified signature is expired"); the contract
server allows ``MAX_SKEW`` either way.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

ALGORITHM = "HmacSHA256"
DATE_FORMAT = "%y%m%dT%H%M%SZ"
MAX_SKEW = timedelta(minutes=5)

_HEADER = re.compile(
    r"^CEA\s+algorithm=(?P<algorithm>[^,\s]+)\s*,\s*access-key=(?P<access_key>[^,\s]+)\s*,"
    r"\s*signed-date=(?P<signed_date>[^,\s]+)\s*,\s*signature=(?P<signature>[0-9a-fA-F]+)\s*$"
)


def signed_date(now: datetime | None = None) -> str:
    """``now`` (default: the wall clock) as Coupang's ``signed-date``, in UTC."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime(DATE_FORMAT)


def signed_date_parse(text: str) -> datetime | None:
    """The UTC moment of a ``signed-date``; None when it is not of that form."""
    try:
        return datetime.strptime(text, DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def signature(secret_key: str, date: str, method: str, path: str, query: str = "") -> str:
    """Lowercase hex HMAC-SHA256 of ``date + METHOD + path + query`` (query without ``?``)."""
    message = f"{date}{method.upper()}{path}{query.lstrip('?')}"
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def authorization(
    access_key: str,
    secret_key: str,
    method: str,
    path: str,
    query: str = "",
    *,
    now: datetime | None = None,
) -> str:
    """The ``Authorization`` header value for one call."""
    date = signed_date(now)
    sign = signature(secret_key, date, method, path, query)
    return (
        f"CEA algorithm={ALGORITHM}, access-key={access_key}, signed-date={date}, signature={sign}"
    )


def authorization_parse(header: str) -> dict[str, str] | None:
    """``{"algorithm", "access_key", "signed_date", "signature"}`` of a CEA header, or None."""
    found = _HEADER.match(header or "")
    return found.groupdict() if found else None


def is_expired(date: str, now: datetime | None = None, skew: timedelta = MAX_SKEW) -> bool:
    """True when ``date`` is unreadable or more than ``skew`` away from ``now``."""
    moment = signed_date_parse(date)
    if moment is None:
        return True
    return abs((now or datetime.now(UTC)) - moment) > skew
