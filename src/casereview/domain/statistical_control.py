"""The statistical spreadsheet's control chart sheets, for ``statistical_workbook.workbook``: the p-chart of
requires improvement or inadequate, point by point against its limits, and the signals it gives (from the
report document's ``control_chart``).  Apart from ``statistical_sections`` (the other tables of figures)
so that each stays within the 600-line limit.  Pure: no Django, no files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casereview.domain.language import gettext_lazy, say, say_word
from casereview.domain.statistical_sections import DATE, NUMBER, PERCENT
from casereview.domain.statistical_tables import (
    HIDDEN,
    NOT_APPLICABLE,
    Builder,
    Column,
    Value,
    at,
    is_number,
    percent,
    text,
    to_date,
    yes_no,
)
from casereview.domain.statistical_words import (
    DIRECTION,
    INTERVAL_COLUMNS,
    KIND_OF_RESULT,
    OUTSIDE_WORDS,
    PERIOD_TO,
    RESULT,
    RULE_WORDS,
    SIDE_WORDS,
    coded,
    in_words,
    result_kind,
    said,
)

__all__ = ["control_chart"]


def _outside(point: Mapping[str, Any]) -> Value:
    """Whether a point is outside its limits, as the page's ``p_chart_signal`` says: "Above", "Below" or
    "No" (in ``domain.control`` a null ``outside`` is a point inside its limits); [c] for a hidden point,
    [z] for one with no figure (no limits to be outside)."""
    if point.get("suppressed"):
        return HIDDEN
    if not is_number(point.get("share")):
        return NOT_APPLICABLE
    outside = point.get("outside")
    if not outside:
        return yes_no(False)
    return coded(OUTSIDE_WORDS, outside) if outside in OUTSIDE_WORDS else str(outside).capitalize()


def _effective(doc: Mapping[str, Any], chart: Mapping[str, Any]) -> bool:
    """Whether the chart's current point is design-weighted: its cases are effective numbers (a published
    chart drops ``current_estimate``; its trend's current point still says so, and the numbers are not
    whole)."""
    if chart.get("current_estimate") == "design-weighted":
        return True
    if any(p.get("now") and p.get("estimate") == "design-weighted" for p in doc.get("trend") or []):
        return True
    return any(
        is_number(p.get(k)) and not float(p[k]).is_integer()
        for p in chart.get("points") or []
        for k in ("count", "total")
    )


def control_chart(b: Builder) -> None:
    chart = b.doc.get("control_chart")
    if not isinstance(chart, Mapping):
        return
    centre = chart.get("centre")
    description = [
        say(
            gettext_lazy(
                "Centre line: %(share)s (%(source)s).",
                share=f"{100 * percent(centre):.1f}%",
                source=chart.get("centre_from", ""),
            )
        )
        if is_number(centre)
        else say(gettext_lazy("Centre line: none (no earlier result has figures).")),
        say(
            gettext_lazy(
                "Limits: %(sigma)s standard errors either side of the centre.",
                sigma=chart.get("sigma", 3),
            )
        ),
    ]
    effective = _effective(b.doc, chart)
    if effective:
        counts = [
            Column(say(gettext_lazy("Effective cases")), NUMBER, 1),
            Column(say(gettext_lazy("Effective graded cases")), NUMBER, 1),
        ]
    else:
        counts = in_words(INTERVAL_COLUMNS[:2])
    rows = []
    for p in chart.get("points") or []:
        hidden = bool(p.get("suppressed"))
        if effective:
            numbers = [b.v.figure(at(p, "count"), 1), b.v.figure(at(p, "total"), 1)]
        else:
            numbers = [b.v.count(at(p, "count")), b.v.count(at(p, "total"))]
        empty = not is_number(p.get("share")) and not hidden
        rows.append(
            [
                text(p.get("label")),
                result_kind(p.get("kind")),
                to_date(p.get("period_end")),
                yes_no(p.get("in_centre")),
                *numbers,
                HIDDEN if hidden else b.v.share(at(p, "share"), empty=empty),
                HIDDEN if hidden else b.v.share(at(p, "lower"), empty=empty),
                HIDDEN if hidden else b.v.share(at(p, "upper"), empty=empty),
                _outside(p),
                ", ".join(coded(RULE_WORDS, r) for r in p.get("rules") or [])
                or say(gettext_lazy("No signal")),
            ]
        )
    b.add(
        gettext_lazy("Control chart"),
        say(gettext_lazy("Control chart (p-chart) of requires improvement or inadequate")),
        [
            Column(said(RESULT)),
            Column(said(KIND_OF_RESULT)),
            Column(said(PERIOD_TO), DATE),
            Column(say(gettext_lazy("In the centre line"))),
            *counts,
            Column(say_word("Share"), PERCENT),
            Column(say(gettext_lazy("Lower limit")), PERCENT),
            Column(say(gettext_lazy("Upper limit")), PERCENT),
            Column(say(gettext_lazy("Outside its limits"))),
            Column(say(gettext_lazy("Signals"))),
        ],
        rows,
        description,
        notes=("control", *(("effective",) if effective else ())),
    )
    signals = chart.get("signals") or []
    b.add(
        gettext_lazy("Control chart signals"),
        say(gettext_lazy("Signals on the control chart")),
        [
            Column(say(gettext_lazy("Signal"))),
            Column(said(DIRECTION)),
            Column(say(gettext_lazy("Points"))),
            Column(say(gettext_lazy("In words"))),
        ],
        (
            [
                coded(RULE_WORDS, s.get("rule")),
                coded(SIDE_WORDS, s.get("direction")),
                ", ".join(s.get("points") or []) or NOT_APPLICABLE,
                text(s.get("words")),
            ]
            for s in signals
        ),
        notes=("control",),
    )
