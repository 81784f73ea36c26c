"""The data pages: source data (search, one product with its versions and lineage) and
market listings (with the price decision and the request log). Read-only, any signed-in user.

Nothing here reads credentials: accounts are shown by name, market and dry-run flag only, and
request bodies are shown with any secret-looking key masked (they hold product data, but a
page must not be the place where a mistake upstream leaks a token).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from markets.models import Listing, ListingRequest, ListingStatus, MarketAccount
from markets.selectors import listings_for
from source_data.models import ProcessingStatus, SourceData, SourceType
from source_data.selectors import (
    lineage_ancestors,
    lineage_descendants,
    source_data_current,
    source_data_history,
    source_data_search,
)

PAGE_SIZE = 50
LINEAGE_DEPTH = 10
RECENT_REQUESTS = 30
SECRET_WORDS = ("secret", "token", "password", "credential", "authorization", "api_key", "apikey")
MASK = "********"


# --- source data ---------------------------------------------------------------------------


def source_data_list(request):
    params = request.GET
    q = params.get("q", "").strip()
    current_only = params.get("all") != "1"
    rows = source_data_search(
        q=q,
        source_system=params.get("source_system", ""),
        source_type=params.get("source_type", ""),
        status=params.get("status", ""),
        current_only=current_only,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(params.get("page"))
    return render(
        request,
        "dashboard/data/source_list.html",
        {
            "page": page,
            "q": q,
            "current_only": current_only,
            "selected": params,
            "systems": SourceData.objects.values_list("source_system", flat=True)
            .order_by("source_system")
            .distinct(),
            "types": SourceType.choices,
            "statuses": ProcessingStatus.choices,
            "query_string": _without_page(params),
        },
    )


def source_data_detail(request, pk: int):
    record = get_object_or_404(SourceData, pk=pk)
    versions = list(
        source_data_history(source_system=record.source_system, source_id=record.source_id)
        .only("id", "version", "content_hash", "is_current", "created_at", "superseded_at")
        .order_by("-version")
    )
    sections = [
        ("raw", _("Raw"), record.raw),
        ("normalized", _("Normalized"), record.normalized),
        ("market", _("Market"), record.market_data),
        ("ai", _("AI"), record.ai_data),
    ]
    return render(
        request,
        "dashboard/data/source_detail.html",
        {
            "record": record,
            "batch_url": batch_url(record.batch_id),
            "sections": [
                (key, title, pretty(value), bool(value)) for key, title, value in sections
            ],
            "images": _image_urls(record.normalized),
            "versions": versions,
            "parents": _hops(
                lineage_ancestors(source_data=record, max_depth=LINEAGE_DEPTH), up=True
            ),
            "children": _hops(
                lineage_descendants(source_data=record, max_depth=LINEAGE_DEPTH), up=False
            ),
        },
    )


def _hops(hops, *, up: bool) -> list[dict[str, Any]]:
    return [
        {
            "depth": hop.depth,
            "record": hop.link.parent if up else hop.link.child,
            "transformation": hop.link.transformation,
            "metadata": json.dumps(hop.link.metadata, ensure_ascii=False, sort_keys=True)
            if hop.link.metadata
            else "",
            "created_at": hop.link.created_at,
        }
        for hop in hops
    ]


def _image_urls(normalized: Any) -> list[str]:
    """Image URLs found in normalized data, shown as text: the dashboard never loads them."""
    if not isinstance(normalized, dict):
        return []
    found: list[str] = []
    for key in ("images", "image_urls", "image"):
        value = normalized.get(key)
        values = value if isinstance(value, list) else [value]
        found += [v for v in values if isinstance(v, str) and v]
    return found


# --- listings ------------------------------------------------------------------------------


def listing_list(request):
    params = request.GET
    q = params.get("q", "").strip()
    listings = listings_for(
        account=params.get("account") or None, status=params.get("status") or None
    )
    if q:
        listings = listings.filter(reference_number__icontains=q)
    page = Paginator(
        listings.only(
            "id",
            "reference_number",
            "status",
            "price",
            "last_error",
            "updated_at",
            "account__name",
            "account__market",
        ),
        PAGE_SIZE,
    ).get_page(params.get("page"))
    return render(
        request,
        "dashboard/data/listing_list.html",
        {
            "page": page,
            "q": q,
            "selected": params,
            "accounts": MarketAccount.objects.order_by("name").values_list("name", flat=True),
            "statuses": ListingStatus.choices,
            "query_string": _without_page(params),
        },
    )


def listing_detail(request, pk: int):
    listing = get_object_or_404(
        Listing.objects.select_related("account").defer("account__credentials_encrypted"), pk=pk
    )
    requests = list(
        ListingRequest.objects.filter(listing=listing).order_by("-at", "-id")[:RECENT_REQUESTS]
    )
    return render(
        request,
        "dashboard/data/listing_detail.html",
        {
            "listing": listing,
            "account": {
                "name": listing.account.name,
                "market": listing.account.market,
                "dry_run": listing.account.dry_run,
            },
            "decision": decision_rows(listing.price_decision),
            "decision_json": pretty(listing.price_decision),
            "fixed_json": pretty(listing.fixed),
            "stock_json": pretty({k: v for k, v in (listing.stock or {}).items() if k != "hash"}),
            "source": _source_of(listing.source_key),
            "requests": [
                {"row": r, "body": pretty(masked(r.body)), "result": pretty(masked(r.result))}
                for r in requests
            ],
        },
    )


def _source_of(source_key: str) -> SourceData | None:
    """The current source record a listing was made from: its key is ``system:source_id``."""
    system, sep, source_id = source_key.partition(":")
    if not sep or not system or not source_id:
        return None
    return (
        source_data_current()
        .filter(source_system=system, source_id=source_id)
        .only("id", "source_system", "source_id", "version")
        .first()
    )


# --- the price decision as a table ---------------------------------------------------------

# (where in the record, label); a path is keys into ``Listing.price_decision`` as written by
# ``pricing.services.decision_record``. Missing keys are skipped: older records have fewer,
# and records from before prices were per market carry the ``*_jpy`` names.
DECISION_ROWS = (
    (("currency",), _("Currency")),
    (("inputs", "cost_krw"), _("Supplier price (KRW)")),
    (("inputs", "shipping_krw"), _("Shipping (KRW)")),
    (("inputs", "krw_per_unit"), _("FX rate (KRW per unit)")),
    (("inputs", "krw_per_jpy"), _("FX rate (KRW per JPY)")),
    (("fx_rate", "valid_from"), _("FX rate valid from")),
    (("fx_rate", "source"), _("FX rate source")),
    (("inputs", "fee_rate"), _("Market fee rate")),
    (("inputs", "buyma_fee_rate"), _("Market fee rate")),
    (("inputs", "duty_rate"), _("Duty rate")),
    (("inputs", "duty"), _("Duty")),
    (("inputs", "duty_jpy"), _("Duty (JPY)")),
    (("fixed_cost",), _("Fixed costs")),
    (("fixed_cost_jpy",), _("Fixed costs (JPY)")),
    (("inputs", "competitor_price"), _("Competitor price")),
    (("inputs", "competitor_price_jpy"), _("Competitor price (JPY)")),
    (("competitor", "seller_id"), _("Competitor seller")),
    (("competitor", "item_url"), _("Competitor item")),
    (("competitor", "fetched_at"), _("Competitor price fetched at")),
    (("competitor", "error"), _("Competitor look-up error")),
    (("inputs", "undercut"), _("Undercut by")),
    (("inputs", "undercut_jpy"), _("Undercut by (JPY)")),
    (("inputs", "target_margin"), _("Target margin")),
    (("inputs", "minimum_margin"), _("Minimum margin")),
    (("inputs", "rounding_step"), _("Rounding step")),
    (("inputs", "rounding_step_jpy"), _("Rounding step (JPY)")),
    (("inputs", "rounding_direction"), _("Rounding direction")),
    (("inputs", "suspend_when_uncompetitive"), _("Suspend when uncompetitive")),
    (("pricing_rule",), _("Pricing rule")),
    (("target_price",), _("Target price")),
    (("target_price_jpy",), _("Target price (JPY)")),
    (("undercut_price",), _("Undercut price")),
    (("undercut_price_jpy",), _("Undercut price (JPY)")),
    (("floor_price",), _("Floor price")),
    (("floor_price_jpy",), _("Floor price (JPY)")),
    (("rule",), _("Rule applied")),
    (("reason",), _("Reason")),
    (("margin",), _("Margin")),
    (("margin_jpy",), _("Margin (JPY)")),
    (("margin_rate",), _("Margin rate")),
    (("competitive",), _("Competitive")),
    (("suspend",), _("Suspend")),
    (("price",), _("Final price")),
    (("price_jpy",), _("Final price (JPY)")),
)


def decision_rows(decision: Any) -> list[tuple[str, str]]:
    """The decision's inputs, intermediate prices and result as (label, text) rows."""
    if not isinstance(decision, dict):
        return []
    rows = []
    for path, label in DECISION_ROWS:
        value: Any = decision
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None or value == "":
            continue
        rows.append((label, _decision_text(value)))
    return rows


def _decision_text(value: Any) -> str:
    if isinstance(value, dict):
        if "text" in value:  # a margin: {"kind", "value", "text"}
            return str(value["text"])
        return ", ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, ""))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


# --- shared by the pages -------------------------------------------------------------------


def pretty(value: Any) -> str:
    """Indented JSON for a <pre> block (the template escapes it)."""
    if value in (None, {}, []):
        return ""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def masked(value: Any) -> Any:
    """``value`` with the value of every secret-looking key replaced by a mask, at any depth."""
    if isinstance(value, dict):
        return {k: MASK if _secret_key(k) else masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def _secret_key(key: Any) -> bool:
    text = str(key).lower().replace("-", "_")
    return any(word in text for word in SECRET_WORDS)


def batch_url(batch_id: str) -> str:
    """The dashboard page of a batch ('' without an id)."""
    if not batch_id:
        return ""
    try:
        return reverse("dashboard:batch", args=[batch_id])
    except NoReverseMatch:
        return f"/batches/{batch_id}/"


def _without_page(params) -> str:
    """The query string of the current filters, for the pager's links."""
    kept = params.copy()
    kept.pop("page", None)
    return kept.urlencode()
