"""The seller's product page: every supplier product with its state on each market account
(listing status, price, margin, stock, last sync, last error), filtered and sorted by the
query string, exported as CSV or Excel, and bulk actions (suspend, resume, reprice) for
operators.

Anyone signed in reads the page and the exports; the actions are POSTs that need the operator
role (403 otherwise, checked on every POST, whatever the page showed).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from access.decorators import role_required
from access.roles import Role
from pipelines import actions
from pipelines.product_export import export_filename, products_csv, products_xlsx
from pipelines.selectors import (
    DEFAULT_SORT,
    SORTS,
    STATUS_LABELS,
    UNLISTED,
    WAITING_LABELS,
    seller_filter_choices,
    seller_products,
    seller_products_all,
)

from .views_data import _without_page

PAGE_SIZE = 50
FILTERS = ("q", "market", "account", "status", "sort")
ACTIONS = {
    "suspend": actions.products_suspend,
    "resume": actions.products_resume,
    "reprice": actions.products_reprice,
}
ACTION_NAMES = {
    "suspend": gettext_lazy("Suspend"),
    "resume": gettext_lazy("Resume sales"),
    "reprice": gettext_lazy("Reprice"),
}
OUTCOME_NAMES = {
    "suspended": gettext_lazy("suspended"),
    "resumed": gettext_lazy("resumed"),
    "repriced": gettext_lazy("repriced"),
    "price_changed": gettext_lazy("price changed"),
    "price_failed": gettext_lazy("not priced"),
    "updated": gettext_lazy("updated"),
    "price": gettext_lazy("price sent"),
    "stock": gettext_lazy("stock sent"),
    "unchanged": gettext_lazy("unchanged"),
    "skipped": gettext_lazy("skipped"),
    "failed": gettext_lazy("failed"),
}
REASON_NAMES = {
    actions.NOT_LISTED: gettext_lazy("not listed on this account"),
    actions.ALREADY_SUSPENDED: gettext_lazy("already suspended"),
    actions.NOT_SUSPENDED: gettext_lazy("not suspended"),
    actions.DELETED: gettext_lazy("listing deleted"),
    actions.SUSPENDED_KEPT: gettext_lazy("suspended: resume it to publish the new price"),
    **WAITING_LABELS,
}
EXPORTS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@require_GET
def product_list(request):
    filters = _filters(request.GET)
    found = seller_products(**filters, page=request.GET.get("page"), per_page=PAGE_SIZE)
    markets, account_names = seller_filter_choices()
    return render(
        request,
        "dashboard/products/product_list.html",
        {
            "page": found.page,
            "rows": found.rows,
            "accounts": found.accounts,
            "selected": filters,
            "markets": markets,
            "account_names": account_names,
            "statuses": [*STATUS_LABELS.items(), (UNLISTED, _("not listed"))],
            "query_string": _without_page(request.GET),
            "sort_query": _without(request.GET, "page", "sort"),
            "filters_query": _query(filters),
        },
    )


@require_GET
def product_export(request, extension: str):
    filters = _filters(request.GET)
    accounts, rows = seller_products_all(**filters)
    name = export_filename(accounts, extension)
    if extension == "csv":
        response = StreamingHttpResponse(products_csv(rows), content_type=EXPORTS["csv"])
    else:
        response = HttpResponse(products_xlsx(rows), content_type=EXPORTS["xlsx"])
    # An account name may be Korean: the header encodes it as RFC 6266 asks.
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@role_required(Role.OPERATOR)
@require_POST
def product_action(request):
    back = reverse("dashboard:products")
    query = _query(_filters(QueryDict(request.POST.get("filters", ""))))
    if query:
        back = f"{back}?{query}"
    action = request.POST.get("action", "")
    product_ids = [int(v) for v in request.POST.getlist("product") if v.isascii() and v.isdigit()]
    account_names = request.POST.getlist("account")
    if action not in ACTIONS:
        messages.error(request, _("Choose an action."))
        return redirect(back)
    if not product_ids or not account_names:
        messages.error(request, _("Choose at least one product and one account."))
        return redirect(back)
    result = ACTIONS[action](
        product_ids=product_ids,
        account_names=account_names,
        actor=request.user.get_username(),
    )
    level = messages.error if result.get("failed") else messages.success
    level(request, _result_text(action, result))
    return redirect(back)


# --- parsing and the result message --------------------------------------------------------


def _filters(params) -> dict[str, str]:
    filters = {name: params.get(name, "").strip() for name in FILTERS}
    if filters["sort"] not in SORTS:
        filters["sort"] = DEFAULT_SORT
    return filters


def _query(filters: dict[str, str]) -> str:
    """The query string of the filters that are set (the default sort left out)."""
    kept = QueryDict(mutable=True)
    for name, value in filters.items():
        if value and not (name == "sort" and value == DEFAULT_SORT):
            kept[name] = value
    return kept.urlencode()


def _without(params, *names: str) -> str:
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()


def _result_text(action: str, result: dict) -> str:
    """The action's counts, why products were skipped, and the first failure, as one line:
    ``Suspend: suspended 2, skipped 1, failed 0. Skipped: not listed on this account (1).``"""
    counts = ", ".join(
        _("%(outcome)s %(n)s") % {"outcome": OUTCOME_NAMES.get(key, key), "n": n}
        for key, n in result.items()
        if isinstance(n, int) and not isinstance(n, bool)
    )
    text = _("%(action)s: %(counts)s.") % {"action": ACTION_NAMES[action], "counts": counts}
    reasons = result.get("reasons") or {}
    if reasons:
        why = ", ".join(f"{REASON_NAMES.get(r, r)} ({n})" for r, n in reasons.items())
        text += " " + _("Skipped: %(reasons)s.") % {"reasons": why}
    failures = result.get("failures") or []
    if failures:
        first = failures[0]
        text += " " + _("First failure: %(product)s on %(account)s: %(error)s") % first
    return text
