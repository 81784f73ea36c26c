"""Gmarket / Auction orders through the ESM Trading API's order and shipping calls (no Django).

The published contract (https://etapi.gmarket.com, "주문 | 배송 API"):

- list: ``POST /shipping/v1/Order/RequestOrders`` (신규주문 조회) ``{siteType, orderStatus,
  requestDateFrom, requestDateTo, pageIndex, pageSize}``; ``siteType`` 1 Auction, 2 Gmarket;
  the dates ``YYYY-MM-DD hh:mm``, at most 31 days apart; the answer ``{"ResultCode": 0,
  "Message", "Data": {"SiteType", "PageIndex", "PageSize", "TotalCount", "SellerId",
  "RequestOrders": [...]}}``. The request and answer shape are those of the deposit-pending
  lookup, https://etapi.gmarket.com/66 , which says paid orders then show in this lookup as new
  orders; ``orderStatus`` (1 paid, 2 confirmed, 3 shipping, 4 delivered) is the one field it
  adds (unverified: its own page was not found).
- confirm (주문확인): ``POST /shipping/v1/Order/OrderCheck/{orderNo}`` ``{"siteType"}``, one
  order a call; a paid order becomes 배송준비중 (unverified path, named as ESM names its calls).
- dispatch (발송처리): ``POST /shipping/v1/Delivery/ShippingInfo`` ``{"OrderNo",
  "ShippingDate", "DeliveryCompCode", "InvoiceNo"}``; ``DeliveryCompCode`` a number of ESM's
  parcel company list (https://etapi.gmarket.com/142 ; the same fields as the invoice re-entry
  of https://etapi.gmarket.com/75).
- every answer carries ``ResultCode``: 0 success, else an error with ``Message`` (1000 no such
  data, 2000 invalid parameter, 3000 a parameter that cannot be read, 8000 failed, 8668 a
  business rule: https://etapi.gmarket.com/73 , https://etapi.gmarket.com/157 and
  https://etapi.ebaykorea.com/claim/exchange-docid-1214/ ).
- a Gmarket order is read and changed with a token naming the Gmarket seller only, an Auction
  order with the Auction seller's (https://etapi.ebaykorea.com/claim/exchange-docid-1214/ ,
  "G마켓/G9 주문조회 시, G마켓 ID의 토큰으로 ... 옥션 주문조회 시, 옥션 ID의 토큰으로").

The paging token stored between runs: ``{"from": "YYYY-MM-DD hh:mm" (Korea time), "site",
"status", "page"}``: every page of paid (1) and delivered (4) orders of every site sold on,
``pageIndex`` counting on until a page is not full. Line ids are ``G-<orderNo>`` or
``A-<orderNo>`` (an ESM order number is one item; the two sites number apart).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from markets.contract import BaseMarketConnector, MarketConfig
from markets.listing import ListingRejected, MarketAuthError, MarketUnavailable
from markets.orders import (
    Buyer,
    LineOutcome,
    MarketLineStatus,
    MarketOrder,
    MarketOrderLine,
    OrderPage,
    Tracking,
)

from .api import ApiAnswer, EsmClient, auth_message
from .auth import Signer
from .contract import SITE_TYPES
from .settings import AccountSettings

KIND = "gmarket"
ORDERS_PATH = "/shipping/v1/Order/RequestOrders"
CHECK_PATH = "/shipping/v1/Order/OrderCheck/{order_no}"
SHIPPING_PATH = "/shipping/v1/Delivery/ShippingInfo"

KOREA = ZoneInfo("Asia/Seoul")
DATE_FORMAT = "%Y-%m-%d %H:%M"
MAX_WINDOW = timedelta(days=31)
# An order paid a moment before the previous pass ended is still read by the next.
LOOKBACK = timedelta(days=1)
PAGE_SIZE = 50
# The statuses read: paid (new) and delivered, as Coupang's ACCEPT and FINAL_DELIVERY.
STATUSES = (1, 4)
STATUS_OF = {
    1: MarketLineStatus.NEW,
    2: MarketLineStatus.ACKNOWLEDGED,
    3: MarketLineStatus.SHIPPED,
    4: MarketLineStatus.DELIVERED,
    5: MarketLineStatus.DELIVERED,  # 구매결정: the buyer confirmed receipt
}
SITE_PREFIX = {"gmarket": "G", "auction": "A"}


class EsmOrderClient(EsmClient):
    """The shipping API's answers: ``ResultCode`` (capitalised, unlike the goods calls), and
    no rate-limit code in it (3000 is a parameter error there: https://etapi.gmarket.com/73)."""

    def _answer(self, method: str, path: str, response: httpx.Response, payload) -> ApiAnswer:
        status = response.status_code
        if status in (401, 403):
            raise MarketAuthError(self._redact(f"{method} {path}: {auth_message(payload, status)}"))
        if status >= 500:
            raise MarketUnavailable(f"{method} {path}: ESM answered {status}", status_code=status)
        code = payload.get("ResultCode")
        if status >= 400 or code not in (0, "0"):
            message = str(payload.get("Message") or f"refused (HTTP {status})")
            raise ListingRejected(
                {"order": [self._redact(f"{message} (ResultCode {code})")]}, status_code=status
            )
        return ApiAnswer(status, payload)


class EsmOrders(BaseMarketConnector):
    """One ESM account's orders on every site it sells on (settings ``sites``, and the seller ID
    of each); credentials as the listing connector's (``master_id``, ``secret_key``).
    ``delivery_company_codes`` maps a parcel company's name (``CJGLS``) to ESM's number; a
    number is sent as it is, and an empty company is the account's ``delivery_company_no``."""

    kind = KIND

    def __init__(
        self,
        config: MarketConfig,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(KOREA),
    ) -> None:
        super().__init__(config)
        self.account = AccountSettings.from_mapping(config.settings)
        self._now = now
        self._codes = {
            str(name).upper(): int(code)
            for name, code in dict(config.settings.get("delivery_company_codes") or {}).items()
        }
        self._clients: dict[str, EsmOrderClient] = {}

    def _client(self, site: str) -> EsmOrderClient:
        """The client of one site: its token names that site's seller alone."""
        if site not in self._clients:
            seller = self.account.seller_ids.get(site)
            if not seller:
                raise ListingRejected({f"{site}_seller_id": ["is missing: orders need it"]})
            credentials = self.config.credentials
            self._clients[site] = EsmOrderClient(
                base_url=self.account.base_url,
                signer=Signer(
                    master_id=str(credentials.get("master_id") or ""),
                    secret_key=str(credentials.get("secret_key") or ""),
                    domain=self.account.domain,
                    seller_ids={site: seller},
                ),
                redact=self.redact,
                transport=self.config.transport,
                timeout=self.config.timeout,
                max_wait=self.account.rate_limit_max_wait,
            )
        return self._clients[site]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    # --- listing ------------------------------------------------------------------------

    def changed_orders(self, token: Mapping[str, Any]) -> OrderPage:
        now = self._now().astimezone(KOREA).replace(second=0, microsecond=0)
        start = _window_start(token, now)
        passes = [(site, status) for site in self.account.sites for status in STATUSES]
        site = str(token.get("site") or passes[0][0])
        status = int(token.get("status") or passes[0][1])
        if (site, status) not in passes:
            raise ListingRejected({"token": [f"site {site!r} / status {status} is not read here"]})
        page = int(token.get("page") or 1)
        body = {
            "siteType": SITE_TYPES[site],
            "orderStatus": status,
            "requestDateFrom": start.strftime(DATE_FORMAT),
            "requestDateTo": now.strftime(DATE_FORMAT),
            "pageIndex": page,
            "pageSize": PAGE_SIZE,
        }
        answer = self._client(site).call("POST", ORDERS_PATH, body)
        data = answer.body.get("Data") or {}
        found = data.get("RequestOrders") or []
        orders, rejected = _orders(found, site, STATUS_OF[status])
        since = start.strftime(DATE_FORMAT)
        if len(found) >= PAGE_SIZE:
            token = {"from": since, "site": site, "status": status, "page": page + 1}
            return OrderPage(orders, token, True, rejected)
        index = passes.index((site, status))
        if index + 1 < len(passes):
            following_site, following_status = passes[index + 1]
            token = {"from": since, "site": following_site, "status": following_status, "page": 1}
            return OrderPage(orders, token, True, rejected)
        following = {"from": (now - LOOKBACK).strftime(DATE_FORMAT)}
        return OrderPage(orders, following, False, rejected)

    # --- confirming and dispatching -----------------------------------------------------

    def acknowledge(self, lines: Sequence[MarketOrderLine]) -> list[LineOutcome]:
        outcomes = []
        for line in lines:
            site, order_no = _site_and_order(line)
            path = CHECK_PATH.format(order_no=order_no)
            try:
                self._client(site).call("POST", path, {"siteType": SITE_TYPES[site]})
            except ListingRejected as exc:
                outcomes.append(LineOutcome(line.line_id, False, _text(exc.errors)))
                continue
            outcomes.append(LineOutcome(line.line_id, True, ""))
        return outcomes

    def ship(self, line: MarketOrderLine, tracking: Tracking) -> LineOutcome:
        site, order_no = _site_and_order(line)
        company = self._company_code(tracking.company)
        if company is None:
            return LineOutcome(
                line.line_id,
                False,
                f"DeliveryCompCode: {tracking.company!r} is not an ESM parcel company number "
                "(https://etapi.gmarket.com/142); map it in the setting delivery_company_codes",
            )
        body = {
            "OrderNo": order_no,
            "ShippingDate": self._now().astimezone(KOREA).strftime("%Y-%m-%d"),
            "DeliveryCompCode": company,
            "InvoiceNo": tracking.number,
        }
        try:
            self._client(site).call("POST", SHIPPING_PATH, body)
        except ListingRejected as exc:
            return LineOutcome(line.line_id, False, _text(exc.errors))
        return LineOutcome(line.line_id, True, "")

    def _company_code(self, company: str) -> int | None:
        name = (company or "").strip()
        if not name:
            return self.account.delivery_company_no
        if name.isdigit():
            return int(name)
        return self._codes.get(name.upper())


def _window_start(token: Mapping[str, Any], now: datetime) -> datetime:
    """Where the stored token's window starts; refused when ESM could not read it (more than
    31 days back): orders are never skipped silently, a person resets the token."""
    if not token.get("from"):
        return now - LOOKBACK
    try:
        start = datetime.strptime(str(token["from"]), DATE_FORMAT).replace(tzinfo=KOREA)
    except ValueError:
        raise ListingRejected({"token.from": ["must read YYYY-MM-DD hh:mm"]}) from None
    if now - start > MAX_WINDOW:
        raise ListingRejected(
            {
                "token.from": [
                    f"{token['from']} is more than 31 days ago: ESM reads at most 31 days; "
                    "read the older orders in ESM+ and reset this account's order token"
                ]
            }
        )
    return start


def _site_and_order(line: MarketOrderLine) -> tuple[str, int]:
    data = line.market_data
    return str(data["site"]), int(data["orderNo"])


def _orders(
    found: Sequence[Any], site: str, status: MarketLineStatus
) -> tuple[tuple[MarketOrder, ...], tuple[str, ...]]:
    """The readable orders of a page (all in the status it was asked for), and where and what
    is wrong for each other one."""
    orders, rejected = [], []
    for index, item in enumerate(found, start=1):
        number = item.get("OrderNo") if isinstance(item, Mapping) else None
        try:
            orders.append(_order(item, site, status))
        except (KeyError, TypeError, ValueError) as exc:
            what = f"missing {exc.args[0]}" if isinstance(exc, KeyError) else "a malformed value"
            rejected.append(f"{site} order {number or f'#{index}'}: {what}")
    return tuple(orders), tuple(rejected)


def _order(item: Mapping[str, Any], site: str, status: MarketLineStatus) -> MarketOrder:
    order_no = int(item["OrderNo"])
    options = item.get("ItemOptionSelectList") or ()
    option = " / ".join(str(o.get("ItemOptionValue") or "") for o in options if o)
    line = MarketOrderLine(
        line_id=f"{SITE_PREFIX[site]}-{order_no}",
        reference_number=str(item.get("OutGoodsNo") or ""),
        product_name=str(item.get("GoodsName") or ""),
        option=option,
        quantity=int(item["ContrAmount"]),
        unit_price=int(item["SalePrice"]),
        status=status,
        market_data={
            "site": site,
            "orderNo": order_no,
            "payNo": item.get("PayNo"),
            "goodsNo": item.get("GoodsNo"),
        },
    )
    return MarketOrder(
        # One cart (PayNo) is one order of ours; an order number alone when ESM gives none.
        order_id=f"{SITE_PREFIX[site]}-{item.get('PayNo') or order_no}",
        ordered_at=str(item.get("OrderDate") or ""),
        currency="KRW",
        buyer=Buyer(
            name=str(item.get("ReceiverName") or ""),
            phone=str(item.get("HpNo") or item.get("TelNo") or ""),
            address=str(item.get("DelFullAddress") or ""),
            zip_code=str(item.get("ZipCode") or ""),
        ),
        lines=(line,),
    )


def _text(errors: Mapping[str, Sequence[str]]) -> str:
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items())


def orders_build(config: MarketConfig) -> EsmOrders:
    return EsmOrders(config)
