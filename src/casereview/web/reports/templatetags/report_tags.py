"""Figures as people read them: shares as percentages, suppressed counts as their marks."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from casereview.domain.registers import CATEGORIES, category_label
from casereview.web.reports.charts import series_colours, share_chart, volume_chart

register = template.Library()


@register.filter
def pct(value: Any) -> str:
    """0.926 → "92.6%"; nothing (a suppressed or undefined share) → "–"."""
    if value is None or isinstance(value, str):
        return "–"
    return f"{100 * float(value):.1f}%"


@register.filter
def interval(figure: Any) -> str:
    """A figure's 95% interval, "86.9% to 95.9%", or "–"."""
    if not figure or figure.get("ci_low") is None:
        return "–"
    return f"{pct(figure['ci_low'])} to {pct(figure['ci_high'])}"


@register.filter
def number(value: Any, places: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value  # "[c]" (or "<5" in a report published before markers were one)
    if isinstance(value, float):
        return f"{value:.{places}f}"
    return str(value)


@register.filter
def p_value(value: Any) -> str:
    if value is None:
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


@register.simple_tag
def trend_chart(points: Any, title: str) -> SafeString:
    return share_chart(points or [], title=title)


@register.simple_tag
def cases_chart(volume: Any, title: str) -> SafeString:
    return volume_chart(
        volume or {}, labels={c: category_label(c) for c in CATEGORIES}, title=title
    )


@register.simple_tag
def line_swatch(code: str, volume: Any) -> SafeString:
    """A small square in the colour of the category's line (an SVG fill: no inline style for the CSP to refuse)."""
    colour = series_colours(list((volume or {}).get("categories", {}))).get(code, "#0b0c0c")
    return format_html(
        '<svg width="12" height="12" aria-hidden="true" focusable="false"><rect width="12" height="12" fill="{}"/></svg>',
        colour,
    )


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
