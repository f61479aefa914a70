"""Figures as people read them: shares as percentages, suppressed counts as their marks."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from casereview.web.reports.charts import share_chart

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
        return value  # "<5" or "[c]"
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


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
