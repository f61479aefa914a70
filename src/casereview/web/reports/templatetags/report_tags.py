"""Figures as people read them: shares as percentages, hidden counts and withheld figures as ``[c]``.

A report's JSON document says what is hidden in two ways: a count is the marker ``[c]`` (a string), and a
figure computed from hidden counts (a share, an interval, a kappa, a median) is null.  In a published
document a null figure is printed ``[c]`` too (never blank, never "None", never a zero), unless what it is
computed from is shown and empty (a share of no cases is "–"); a banded share is printed in words ("75%
or more").  The tags that need to know whether the document is published read it from the context
(``report``), so that a template cannot forget to say.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_noop

from casereview.domain import words as _words
from casereview.domain.registers import CATEGORIES
from casereview.domain.report_words import percent
from casereview.domain.tables import (
    MARKER,
    band_words,
    figure_is_empty,
    is_hidden,
    is_withheld,
    publication_date,
)
from casereview.web.reports.charts import (
    control_chart,
    control_words,
    plotted_words,
    responsive,
    result_kind_words,
    series_swatch,
    share_chart,
    volume_chart,
)

register = template.Library()
NOTHING = "–"


@register.filter
def pct(value: Any) -> str:
    """0.926 → "92.6%"; a marker → the marker; nothing (an undefined share) → "–"."""
    if isinstance(value, str):
        return value
    if value is None or value != value:  # None, or NaN (which equals nothing)
        return NOTHING
    return percent(float(value))  # the one home of a share in words (the charts' words use it too)


@register.filter
def interval(figure: Any) -> str:
    """A figure's 95% interval, "86.9% to 95.9%", or "–"."""
    if (
        not isinstance(figure, Mapping)
        or figure.get("ci_low") is None
        or figure.get("ci_high") is None
    ):
        return NOTHING
    return gettext("%(low)s to %(high)s") % {
        "low": pct(figure["ci_low"]),
        "high": pct(figure["ci_high"]),
    }


@register.filter
def number(value: Any, places: int = 2) -> str:
    """A count with thousands separators ("1,234"), a figure to ``places`` decimals, a marker as it is, or "–"."""
    if value is None or (isinstance(value, float) and value != value):
        return NOTHING
    if isinstance(value, str):
        return value  # "[c]" (or "<5" in a report published before markers were one)
    if isinstance(value, float):
        return f"{value:,.{places}f}"
    return (
        _words.number(value)
        if isinstance(value, int) and not isinstance(value, bool)
        else str(value)
    )


@register.filter
def p_value(value: Any) -> str:
    if value is None:
        return NOTHING
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


@register.filter
def hidden(value: Any) -> bool:
    """Whether a count is hidden (its marker, a string)."""
    return is_hidden(value)


def _published(context: Any) -> bool:
    report = context.get("report")
    return bool(isinstance(report, Mapping) and report.get("published"))


def _missing(context: Any, *, empty: bool = False) -> str:
    """How a null figure is printed: hidden in a published document (unless its base is empty), else "–"."""
    return (
        MARKER if is_withheld(None, _published(context), empty=empty) else NOTHING
    )  # the one rule


@register.simple_tag(takes_context=True)
def share(context: Any, figure: Any) -> str:
    """A figure's share: "45.8%", its band in words ("75% or more"), "[c]" when withheld, "–" when undefined."""
    if not isinstance(figure, Mapping):
        return _missing(context)
    words = band_words(figure)
    if figure.get("share") is None and words:
        return words
    if figure.get("share") is None:
        return _missing(context, empty=figure_is_empty(figure))
    return pct(figure["share"])


@register.simple_tag(takes_context=True)
def ci(context: Any, figure: Any) -> str:
    """A figure's 95% interval, or "[c]" when withheld (a banded figure's interval is withheld too)."""
    if isinstance(figure, Mapping) and figure.get("ci_low") is not None:
        return interval(figure)
    empty = isinstance(figure, Mapping) and figure_is_empty(figure) and not band_words(figure)
    return _missing(context, empty=empty)


