"""One ESM account's settings, read once from ``MarketConfig`` (no Django).

Settings (plain JSON, docs/markets/gmarket.md): ``base_url``, ``domain`` (the token's ``iss``),
``sites`` (``["gmarket", "auction"]`` by default), ``gmarket_seller_id``,
``auction_seller_id``, ``shipping_place_no`` (출하지 번호), ``dispatch_policy_no`` (발송정책 번호,
one number, or ``{"gmarket": n, "auction": n}``), ``return_address_no`` (반품/교환지 주소록
번호), ``delivery_company_no`` (택배사 코드), ``return_fee``, ``default_stock`` (99),
``selling_period`` (-1: no end), ``rate_limit_max_wait`` (seconds a 429 is waited for).
Credentials: ``master_id`` and ``secret_key``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_BASE_URL = "https://sa2.esmplus.com"
SITES = ("gmarket", "auction")
DEFAULT_STOCK = 99


@dataclass(frozen=True)
class AccountSettings:
    base_url: str = DEFAULT_BASE_URL
    domain: str = ""
    sites: tuple[str, ...] = SITES
    seller_ids: Mapping[str, str] = field(default_factory=dict)
    shipping_place_no: int | None = None
    dispatch_policy_no: Mapping[str, int] = field(default_factory=dict)
    return_address_no: int | None = None
    delivery_company_no: int | None = None
    return_fee: int | None = None
    default_stock: int = DEFAULT_STOCK
    selling_period: int = -1
    rate_limit_max_wait: float = 2.0

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> AccountSettings:
        sites = tuple(s for s in (settings.get("sites") or SITES) if s in SITES) or SITES
        dispatch = settings.get("dispatch_policy_no")
        if isinstance(dispatch, Mapping):
            dispatch_by_site = {s: _int(dispatch.get(s)) for s in sites}
        else:
            dispatch_by_site = {s: _int(dispatch) for s in sites}
        return cls(
            base_url=str(settings.get("base_url") or DEFAULT_BASE_URL).rstrip("/"),
            domain=str(settings.get("domain") or ""),
            sites=sites,
            seller_ids={
                s: str(settings.get(f"{s}_seller_id") or "")
                for s in sites
                if settings.get(f"{s}_seller_id")
            },
            shipping_place_no=_int(settings.get("shipping_place_no")),
            dispatch_policy_no={s: n for s, n in dispatch_by_site.items() if n is not None},
            return_address_no=_int(settings.get("return_address_no")),
            delivery_company_no=_int(settings.get("delivery_company_no")),
            return_fee=_int(settings.get("return_fee")),
            default_stock=_int(settings.get("default_stock")) or DEFAULT_STOCK,
            selling_period=_int(settings.get("selling_period")) or -1,
            rate_limit_max_wait=float(settings.get("rate_limit_max_wait", 2.0)),
        )

    def problems(self, credentials: Mapping[str, str]) -> list[str]:
        """Every missing setting or credential, in plain words (``[]``: ready to publish)."""
        missing = []
        if not credentials.get("master_id"):
            missing.append("credential master_id (the ESM+ master ID) is missing")
        if not credentials.get("secret_key"):
            missing.append("credential secret_key (issued to the master ID) is missing")
        if not self.domain:
            missing.append("setting domain (your site's domain, sent as the token's iss)")
        for site in self.sites:
            if not self.seller_ids.get(site):
                missing.append(f"setting {site}_seller_id (the {site} seller ID) is missing")
            if site not in self.dispatch_policy_no:
                missing.append(f"setting dispatch_policy_no for {site} (발송정책 번호)")
        if self.shipping_place_no is None:
            missing.append("setting shipping_place_no (출하지 번호 from the ESM+ address book)")
        if self.return_address_no is None:
            missing.append("setting return_address_no (반품/교환지 주소록 번호)")
        return missing


def _int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
