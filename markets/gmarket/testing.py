"""A local ESM Trading API (goods calls) that enforces the contract, for tests (ours and others').

``GmarketContractServer`` subclasses ``markets.contract_server.ContractServer`` (127.0.0.1,
port 0, faults, token-bucket rate limit, ``creates`` per reference number). It checks what
ESM checks, with the same code the connector uses before sending (``auth.token_check`` and
``contract.errors_for``)::

    from markets.gmarket.testing import GmarketContractServer

    with GmarketContractServer() as server:
        config = MarketConfig(kind="gmarket", account="shop",
                              settings={**server.settings(), "shipping_place_no": 1, ...},
                              credentials=server.credentials())
        with connector_for(config) as connector:
            ...
        assert server.creates[content.reference_number] == 1
        assert server.view(content.reference_number)["on_sale"] is True

What it serves:

- every call: ``Authorization: Bearer <jwt>`` signed with the secret of its ``kid`` (the master
  ID), ``aud`` sa.esmplus.com, ``sub`` sell, ``iat`` within ``max_skew`` seconds of the
  server's ``clock``, ``ssi`` naming only the master's seller IDs and a seller for every site
  the body writes to; else 401 ``{"status": {"message": ..., "status_code": 401}}``;
- ``POST /item/v1/goods``: register; ``{"goodsNo", "siteDetail": {"gmkt"|"iac":
  {"SiteGoodsNo"}}, "resultCode": 0, "message": null}``; a body the contract refuses answers
  400 ``{"resultCode": 1000, "message": "<field>: <why>; ..."}``;
- ``PUT /item/v1/goods/{goodsNo}`` (full update), ``.../sell-status`` (``isSell``, price,
  stock; a stopped listing's price cannot change), ``.../recommended-options``: 200 with
  ``resultCode`` 0, or 200 ``{"resultCode": 1000, "message": "[GMKT] 상품이 없습니다."}`` for an
  unknown goods number;
- ``POST /item/v1/goods/search`` ``{"managedCode": [...]}``: ``{"goods": [...], "totalCount",
  "resultCode": 0}``, at most ``search_per_minute`` calls a minute per master ID (then 429);
- the rate limit (``rate_limit(per_second, burst)``, per master ID) and injected 429s answer
  429 ``{"resultCode": 3000, "message": ...}`` with ``Retry-After: retry_after``.

What it records: ``creates`` (registers per managed code), ``goods`` (goods number -> the
listing as held: ``managedCode``, ``body``, ``isSell``, ``price``, ``stock``, ``options``),
``hits`` and ``bodies`` (method, path, JSON of every call).
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from markets.contract_server import Answer, Call, ContractServer

from . import contract
from .auth import MAX_SKEW, TokenRefused, ssi_parse, token_check
from .contract import GOODS_ITEM, GOODS_PATH, OPTIONS, PRICE_KEYS, SEARCH_PATH, SELL_KEYS
from .contract import SELL_STATUS as SELL_STATUS_PATH


class GmarketContractServer(ContractServer):
    """See the module docstring."""

    persistent = (
        "creates",
        "goods",
        "master_id",
        "secret_key",
        "seller_ids",
        "domain",
        "_next_goods_no",
    )

    def __init__(
        self,
        *,
        master_id: str = "esm-master",
        secret_key: str | None = None,
        seller_ids: Mapping[str, str] | None = None,
        domain: str = "shop.example.com",
        max_skew: float = MAX_SKEW,
        retry_after: float = 1,
        search_per_minute: int = 30,
        clock: Callable[[], float] = time.time,
        stall_seconds: float = 3.0,
    ) -> None:
        super().__init__(stall_seconds=stall_seconds)
        self.master_id = master_id
        self.secret_key = secret_key or "esm-" + secrets.token_hex(24)
        self.seller_ids = dict(seller_ids or {"gmarket": "gm-seller", "auction": "ac-seller"})
        self.domain = domain
        self.max_skew = max_skew
        self.retry_after = retry_after
        self.search_per_minute = search_per_minute
        self.clock = clock
        self.goods: dict[int, dict[str, Any]] = {}
        self.bodies: list[tuple[str, str, Any]] = []
        self._next_goods_no = 2_375_980_000
        self._searches: deque[float] = deque()

    # --- what a test hands its connector ------------------------------------------------

    def credentials(self) -> dict[str, str]:
        return {"master_id": self.master_id, "secret_key": self.secret_key}

    def settings(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "domain": self.domain,
            "gmarket_seller_id": self.seller_ids.get("gmarket", ""),
            "auction_seller_id": self.seller_ids.get("auction", ""),
        }

    def view(self, reference_number: str) -> dict[str, Any]:
        """What the market holds under that managed code: price (Gmarket's, else Auction's),
        the pieces buyers can buy (0 when nothing is on sale) and whether it is on sale."""
        with self.lock:
            held = [g for g in self.goods.values() if g["managedCode"] == reference_number]
            if not held:
                raise KeyError(reference_number)
            goods = held[-1]
            on_sale = any(goods["isSell"].values())
            price = next(iter(goods["price"].values()))
            if goods["options"]:
                stock = sum(
                    next(iter(d.get("qty", {}).values()), 0)
                    for d in goods["options"]
                    if not d.get("isSoldOut")
                )
            else:
                stock = next(iter(goods["stock"].values())) if on_sale else 0
            return {"price": price, "stock": stock, "on_sale": on_sale}

    # --- the contract ---------------------------------------------------------------------

    def client_key(self, call: Call) -> str:
        try:
            import jwt

            return str(jwt.get_unverified_header(_bearer(call)).get("kid") or "-")
        except Exception:
            return "-"

    def rate_limited(self, call: Call) -> Answer:
        wait = f"{self.retry_after:g}"
        body = {
            "resultCode": 3000,
            "message": "호출 한도를 초과했습니다. 잠시 후 다시 시도해 주세요.",
        }
        return 429, {"Retry-After": wait}, body

    def route(self, call: Call) -> Answer:
        with self.lock:
            self.bodies.append((call.method, call.path, call.json))
        try:
            claims = token_check(
                _bearer(call),
                lambda kid: self.secret_key if kid == self.master_id else None,
                now=self.clock(),
                max_skew=self.max_skew,
                sellers_of=lambda kid: list(self.seller_ids.values()),
            )
        except TokenRefused as refused:
            return _unauthorized(str(refused))
        # Goods of both sites need a token naming both sellers (etapi.ebaykorea.com, "G마켓 /
        # 옥션 상품 동시 관리 시, G마켓 ID & 옥션 ID 토큰으로 사용합니다").
        named = set(ssi_parse(str(claims["ssi"])))
        unnamed = sorted(_sites_in(call.json) - named)
        if unnamed:
            return _unauthorized(f"the token's ssi names no seller for {', '.join(unnamed)}")
        if call.method == "POST" and call.path == GOODS_PATH:
            return self._register(call)
        if call.method == "POST" and call.path == SEARCH_PATH:
            return self._search(call)
        for pattern, handler in (
            (GOODS_ITEM, self._update),
            (SELL_STATUS_PATH, self._sell_status),
            (OPTIONS, self._options),
        ):
            match = pattern.match(call.path)
            if match and call.method == "PUT":
                return handler(call, int(match["goods_no"]))
        return 404, {}, {"resultCode": 1000, "message": f"{call.method} {call.path} 없음"}

    def _refused(self, call: Call, *, create: bool | None = None) -> Answer | None:
        errors = contract.errors_for(call.method, call.path, call.json, create=create)
        if not errors:
            return None
        text = "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in sorted(errors.items()))
        return 400, {}, {"resultCode": 1000, "message": text}

    def _register(self, call: Call) -> Answer:
        refused = self._refused(call, create=True)
        if refused:
            return refused
        body = call.json
        more = body["itemAddtionalInfo"]
        with self.lock:
            self._next_goods_no += 1
            goods_no = self._next_goods_no
            code = str(more.get("managedCode") or "")
            self.goods[goods_no] = {
                "managedCode": code,
                "body": body,
                "isSell": {SELL_KEYS[s]: True for s, k in PRICE_KEYS.items() if k in more["price"]},
                "price": _per_site(more["price"]),
                "stock": _per_site(more["stock"]),
                "options": _option_details(more.get("recommendedOpts")),
            }
            self.creates[code] += 1
            detail = {
                key: {"SiteGoodsNo": f"{key[0].upper()}{goods_no}", "SiteGoodsComment": ""}
                for key in self.goods[goods_no]["isSell"]
            }
        return (
            200,
            {},
            {
                "goodsNo": goods_no,
                "siteDetail": detail,
                "resultCode": 0,
                "message": None,
            },
        )

    def _held(self, goods_no: int) -> dict[str, Any] | None:
        return self.goods.get(goods_no)

    def _update(self, call: Call, goods_no: int) -> Answer:
        refused = self._refused(call, create=False)
        if refused:
            return refused
        with self.lock:
            goods = self._held(goods_no)
            if goods is None:
                return _missing()
            more = call.json["itemAddtionalInfo"]
            goods["body"] = call.json
            goods["price"] = _per_site(more["price"])
            goods["stock"] = _per_site(more["stock"])
            goods["options"] = _option_details(more.get("recommendedOpts"))
            if isinstance(call.json.get("isSell"), Mapping):
                goods["isSell"].update(call.json["isSell"])
        return _accepted(goods_no)

    def _sell_status(self, call: Call, goods_no: int) -> Answer:
        refused = self._refused(call)
        if refused:
            return refused
        body = call.json
        basic = body.get("itemBasicInfo") or {}
        with self.lock:
            goods = self._held(goods_no)
            if goods is None:
                return _missing()
            if basic.get("price") and not any(goods["isSell"].values()):
                return (
                    200,
                    {},
                    {"resultCode": 1000, "message": "판매중지 상품은 가격 수정되지 않습니다."},
                )
            if isinstance(body.get("isSell"), Mapping):
                goods["isSell"].update(body["isSell"])
            if basic.get("price"):
                goods["price"].update(basic["price"])
            if basic.get("stock"):
                goods["stock"].update(basic["stock"])
        return _accepted(goods_no)

    def _options(self, call: Call, goods_no: int) -> Answer:
        refused = self._refused(call)
        if refused:
            return refused
        with self.lock:
            goods = self._held(goods_no)
            if goods is None:
                return _missing()
            goods["options"] = _option_details(call.json["recommendedOpts"])
        return _accepted(goods_no)

    def _search(self, call: Call) -> Answer:
        now = time.monotonic()
        with self.lock:
            while self._searches and now - self._searches[0] >= 60:
                self._searches.popleft()
            if len(self._searches) >= self.search_per_minute:
                wait = max(1, int(60 - (now - self._searches[0])) + 1)
                body = {"resultCode": 3000, "message": "목록 조회는 분당 30회까지 가능합니다."}
                return 429, {"Retry-After": str(wait)}, body
            self._searches.append(now)
            wanted = set((call.json or {}).get("managedCode") or [])
            found = [
                {
                    "goodsNo": goods_no,
                    "managedCode": goods["managedCode"],
                    "siteDetail": {
                        key: {"SiteGoodsNo": f"{key[0].upper()}{goods_no}"}
                        for key in goods["isSell"]
                    },
                    "isSell": dict(goods["isSell"]),
                }
                for goods_no, goods in self.goods.items()
                if goods["managedCode"] in wanted
            ]
        return 200, {}, {"goods": found, "totalCount": len(found), "resultCode": 0}


def _unauthorized(message: str) -> Answer:
    return 401, {}, {"status": {"message": message, "status_code": 401}}


def _sites_in(body: Any) -> set[str]:
    """The sites a goods body writes to (its per-site prices, stocks and sell status)."""
    if not isinstance(body, Mapping):
        return set()
    spellings = {**{k: s for s, k in PRICE_KEYS.items()}, **{k: s for s, k in SELL_KEYS.items()}}
    more = body.get("itemAddtionalInfo") or {}
    basic = body.get("itemBasicInfo") or {}
    keys: set[str] = set()
    for part in (more.get("price"), basic.get("price"), basic.get("stock"), body.get("isSell")):
        if isinstance(part, Mapping):
            keys.update(part)
    return {spellings[k] for k in keys if k in spellings}


def _bearer(call: Call) -> str:
    scheme, _, token = call.header("authorization").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _per_site(values: Mapping[str, Any]) -> dict[str, Any]:
    """Per-site values under the sell-status spelling (``Gmkt`` -> ``gmkt``)."""
    return {str(k).lower(): v for k, v in values.items()}


def _option_details(options: Any) -> list[dict[str, Any]]:
    if not isinstance(options, Mapping):
        return []
    for group in ("combination", "independent"):
        details = (options.get(group) or {}).get("details")
        if isinstance(details, list):
            return [dict(d) for d in details]
    return []


def _accepted(goods_no: int) -> Answer:
    return 200, {}, {"goodsNo": goods_no, "resultCode": 0, "message": None}


def _missing() -> Answer:
    return 200, {}, {"resultCode": 1000, "message": "[GMKT] 상품이 없습니다."}


def sample_market() -> tuple[GmarketContractServer, Callable[[], tuple[dict, dict]]]:
    """The server ``yooini sample --markets gmarket`` runs, and how its account is made of it:
    (settings, credentials) once the server is started. It also takes orders (the order and
    shipping calls of ``order_testing``)."""
    from .order_testing import GmarketOrderServer  # it builds on this module

    server = GmarketOrderServer()
    # A seller's ESM+ address book and dispatch policy numbers, as filled in once, and the
    # numbers the sample's ESM gives the parcel companies that tracking numbers name (CJGLS,
    # ...); a real account copies them from ESM's list, https://etapi.gmarket.com/142 .
    seller = {
        "shipping_place_no": 1201,
        "dispatch_policy_no": 3301,
        "return_address_no": 4401,
        "delivery_company_codes": {"CJGLS": 10013, "HANJIN": 10003, "EPOST": 10001},
    }
    return server, lambda: ({**server.settings(), **seller}, server.credentials())