@register.simple_tag(takes_context=True)
def derived(context: Any, value: Any, places: int = 2, suffix: str = "") -> str:
    """A figure computed from counts (a kappa, a median, a percentage): "[c]" when a published one is null."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and value != value):
        return _missing(context)
    return f"{number(value, places)}{suffix}"


@register.simple_tag(takes_context=True)
def share_value(context: Any, value: Any) -> str:
    """A share on its own (a comparison's then or now): "45.8%", or "[c]" when a published one is null."""
    if value is None or (isinstance(value, float) and value != value):
        return _missing(context)
    return pct(value)


def _narrow(context: Any) -> bool:
    """Whether to draw a chart's narrow drawing too: for a page and the HTML download, never for the PDF
    (``rendering.html_document(…, for_pdf=True)`` says so in the context)."""
    return not context.get("for_pdf")


@register.simple_tag(takes_context=True)
def trend_chart(context: Any, points: Any, title: str) -> SafeString:
    """The trend chart, drawn for a page and again narrower for a phone (``charts.responsive``)."""
    return responsive(
        share_chart, points or [], title=title, chart_id="trend-chart", narrow=_narrow(context)
    )


@register.simple_tag
def trend_chart_words(points: Any) -> str:
    """In words, exactly what the trend chart plots (its text alternative)."""
    return plotted_words(points or [])


@register.simple_tag(takes_context=True)
def p_chart(context: Any, chart: Any, title: str) -> SafeString:
    """The p-chart (``domain.control``) of the combined share, drawn as SVG (wide, and narrow for a phone)."""
    return responsive(
        control_chart, chart or {}, title=title, chart_id="control-chart", narrow=_narrow(context)
    )


@register.simple_tag
def p_chart_words(chart: Any) -> str:
    """In words, exactly what the p-chart plots and the signals it shows (its text alternative)."""
    return control_words(chart or {})


@register.filter
def p_chart_signal(point: Any) -> str:
    """A p-chart point's signals in words ("Above its limits; in a shift"), or "–"."""
    if not isinstance(point, Mapping):
        return NOTHING
    outside = point.get("outside")
    said = (
        [gettext(_OUTSIDE[outside]) if outside in _OUTSIDE else f"{outside} its limits"]
        if outside
        else []
    )
    said += [gettext(_RULES[rule]) for rule in _RULES if rule in (point.get("rules") or [])]
    return ("; ".join(said)[:1].upper() + "; ".join(said)[1:]) if said else NOTHING


#: A p-chart point's signals (``domain.control``: ``outside`` is "above" or "below", ``rules`` name the runs).
_OUTSIDE = {"above": gettext_noop("Above its limits"), "below": gettext_noop("Below its limits")}
_RULES = {"shift": gettext_noop("in a shift"), "trend": gettext_noop("in a trend")}


@register.simple_tag(takes_context=True)
def cases_chart(context: Any, volume: Any, title: str) -> SafeString:
    return responsive(
        volume_chart,
        volume or {},
        labels={c: _words.words(_words.Kind.CATEGORY, c, gettext) for c in CATEGORIES},
        title=title,
        chart_id="volume-chart",
        narrow=_narrow(context),
    )


@register.simple_tag
def line_swatch(code: str, volume: Any) -> SafeString:
    """A small picture of the category's line as the chart draws it: its colour, dash and marker (SVG
    attributes: no inline style for the CSP to refuse)."""
    return series_swatch(code, list((volume or {}).get("categories", {})))


@register.filter
def result_kind(kind: Any) -> str:
    """A trend result's kind in words, as the chart's legend names it: "Published baseline"."""
    return result_kind_words(kind)


#: The register's patterns of linked cases as ``rendering.context`` names them (``LINK_PATTERNS``), in words.
LINK_PATTERN_WORDS = {
    "Children missing repeatedly": gettext_noop("Children missing repeatedly"),
    "Places with a cluster of cases": gettext_noop("Places with a cluster of cases"),
    "Suspects on cases of several children": gettext_noop("Suspects on cases of several children"),
}


@register.filter
def link_pattern(label: Any) -> str:
    """A pattern of linked cases in the document's language (a label of no known pattern as it is)."""
    found = LINK_PATTERN_WORDS.get(str(label))
    return gettext(found) if found else str(label)


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def band(figure: Any) -> str:
    """A banded figure's words ("75% or more"), or ""."""
    return band_words(figure) if isinstance(figure, Mapping) else ""


@register.filter
def published_on(report: Any) -> str:
    """The date a published document was published ("" for a full report or a preview)."""
    return (publication_date(report) or "") if isinstance(report, Mapping) else ""
