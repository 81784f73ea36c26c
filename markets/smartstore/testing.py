"""A local Naver Commerce API that enforces the published contract, for tests (ours and others').

``NaverContractServer`` is a ``markets.contract_server.ContractServer`` (127.0.0.1, port 0,
faults, token-bucket rate limit, ``creates`` / ``duplicates`` counters). It checks what Naver
checks, with the validator the connector uses before sending (``markets.smartstore.contract``)::

    from markets.smartstore.testing import NaverContractServer

    with NaverContractServer() as server:
        config = MarketConfig(kind="smartstore", account="shop",
                              settings={**server.settings(), ...}, credentials=server.credentials())
        content = ...  # images: server.image_url("a.png") (served below, no token needed)
        with connector_for(config) as connector:
            ...
        assert server.creates[content.reference_number] == 1
        server.view(content.reference_number)  # {"price", "stock", "on_sale"}

What it serves:

- ``POST /v1/oauth2/token`` (form): ``client_id``, ``timestamp`` within 5 minutes of the server's
  clock (``clock``, Unix seconds), ``client_secret_sign`` as ``signature.client_secret_sign``,
  ``grant_type=client_credentials``, ``type`` SELF (or SELLER with ``account_id``); answers
  ``{"access_token", "expires_in": token_ttl, "token_type": "Bearer"}``, or 400 with
  ``invalidInputs`` naming the refused field.
- Every other API path needs ``Authorization: Bearer`` with a live token, else 401
  ``{"code": "GW.AUTHN", ...}``. ``tokens_revoke()`` ends every token (an expiry on Naver's side).
- ``POST /v1/product-images/upload`` (multipart ``imageFiles``, at most 10, JPG/GIF/PNG/BMP
  bytes): issues ``https://shop-phinf.pstatic.net/...`` URLs; a product naming any other image
  URL is refused (400).
- ``POST /v2/products``, ``GET|PUT /v2/products/origin-products/{no}``,
  ``PUT /v1/products/origin-products/{no}/option-stock`` and ``.../change-status``: 400
  ``{"code": "BAD_REQUEST", "invalidInputs": [...]}`` for what the validator refuses, 404
  ``NOT_FOUND`` for an unknown product number or option id; options get ids on create and
  keep them on update when their values match.
- ``POST /v1/products/search`` with ``searchKeywordType`` SELLER_CODE (``sellerManagementCode``)
  or PRODUCT_NO (``originProductNos``).
- ``ip_deny()``: every API call answers 403 ``GW.IP_NOT_ALLOWED``.
- ``GET /test-images/{name}``: a small PNG, for the connector to download (names starting with
  ``missing`` answer 404).
- Faults (inherited): ``fail_next(500|429, times)``, ``fault_rate``, ``rate_limit(per_second,
  burst)``; a 429 is Naver's ``GW.RATE_LIMIT`` with the ``GNCP-GW-RateLimit-*`` headers, a 5xx
  a gateway error (``GW.PROXY.05``, ``GW.BLOCK.02``, ``GW.TIMEOUT.01``).

What it records: ``creates`` (per seller management code), ``products`` (origin product number
-> the product as held), ``issued`` (image URLs it handed out), ``tokens_issued``, ``hits``.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

import bcrypt

from markets.contract_server import Answer, Call, ContractServer

from . import contract
from .signature import TIMESTAMP_VALIDITY_MS, signature_matches

_KST = timezone(timedelta(hours=9))
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM")
# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
GATEWAY_ERRORS = {
    500: ("GW.PROXY.05", "작업 중 오류가 발생하였습니다."),
    503: ("GW.BLOCK.02", "서비스를 일시적으로 사용할 수 없습니다."),
    504: ("GW.TIMEOUT.01", "요청 대기 시간이 초과되었습니다."),
}


def _now_text() -> str:
    return datetime.now(_KST).isoformat(timespec="milliseconds")


def _trace() -> str:
    return f"local-{secrets.token_hex(6)}^{int(time.time() * 1000)}"


def gateway_error(status: int, code: str, message: str) -> Answer:
    """A gateway error in Naver's shape (trouble-shooting page)."""
    trace = _trace()
    body = {"code": code, "message": message, "timestamp": _now_text(), "traceId": trace}
    return status, {"GNCP-GW-Trace-ID": trace}, body


