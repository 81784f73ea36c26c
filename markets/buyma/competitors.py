"""The cheapest rival price of each model number on BUYMA, for the PRICE stage.

A run prices thousands of model numbers every hour, and BUYMA is a public site we must not
hammer: prices looked up less than ``max_age`` ago are taken from ``CompetitorPrice`` (one
query per 900 model numbers), the rest are fetched one by one with a polite delay, bounded
retries on 429 and 5xx (``Retry-After`` honoured) and timeouts, then written back in bulk.

A look-up that fails (a block page, a layout change, a server that keeps failing) is an
error on that model number's quote, never "nobody else sells it": listing at the full target
price because a page could not be read would be the costly mistake.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db import transaction

from markets.buyma.errors import NotASearchPageError
from markets.buyma.search_page import (
    BUYMA_ORIGIN,
    cheapest_competitor,
    parse_search_page,
    search_url,
)
from markets.contract import CompetitorPriceUnknown
from orchestrator.core.clock import get_clock
from pricing.models import MODEL_NUMBER_MAX, CompetitorPrice, model_number_key
from pricing.selectors import competitor_prices
from yooini.db import conflict_target
from yooini.http import tls_context
from yooini.retry_after import parse_retry_after
from yooini.retrying import RetryableFailure, call_with_retries, exponential_backoff

log = logging.getLogger("yooini.markets.buyma")

MARKET = "buyma"
USER_AGENT = "Mozilla/5.0 (compatible; yooini-price/0.1)"
_FLUSH_EVERY = 500  # rows written per bulk upsert: a crash mid-run keeps what was fetched
_RETRYABLE = {429, 500, 502, 503, 504}
_STORED = ("price_jpy", "seller_id", "item_url", "search_url", "fetched_at", "error")


class CompetitorLookupError(CompetitorPriceUnknown):
    """The competitor price of a model number is unknown because its look-up failed."""

    def __init__(self, model_number: str, error: str) -> None:
        super().__init__(f"competitor price of {model_number!r} unknown: {error}")
        self.model_number = model_number
        self.error = error


@dataclass(frozen=True, slots=True)
class CompetitorQuote:
    """The result of one model number's look-up.

    ``price_jpy`` is the cheapest new-item offer of another buyer, or None when nobody else
    sells the model. When the look-up failed, ``error`` says why and ``price_jpy`` is None:
    use ``competitor_price()``, which raises then, rather than reading ``price_jpy``.
    ``cached`` tells a stored look-up (younger than ``max_age``) from a fetch made now.
    """

    model_number: str
    price_jpy: int | None
    seller_id: str | None
    item_url: str | None
    search_url: str
    fetched_at: datetime
    error: str | None = None
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    def competitor_price(self) -> int | None:
        """``PricingInput.competitor_price_jpy``; CompetitorLookupError if the look-up failed."""
        if self.error is not None:
            raise CompetitorLookupError(self.model_number, self.error)
        return self.price_jpy

    def as_record(self) -> dict[str, object]:
        """JSON-ready, for the decision record (``pricing.services.decision_record``)."""
        return {
            "market": MARKET,
            "model_number": self.model_number,
            "price_jpy": self.price_jpy,
            "seller_id": self.seller_id,
            "item_url": self.item_url,
            "search_url": self.search_url,
            "fetched_at": self.fetched_at.isoformat(),
            "cached": self.cached,
            "error": self.error,
        }


class _Unavailable(Exception):
    """BUYMA did not answer usefully after the retries (429, 5xx, timeouts, refused)."""


class CompetitorLookup:
    """Cheapest competitor prices on BUYMA; use as a context manager or call ``close()``.

    own_buyer_id: our BUYMA buyer id(s), whose listings are not competitors; default the
        comma-separated setting ``YOOINI_BUYMA_OWN_BUYER_IDS``. Required: without it we
        would undercut ourselves run after run.
    client: an ``httpx.Client`` to use (not closed here); by default one is made.
    max_age: stored look-ups younger than this are used without a request.
    delay_seconds: pause between two requests (politeness); 0 in tests.
    retries: extra attempts after a 429, a 5xx or a transport error; the wait is the
        server's ``Retry-After`` or ``backoff_seconds * 2**attempt``; a ``Retry-After``
        above ``max_retry_after`` ends the attempts at once.
    give_up_after: after this many model numbers in a row failed that way, BUYMA is taken
        to be down or blocking us, and the rest are not requested (an error each).
    """

    def __init__(
        self,
        base_url: str = BUYMA_ORIGIN,
        own_buyer_id: str | Iterable[str] | None = None,
        client: httpx.Client | None = None,
        max_age: timedelta = timedelta(hours=1),
        delay_seconds: float = 1.0,
        *,
        retries: int = 3,
        backoff_seconds: float = 2.0,
        max_retry_after: float = 120.0,
        timeout: float = 15.0,
        give_up_after: int = 5,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"CompetitorLookup: base_url must be http(s)://..., got {base_url!r}")
        self.own_buyer_ids = _own_ids(own_buyer_id)
        if not isinstance(max_age, timedelta) or max_age < timedelta(0):
            raise ValueError(f"CompetitorLookup: max_age must be a timedelta >= 0, got {max_age!r}")
        for name, value in (
            ("delay_seconds", delay_seconds),
            ("backoff_seconds", backoff_seconds),
            ("max_retry_after", max_retry_after),
        ):
            if value < 0:
                raise ValueError(f"CompetitorLookup: {name} must be >= 0, got {value!r}")
        if retries < 0 or give_up_after < 1:
            raise ValueError("CompetitorLookup: retries must be >= 0 and give_up_after >= 1")
        self.max_age = max_age
        self.delay_seconds = delay_seconds
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.max_retry_after = max_retry_after
        self.give_up_after = give_up_after
        self._owns_client = client is None
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"User-Agent": USER_AGENT, "Accept-Language": "ja,en;q=0.8"},
            follow_redirects=True,
            verify=tls_context(),
        )
        self.requests = 0  # HTTP requests sent, retries included
        self._requested_before = False

    def __enter__(self) -> CompetitorLookup:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def cheapest(self, model_numbers: Sequence[str]) -> dict[str, CompetitorQuote]:
        """The quote of every model number, keyed as given (case and spaces do not matter to
        the look-up, so ``"dd1391-100"`` and ``"DD1391-100"`` share one request and row).

        Every value is a ``CompetitorQuote``: nobody else selling the model is a quote with
        ``price_jpy`` None, so the decision record keeps when and where that was seen. Raises
        only for a bad argument (TypeError naming the position); a model number that cannot
        be looked up gets a quote with ``error`` set.
        """
        if isinstance(model_numbers, str) or not isinstance(model_numbers, Sequence):
            raise TypeError("cheapest: model_numbers must be a list of str, not a str or iterator")
        keys: dict[str, str] = {}
        for position, model_number in enumerate(model_numbers):
            if not isinstance(model_number, str):
                raise TypeError(
                    f"cheapest: model_numbers[{position}] must be a str,"
                    f" got {type(model_number).__name__} {model_number!r}"
                )
            keys[model_number] = model_number_key(model_number)

        clock = get_clock()
        wanted = list(dict.fromkeys(keys.values()))
        stored = competitor_prices(
            wanted, market=MARKET, fetched_since=clock.now() - self.max_age, without_error=True
        )
        quotes = {key: _quote_from_row(row) for key, row in stored.items()}

        pending: list[CompetitorPrice] = []
        failures_in_a_row = 0
        for key in (key for key in wanted if key not in quotes):
            if failures_in_a_row >= self.give_up_after:
                quotes[key] = self._not_fetched(key, failures_in_a_row)
                continue
            quote, unavailable = self._look_up(key)
            failures_in_a_row = failures_in_a_row + 1 if unavailable else 0
            quotes[key] = quote
            if quote.search_url:  # a look-up that reached the network is stored
                pending.append(_row(key, quote))
            if len(pending) >= _FLUSH_EVERY:
                _store(pending)
                pending = []
        _store(pending)
        return {given: _as_given(quotes[key], given) for given, key in keys.items()}

    # --- one model number ------------------------------------------------------------------

    def _look_up(self, key: str) -> tuple[CompetitorQuote, bool]:
        """(quote, whether BUYMA was unavailable) for one model number key."""
        clock = get_clock()
        if not key or len(key) > MODEL_NUMBER_MAX:
            problem = "empty" if not key else f"longer than {MODEL_NUMBER_MAX} characters"
            return _failed(key, "", clock.now(), f"model number is {problem}"), False
        try:
            public_url = search_url(model_no=key)
        except ValueError as exc:
            return _failed(key, "", clock.now(), str(exc)), False
        url = self.base_url + public_url.removeprefix(BUYMA_ORIGIN)
        try:
            response = self._get(url)
        except _Unavailable as exc:
            return _failed(key, url, clock.now(), str(exc)), True
        fetched_at = clock.now()
        if response.status_code != 200:
            return _failed(key, url, fetched_at, f"HTTP {response.status_code} from {url}"), False
        try:
            offers = parse_search_page(response.text)
        except NotASearchPageError as exc:
            return _failed(key, url, fetched_at, f"unreadable search page {url}: {exc}"), False
        best = cheapest_competitor(offers, own_buyer_ids=self.own_buyer_ids)
        return (
            CompetitorQuote(
                model_number=key,
                price_jpy=best.price_jpy if best else None,
                seller_id=best.buyer_id if best else None,
                item_url=best.url if best else None,
                search_url=url,
                fetched_at=fetched_at,
            ),
            False,
        )

    def _get(self, url: str) -> httpx.Response:
        clock = get_clock()
        if self._requested_before and self.delay_seconds:
            clock.sleep(self.delay_seconds)
        self._requested_before = True
        attempts = self.retries + 1

        def attempt() -> httpx.Response:
            self.requests += 1
            try:
                response = self.client.get(url)
            except httpx.TransportError as exc:  # timeouts, refused and reset connections
                raise RetryableFailure(f"{type(exc).__name__} ({exc or 'no detail'})") from None
            if response.status_code not in _RETRYABLE:
                return response
            problem = f"HTTP {response.status_code}"
            asked = parse_retry_after(response.headers.get("Retry-After"), clock.now())
            if asked is not None and asked > self.max_retry_after:
                raise _Unavailable(
                    f"{problem} from {url} asking to wait {asked:.0f} s,"
                    f" more than max_retry_after={self.max_retry_after:.0f} s"
                )
            raise RetryableFailure(problem, wait=asked)

        def tell(failure: RetryableFailure, seconds: float) -> None:
            log.info("BUYMA %s for %s; retrying in %.1f s", failure.problem, url, seconds)

        try:
            return call_with_retries(
                attempt,
                attempts=attempts,
                backoff=exponential_backoff(self.backoff_seconds),
                sleep=clock.sleep,
                before_retry=tell,
            )
        except RetryableFailure as failure:
            raise _Unavailable(
                f"{failure.problem} from {url} after {attempts} attempt(s)"
            ) from None

    def _not_fetched(self, key: str, failures: int) -> CompetitorQuote:
        return _failed(
            key,
            "",
            get_clock().now(),
            f"not requested: the {failures} look-ups before it failed in a row"
            " (BUYMA unavailable or blocking)",
        )


def _own_ids(own_buyer_id: str | Iterable[str] | None) -> frozenset[str]:
    if own_buyer_id is None:
        own_buyer_id = str(getattr(settings, "YOOINI_BUYMA_OWN_BUYER_IDS", "") or "")
    if isinstance(own_buyer_id, str | int):
        own_buyer_id = str(own_buyer_id).split(",")
    ids = frozenset(str(i).strip() for i in own_buyer_id if str(i).strip())
    if not ids:
        raise ValueError(
            "CompetitorLookup: own_buyer_id is required (or the setting"
            " YOOINI_BUYMA_OWN_BUYER_IDS): without it our own listings count as competitors"
        )
    return ids


def _failed(key: str, url: str, at: datetime, error: str) -> CompetitorQuote:
    return CompetitorQuote(
        model_number=key,
        price_jpy=None,
        seller_id=None,
        item_url=None,
        search_url=url,
        fetched_at=at,
        error=error,
    )


def _as_given(quote: CompetitorQuote, given: str) -> CompetitorQuote:
    if quote.model_number == given:
        return quote
    return CompetitorQuote(
        model_number=given,
        price_jpy=quote.price_jpy,
        seller_id=quote.seller_id,
        item_url=quote.item_url,
        search_url=quote.search_url,
        fetched_at=quote.fetched_at,
        error=quote.error,
        cached=quote.cached,
    )


def _quote_from_row(row: CompetitorPrice) -> CompetitorQuote:
    return CompetitorQuote(
        model_number=row.model_number,
        price_jpy=row.price_jpy,
        seller_id=row.seller_id or None,
        item_url=row.item_url or None,
        search_url=row.search_url,
        fetched_at=row.fetched_at,
        error=row.error or None,
        cached=True,
    )


def _row(key: str, quote: CompetitorQuote) -> CompetitorPrice:
    return CompetitorPrice(
        market=MARKET,
        model_number=key,
        price_jpy=quote.price_jpy,
        seller_id=quote.seller_id or "",
        item_url=quote.item_url or "",
        search_url=quote.search_url,
        fetched_at=quote.fetched_at,
        error=quote.error or "",
    )


def _store(rows: list[CompetitorPrice]) -> None:
    """Insert or overwrite the rows, keyed on (market, model number), in bulk."""
    if not rows:
        return
    with transaction.atomic():
        CompetitorPrice.objects.bulk_create(
            rows,
            update_conflicts=True,
            update_fields=list(_STORED),
            **conflict_target("market", "model_number"),
        )
