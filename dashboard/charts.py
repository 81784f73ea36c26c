"""Small charts drawn on the server as inline SVG: no JavaScript library, no build step.

Each function returns safe markup sized by its ``viewBox`` so it scales with the page; bars
carry a ``<title>`` (the browser's tooltip) and colours come from the stylesheet's status
classes, so a chart and the grid speak the same colours.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 600


@dataclass(frozen=True)
class Bar:
    value: float
    title: str  # the tooltip
    css: str = ""  # e.g. "status-COMPLETED"
    href: str = ""


def column_chart(
    bars: list[Bar], *, height: int = 120, unit: str = "", label: str = ""
) -> SafeString:
    """Vertical bars left to right (oldest first), scaled to the largest; the top value is
    written on the axis. Empty input draws nothing."""
    if not bars:
        return mark_safe("")
    top = max(bar.value for bar in bars) or 1.0
    plot_h = height - 14
    step = WIDTH / max(len(bars), 1)
    gap = min(step * 0.2, 4)
    parts = []
    for i, bar in enumerate(bars):
        h = max(bar.value / top * plot_h, 1.0)
        rect = format_html(
            '<rect class="bar {}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
            bar.css,
            _f(i * step + gap / 2),
            _f(14 + plot_h - h),
            _f(max(step - gap, 1)),
            _f(h),
            bar.title,
        )
        parts.append(format_html('<a href="{}">{}</a>', bar.href, rect) if bar.href else rect)
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'preserveAspectRatio="none">'
        '<text class="axis" x="2" y="10">{}</text>{}</svg>',
        WIDTH,
        height,
        label,
        f"{_number(top)}{unit}",
        mark_safe("".join(parts)),
    )


@dataclass(frozen=True)
class PairRow:
    label: str
    first: float  # drawn in the accent colour
    second: float  # drawn in the error colour


def pair_chart(rows: list[PairRow], *, first_name: str, second_name: str) -> SafeString:
    """One line per row with two horizontal bars (e.g. items and errors per stage); each
    measure has its own scale, since errors are usually far fewer than items, and each bar
    is labelled with its number."""
    if not rows:
        return mark_safe("")
    width = 420  # drawn in a narrow column: smaller units keep the labels legible
    line = 24
    label_w = 100
    bar_w = (width - label_w - 80) / 2
    top_first = max(r.first for r in rows) or 1.0
    top_second = max(r.second for r in rows) or 1.0
    parts = [
        format_html(
            '<text class="axis" x="{}" y="10">{}</text><text class="axis" x="{}" y="10">{}</text>',
            label_w,
            first_name,
            _f(label_w + bar_w + 40),
            second_name,
        )
    ]
    for i, row in enumerate(rows):
        y = 16 + i * line
        w1 = row.first / top_first * bar_w
        w2 = row.second / top_second * bar_w
        parts.append(
            format_html(
                '<text class="label" x="{}" y="{}" text-anchor="end">{}</text>'
                '<rect class="bar items" x="{}" y="{}" width="{}" height="16">'
                "<title>{}: {}</title></rect>"
                '<text class="value" x="{}" y="{}">{}</text>'
                '<rect class="bar status-ERROR" x="{}" y="{}" width="{}" height="16">'
                "<title>{}: {}</title></rect>"
                '<text class="value" x="{}" y="{}">{}</text>',
                label_w - 6,
                y + 12,
                _clip(row.label),
                label_w,
                y,
                _f(w1),
                first_name,
                _number(row.first),
                _f(label_w + w1 + 3),
                y + 12,
                _number(row.first),
                _f(label_w + bar_w + 40),
                y,
                _f(w2),
                second_name,
                _number(row.second),
                _f(label_w + bar_w + 43 + w2),
                y + 12,
                _number(row.second),
            )
        )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
        width,
        20 + len(rows) * line,
        escape(f"{first_name} / {second_name}"),
        mark_safe("".join(parts)),
    )


def _f(value: float) -> str:
    return f"{value:.1f}"


def _number(value: float) -> str:
    if value >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.1f}"


def _clip(text: str, size: int = 16) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