def api_error(
    status: int, code: str, message: str, errors: dict[str, list[str]] | None = None
) -> Answer:
    """An API error in Naver's shape (``invalidInputs`` with name, type, message)."""
    inputs = [
        {"name": name, "type": "Invalid", "message": text}
        for name, texts in (errors or {}).items()
        for text in texts
    ]
    body = {"code": code, "message": message, "timestamp": _now_text()}
    if inputs:
        body["invalidInputs"] = inputs
    return status, {"GNCP-GW-Trace-ID": _trace()}, body


class NaverContractServer(ContractServer):
    """See the module docstring. ``clock`` is the server's time (Unix seconds)."""

    default_rate = 5.0
    persistent = (
        "creates",
        "products",
        "issued",
        "tokens_issued",
        "client_id",
        "client_secret",
        "_tokens",
        "_numbers",
        "_option_ids",
    )

    def __init__(
        self,
        *,
        client_id: str = "local-client-id",
        client_secret: str | None = None,
        token_ttl: float = 10_800.0,
        clock=time.time,
        stall_seconds: float = 3.0,
    ) -> None:
        super().__init__(stall_seconds=stall_seconds)
        self.client_id = client_id
        # A cost-4 salt keeps the tests fast; Naver's secrets are cost 4 or 10 salts alike.
        self.client_secret = client_secret or bcrypt.gensalt(rounds=4).decode().replace(
            "$2b$", "$2a$", 1
        )
        self.token_ttl = token_ttl
        self.clock = clock
        self.products: dict[int, dict[str, Any]] = {}
        self.issued: set[str] = set()
        self.tokens_issued = 0
        self._tokens: dict[str, float] = {}
        self._ip_denied = False
        self._numbers = itertools.count(10_000_000_001)
        self._option_ids = itertools.count(50_000_000_001)

    # --- helpers for tests -----------------------------------------------------------------

    def credentials(self) -> dict[str, str]:
        return {"client_id": self.client_id, "client_secret": self.client_secret}

    def settings(self) -> dict[str, Any]:
        """Complete account settings pointing at this server."""
        return {
            "base_url": self.base_url,
            "after_service_telephone": "02-1234-5678",
            "after_service_guide": "구매대행 상품으로 A/S는 판매자에게 문의해 주세요.",
            "delivery_company": "CJGLS",
            "shipping_address_id": "100001",
            "return_address_id": "100002",
            "delivery_fee": 0,
            "return_delivery_fee": "5000",
            "exchange_delivery_fee": "10000",
        }

    def image_url(self, name: str) -> str:
        return f"{self.base_url}/test-images/{name}"

    def ip_deny(self, denied: bool = True) -> None:
        """Answer every API call 403 ``GW.IP_NOT_ALLOWED`` (the application's allowed IPs)."""
        with self.lock:
            self._ip_denied = denied

    def tokens_revoke(self) -> None:
        with self.lock:
            self._tokens.clear()

    def view(self, reference_number: str) -> dict[str, Any]:
        """What the market shows for the latest product with that seller code."""
        with self.lock:
            found = [
                p for p in self.products.values() if p["sellerManagementCode"] == reference_number
            ]
            if not found:
                raise KeyError(reference_number)
            product = found[-1]
            origin = product["originProduct"]
            return {
                "price": origin["salePrice"],
                "stock": _stock(origin),
                "on_sale": origin["statusType"] == "SALE"
                and product["channel"]["channelProductDisplayStatusType"] == "ON",
                "status": origin["statusType"],
            }

    # --- the contract server's hooks ---------------------------------------------------------

    def client_key(self, call: Call) -> str:
        return call.header("authorization") or "-"

    def rate_limited(self, call: Call) -> Answer:
        status, headers, body = gateway_error(
            429, "GW.RATE_LIMIT", "요청이 많아 서비스를 일시적으로 사용할 수 없습니다."
        )
        rate = self._bucket_rate or self.default_rate
        headers.update(
            {
                "GNCP-GW-RateLimit-Replenish-Rate": f"{rate:g}",
                "GNCP-GW-RateLimit-Burst-Capacity": f"{(self._bucket_burst or rate * 2):g}",
                "GNCP-GW-RateLimit-Remaining": "0",
            }
        )
        return status, headers, body

    def server_error(self, call: Call, status: int) -> Answer:
        code, message = GATEWAY_ERRORS.get(
            status, ("GW.INTERNAL_SERVER_ERROR", "작업 중 오류가 발생하였습니다.")
        )
        return gateway_error(status, code, message)

    def route(self, call: Call) -> Answer:
        path = call.path
        if call.method == "GET" and path.startswith("/test-images/"):
            if path.rsplit("/", 1)[-1].startswith("missing"):
                return 404, {}, {"message": "Not Found"}
            return 200, {"Content-Type": "image/png"}, PNG
        if self._ip_denied:
            return gateway_error(403, "GW.IP_NOT_ALLOWED", "호출이 허용되지 않은 IP입니다.")
        if call.method == "POST" and path == contract.TOKEN_PATH:
            return self._token(call)
        if not self._authorized(call):
            return gateway_error(401, "GW.AUTHN", "요청을 보낼 권한이 없습니다.")
        if call.method == "POST" and path == contract.IMAGES_PATH:
            return self._upload(call)
        if call.method == "POST" and path == contract.SEARCH_PATH:
            return self._search(call.json or {})
        kind = contract.kind_of(call.method, path)
        with self.lock:
            if kind == contract.CREATE:
                return self._create(call.json)
            number = _number_in(path)
            if number is None or (kind is None and call.method != "GET"):
                return gateway_error(404, "GW.NOT_FOUND", "요청하신 리소스를 찾을 수 없습니다.")
            product = self.products.get(number)
            if product is None:
                return api_error(404, "NOT_FOUND", "상품이 존재하지 않습니다.")
            if kind is None:
                return 200, {}, _public(product)
            if kind == contract.UPDATE:
                return self._update(product, call.json)
            if kind == contract.OPTION_STOCK:
                return self._option_stock(product, call.json)
            return self._change_status(product, call.json)

    # --- auth -------------------------------------------------------------------------------

    def _token(self, call: Call) -> Answer:
        if call.query:
            # The documented request is a form body; parameters in the URL are refused here.
            return api_error(
                400, "BadRequest", "요청이 올바르지 않습니다.", {"body": ["form body expected"]}
            )
        form = {k: v[0] for k, v in parse_qs(call.raw.decode(), keep_blank_values=True).items()}
        refused: dict[str, list[str]] = {}
        if form.get("grant_type") != "client_credentials":
            refused["grant_type"] = ["client_credentials 만 허용됩니다."]
        if form.get("type") not in ("SELF", "SELLER"):
            refused["type"] = ["SELF 또는 SELLER 이어야 합니다."]
        elif form["type"] == "SELLER" and not form.get("account_id"):
            refused["account_id"] = ["type이 SELLER인 경우 필수입니다."]
        if form.get("client_id") != self.client_id:
            refused["client_id"] = ["등록되지 않은 애플리케이션입니다."]
        try:
            timestamp = int(form.get("timestamp") or "")
        except ValueError:
            timestamp = None
        if timestamp is None or abs(self.clock() * 1000 - timestamp) > TIMESTAMP_VALIDITY_MS:
            refused["timestamp"] = ["timestamp 가 유효하지 않습니다. (5분 이내)"]
        elif "client_id" not in refused and not signature_matches(
            self.client_id, self.client_secret, timestamp, form.get("client_secret_sign") or ""
        ):
            refused["client_secret_sign"] = ["client_secret_sign 이 유효하지 않습니다."]
        if refused:
            return api_error(400, "BadRequest", "요청 값이 올바르지 않습니다.", refused)
        token = "ntk-" + secrets.token_urlsafe(24)
        with self.lock:
            self._tokens[token] = self.clock() + self.token_ttl
            self.tokens_issued += 1
        return (
            200,
            {},
            {"access_token": token, "expires_in": int(self.token_ttl), "token_type": "Bearer"},
        )

    def _authorized(self, call: Call) -> bool:
        scheme, _, token = call.header("authorization").partition(" ")
        with self.lock:
            expires = self._tokens.get(token)
        return scheme == "Bearer" and expires is not None and expires > self.clock()

    # --- images -----------------------------------------------------------------------------

    def _upload(self, call: Call) -> Answer:
        kind = call.header("content-type")
        if not kind.startswith("multipart/form-data"):
            return api_error(400, "BAD_REQUEST", "multipart/form-data 로 전송해야 합니다.")
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {kind}\r\n\r\n".encode() + call.raw
        )
        parts = [
            p
            for p in message.iter_parts()
            if p.get_param("name", header="content-disposition") == "imageFiles"
        ]
        if not parts or len(parts) > contract.UPLOAD_BATCH:
            return api_error(
                400,
                "BAD_REQUEST",
                "이미지는 1~10개까지 등록할 수 있습니다.",
                {"imageFiles": ["1~10"]},
            )
        urls = []
        for part in parts:
            data = part.get_payload(decode=True) or b""
            if not data.startswith(_IMAGE_MAGIC):
                return api_error(
                    400,
                    "BAD_REQUEST",
                    "JPG, GIF, PNG, BMP 형식만 등록할 수 있습니다.",
                    {"imageFiles": ["format"]},
                )
            name = part.get_filename() or "image.png"
            url = f"https://shop-phinf.pstatic.net/{datetime.now(UTC):%Y%m%d}_1/{secrets.token_hex(8)}_{name}"
            urls.append(url)
        with self.lock:
            self.issued.update(urls)
        return 200, {}, {"images": [{"url": u} for u in urls]}

    def _unissued_images(self, origin: dict) -> dict[str, list[str]]:
        images = origin.get("images") or {}
        named = [
            (
                "originProduct.images.representativeImage.url",
                (images.get("representativeImage") or {}).get("url"),
            )
        ]
        named += [
            (f"originProduct.images.optionalImages[{i}].url", (item or {}).get("url"))
            for i, item in enumerate(images.get("optionalImages") or [])
        ]
        return {
            field: ["상품 이미지 다건 등록 API로 업로드한 이미지 URL이어야 합니다."]
            for field, url in named
            if url not in self.issued
        }

    # --- products ---------------------------------------------------------------------------

    def _refusal(self, kind: str, body: Any, fixed: dict | None = None) -> Answer | None:
        errors = contract.errors_for(kind, body or {}, fixed)
        if not errors and kind in (contract.CREATE, contract.UPDATE):
            errors = self._unissued_images(body["originProduct"])
        if errors:
            return api_error(400, "BAD_REQUEST", "입력값이 올바르지 않습니다.", errors)
        return None

    def _create(self, body: Any) -> Answer:
        refused = self._refusal(contract.CREATE, body)
        if refused:
            return refused
        number, channel_no = next(self._numbers), next(self._numbers)
        origin = json.loads(json.dumps(body["originProduct"]))
        _options_merge(origin, [], self._option_ids)
        _status_settle(origin)
        code = (origin["detailAttribute"].get("sellerCodeInfo") or {}).get(
            "sellerManagementCode"
        ) or ""
        channel = dict(body["smartstoreChannelProduct"], channelProductNo=channel_no)
        self.products[number] = {
            "originProductNo": number,
            "sellerManagementCode": code,
            "originProduct": origin,
            "channel": channel,
        }
        self.creates[code] += 1
        return 200, {}, {"originProductNo": number, "smartstoreChannelProductNo": channel_no}

    def _update(self, product: dict, body: Any) -> Answer:
        fixed = {"leafCategoryId": product["originProduct"].get("leafCategoryId")}
        refused = self._refusal(contract.UPDATE, body, fixed)
        if refused:
            return refused
        held = product["originProduct"]
        origin = json.loads(json.dumps(body["originProduct"]))
        origin["leafCategoryId"] = held.get("leafCategoryId")
        if "stockQuantity" not in origin:
            origin["stockQuantity"] = held.get("stockQuantity", 0)
        previous = ((held.get("detailAttribute") or {}).get("optionInfo") or {}).get(
            "optionCombinations"
        ) or []
        _options_merge(origin, previous, self._option_ids)
        _status_settle(origin)
        product["originProduct"] = origin
        product["sellerManagementCode"] = (
            origin["detailAttribute"].get("sellerCodeInfo") or {}
        ).get("sellerManagementCode", product["sellerManagementCode"])
        product["channel"].update(body["smartstoreChannelProduct"])
        return (
            200,
            {},
            {
                "originProductNo": product["originProductNo"],
                "smartstoreChannelProductNo": product["channel"]["channelProductNo"],
            },
        )

    def _option_stock(self, product: dict, body: Any) -> Answer:
        refused = self._refusal(contract.OPTION_STOCK, body)
        if refused:
            return refused
        origin = product["originProduct"]
        held = {c["id"]: c for c in _combinations(origin)}
        unknown = {
            f"optionInfo.optionCombinations[{i}].id": ["존재하지 않는 옵션입니다."]
            for i, c in enumerate(body["optionInfo"].get("optionCombinations") or [])
            if c["id"] not in held
        }
        if unknown:
            return api_error(400, "BAD_REQUEST", "입력값이 올바르지 않습니다.", unknown)
        for change in body["optionInfo"].get("optionCombinations") or []:
            held[change["id"]].update(
                stockQuantity=change.get("stockQuantity", 0),
                price=change.get("price", 0),
                usable=change.get("usable", True),
            )
        if body.get("productSalePrice"):
            origin["salePrice"] = body["productSalePrice"]["salePrice"]
        origin["stockQuantity"] = sum(c.get("stockQuantity", 0) for c in held.values())
        if origin["statusType"] != "SUSPENSION":
            origin["statusType"] = "SALE"
        _status_settle(origin)
        return 200, {}, _public(product)

    def _change_status(self, product: dict, body: Any) -> Answer:
        refused = self._refusal(contract.CHANGE_STATUS, body)
        if refused:
            return refused
        origin = product["originProduct"]
        wanted = body["statusType"]
        if (
            wanted == "SALE"
            and origin["statusType"] == "OUTOFSTOCK"
            and "stockQuantity" not in body
        ):
            return api_error(
                400,
                "BAD_REQUEST",
                "품절 상품을 판매중으로 변경하려면 재고 수량이 필요합니다.",
                {"stockQuantity": ["필수"]},
            )
        if wanted == "SALE" and not _combinations(origin) and "stockQuantity" in body:
            origin["stockQuantity"] = body["stockQuantity"]
        origin["statusType"] = wanted
        if wanted == "OUTOFSTOCK":
            origin["stockQuantity"] = 0
            for combination in _combinations(origin):
                combination["stockQuantity"] = 0
        _status_settle(origin)
        product["channel"]["channelProductDisplayStatusType"] = (
            "SUSPENSION" if wanted == "SUSPENSION" else "ON"
        )
        return 200, {}, {"code": "SUCCESS", "message": "성공", "data": {}}

    def _search(self, body: dict) -> Answer:
        kind = body.get("searchKeywordType")
        with self.lock:
            products = list(self.products.values())
        if kind == "SELLER_CODE":
            found = [
                p for p in products if p["sellerManagementCode"] == body.get("sellerManagementCode")
            ]
        elif kind == "PRODUCT_NO":
            wanted = set(body.get("originProductNos") or [])
            found = [p for p in products if p["originProductNo"] in wanted]
        else:
            found = products
        contents = [
            {
                "originProductNo": p["originProductNo"],
                "channelProducts": [
                    {
                        "originProductNo": p["originProductNo"],
                        "channelProductNo": p["channel"]["channelProductNo"],
                        "channelServiceType": "STOREFARM",
                        "categoryId": p["originProduct"].get("leafCategoryId"),
                        "name": p["originProduct"]["name"],
                        "sellerManagementCode": p["sellerManagementCode"],
                        "statusType": p["originProduct"]["statusType"],
                        "channelProductDisplayStatusType": p["channel"][
                            "channelProductDisplayStatusType"
                        ],
                        "salePrice": p["originProduct"]["salePrice"],
                        "stockQuantity": _stock(p["originProduct"]),
                    }
                ],
            }
            for p in found
        ]
        return (
            200,
            {},
            {
                "contents": contents,
                "page": 1,
                "size": body.get("size") or 50,
                "totalElements": len(contents),
                "totalPages": 1,
                "first": True,
                "last": True,
            },
        )


