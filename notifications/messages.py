"""The text of each notification: a subject line and a short plain-text body with a link.

The same text goes to Slack (subject in bold, then the body) and to email (subject, body).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from .kinds import (
    ANALYTICS_ANOMALY,
    BATCH_COMPLETED,
    BATCH_COMPLETED_WITH_ERRORS,
    BATCH_FAILED,
    BREAKER_OPEN,
    LISTING_SUSPENDED,
    REPORT_READY,
)

# Cell statuses in the order people read them; anything else follows, by name.
STATUS_ORDER = ("DONE", "ERROR", "BLOCKED", "SKIPPED", "CANCELLED", "PENDING", "RUNNING")
PREFIX = "[yooini]"
# Keys of a batch's totals that are not cells by status.
NOT_CELL_COUNTS = ("items", "failed_items", "item_errors")


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def batch_link(batch_id: str) -> str:
    """The dashboard's page of a batch."""
    return f"{settings.YOOINI_PUBLIC_URL}/batches/{batch_id}/"


def totals_line(totals: dict[str, Any]) -> str:
    """``DONE 5, ERROR 1, BLOCKED 2; items 120`` from a batch's totals."""
    counts = {
        k: v for k, v in totals.items() if k not in NOT_CELL_COUNTS and isinstance(v, int) and v
    }
    ordered = [s for s in STATUS_ORDER if s in counts] + sorted(set(counts) - set(STATUS_ORDER))
    cells = ", ".join(f"{status} {counts[status]}" for status in ordered) or "-"
    return _("cells: %(cells)s; items: %(items)s") % {
        "cells": cells,
        "items": totals.get("items", 0),
    }


def item_errors_text(totals: dict[str, Any]) -> list[str]:
    """How many items failed and why, each reason once with its count (from the totals)."""
    failed = totals.get("failed_items")
    if not failed:
        return []
    groups = [g for g in totals.get("item_errors") or () if isinstance(g, dict)]
    lines = [_("Items failed: %(count)s, by stage and reason:") % {"count": failed}]
    lines += [
        _("- %(stage)s: %(count)s: %(reason)s")
        % {"stage": g.get("stage", "?"), "count": g.get("count", "?"), "reason": g.get("reason")}
        for g in groups[:10]
    ]
    if len(groups) > 10:
        lines.append(_("- and %(count)s more reasons") % {"count": len(groups) - 10})
    return lines


def report_lines(summary: dict[str, Any]) -> list[str]:
    """The daily report's summary: what needs attention, and yesterday's sales per account."""
    lines = [_("%(count)s findings need attention.") % {"count": summary.get("needs_attention", 0)}]
    for a in summary.get("accounts", [])[:20]:
        lines.append(
            _(
                "- %(account)s (%(market)s): %(orders)s orders, %(revenue)s %(currency)s,"
                " margin %(margin)s; %(uncompetitive)s uncompetitive, %(restock)s to restock,"
                " %(sold_out)s sold out, %(delist)s to delist"
            )
            % {
                "account": a.get("account", "?"),
                "market": a.get("market", "?"),
                "orders": a.get("orders_yesterday", 0),
                "revenue": a.get("revenue_yesterday", 0),
                "currency": a.get("currency", ""),
                "margin": a.get("margin_yesterday", 0),
                "uncompetitive": a.get("uncompetitive", 0),
                "restock": a.get("restock", 0),
                "sold_out": a.get("sold_out", 0),
                "delist": a.get("delist", 0),
            }
        )
    return lines


def message_for(
    event_type: str, payload: dict[str, Any], *, batch_id: str, workflow: str
) -> Message:
    """The message for one event; ``workflow`` is the batch's (found by the caller)."""
    where = _("Workflow %(workflow)s, batch %(batch)s") % {
        "workflow": workflow or "-",
        "batch": batch_id or "-",
    }
    link = batch_link(batch_id) if batch_id else settings.YOOINI_PUBLIC_URL + "/"
    if event_type in (BATCH_FAILED, BATCH_COMPLETED_WITH_ERRORS, BATCH_COMPLETED):
        status = event_type.removeprefix("batch.").upper()
        titles = {
            BATCH_FAILED: _("Batch failed: %(workflow)s"),
            BATCH_COMPLETED_WITH_ERRORS: _("Batch completed with errors: %(workflow)s"),
            BATCH_COMPLETED: _("Batch completed: %(workflow)s"),
        }
        subject = titles[event_type] % {"workflow": workflow or "-"}
        lines = [
            _("%(where)s ended %(status)s.") % {"where": where, "status": status},
            totals_line(payload.get("totals") or {}),
            *item_errors_text(payload.get("totals") or {}),
        ]
    elif event_type == BREAKER_OPEN:
        resource = payload.get("resource", "?")
        subject = _("Circuit breaker opened: %(resource)s") % {"resource": resource}
        lines = [
            _(
                "The breaker of resource %(resource)s opened after %(failures)s failures in a"
                " row (it was %(was)s). Its stage runs wait until it closes again."
            )
            % {
                "resource": resource,
                "failures": payload.get("failures", "?"),
                "was": payload.get("was", "?"),
            },
            where + ".",
        ]
    elif event_type == LISTING_SUSPENDED:
        reference = payload.get("reference_number") or "-"
        subject = _("Listing suspended: %(reference)s") % {"reference": reference}
        lines = [
            _(
                "Account %(account)s suspended listing %(reference)s (product %(product)s)."
                " Reason: %(reason)s."
            )
            % {
                "account": payload.get("account", "?"),
                "reference": reference,
                "product": payload.get("product", "?"),
                "reason": payload.get("reason") or "-",
            },
            where + ".",
        ]
    elif event_type == REPORT_READY:
        subject = _("Daily market report: %(day)s") % {"day": payload.get("day", "-")}
        lines = report_lines(payload)
        link = f"{settings.YOOINI_PUBLIC_URL}/reports/{batch_id}/"
    elif event_type == ANALYTICS_ANOMALY:
        count = payload.get("count", "?")
        subject = _("Analytics anomalies: %(count)s events") % {"count": count}
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted((payload.get("rules") or {}).items()))
        lines = [
            _("The analytics stream %(stream)s flagged %(count)s events (%(rules)s).")
            % {"stream": payload.get("stream", "?"), "count": count, "rules": rules or "-"}
        ]
    else:
        subject = _("Event %(type)s") % {"type": event_type}
        lines = [where + "."]
    return Message(subject=f"{PREFIX} {subject}", body="\n".join([*lines, link]))


def message_for_test(channel_name: str) -> Message:
    """What ``yooini notify --test`` sends."""
    return Message(
        subject=f"{PREFIX} " + _("Test notification"),
        body=_(
            "This is a test from yooini to the channel %(channel)s: notifications reach you here."
        )
        % {"channel": channel_name}
        + "\n"
        + settings.YOOINI_PUBLIC_URL
        + "/",
    )