# --- the product as held ----------------------------------------------------------------------


def _number_in(path: str) -> int | None:
    for part in path.split("/"):
        if part.isdigit():
            return int(part)
    return None


def _combinations(origin: dict) -> list[dict]:
    info = (origin.get("detailAttribute") or {}).get("optionInfo") or {}
    return info.get("optionCombinations") or []


def _stock(origin: dict) -> int:
    combinations = _combinations(origin)
    if combinations:
        return sum(int(c.get("stockQuantity") or 0) for c in combinations if c.get("usable", True))
    return int(origin.get("stockQuantity") or 0)


def _options_merge(origin: dict, previous: list[dict], ids) -> None:
    """Give every combination an id: its own when sent, the held one with the same values,
    else a new one (Naver's rule on update)."""
    by_values = {tuple(c.get(f"optionName{i}") for i in (1, 2, 3)): c["id"] for c in previous}
    for combination in _combinations(origin):
        if combination.get("id") is None:
            values = tuple(combination.get(f"optionName{i}") for i in (1, 2, 3))
            combination["id"] = by_values.get(values) or next(ids)


def _status_settle(origin: dict) -> None:
    """A stock of 0 makes a product OUTOFSTOCK, unless it is suspended."""
    if origin["statusType"] == "SUSPENSION":
        return
    if _stock(origin) == 0:
        origin["statusType"] = "OUTOFSTOCK"
    elif origin["statusType"] == "OUTOFSTOCK":
        origin["statusType"] = "SALE"


def _public(product: dict) -> dict:
    channel = dict(product["channel"])
    return {
        "originProductNo": product["originProductNo"],
        "smartstoreChannelProductNo": channel["channelProductNo"],
        "originProduct": json.loads(json.dumps(product["originProduct"])),
        "smartstoreChannelProduct": channel,
    }


def sample_market() -> tuple[NaverContractServer, Callable[[], tuple[dict, dict]]]:
    """The server ``yooini sample --markets smartstore`` runs, and how its account is made of
    it: (settings, credentials) once the server is started. It also takes orders (the
    pay-order API of ``order_testing``)."""
    from .order_testing import NaverOrderServer  # it builds on this module

    server = NaverOrderServer()
    return server, lambda: (server.settings(), server.credentials())
