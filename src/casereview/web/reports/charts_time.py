"""The charts over time: a share with its 95% interval for each result (``share_chart``) and the p-chart
(``control_chart``), each on a time axis spaced by the results' period ends, with its text alternative.

Each chart has a visible title, an on-chart legend of what it draws, the value axis's label above it,
each result's label under its point (wrapped to fit between its neighbours, or a letter and a key when
they cannot fit), the dates (each point's month, or the years), and the time axis's title.  This
inspection is a ringed dot, told from the others by its shape as well as its colour.  Figures in words
have one decimal place, as the tables print them (``charts_draw.pct``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from casereview.domain import chart_layout as layout

from .charts_draw import (
    BLACK,
    CLOSE,
    DARK_GREY,
    LEFT,
    PLOT_H,
    RED,
    RIGHT,
    WIDTH,
    Header,
    Swatch,
    TimeXs,
    axis_title,
    breaks,
    date_ticks,
    key_lines,
    line_swatch,
    marker_swatch,
    number,
    open_chart,
    pct,
    point_labels,
    shape,
    tick_pct,
    time_xs,
    value_axis,
)

INSPECTION, BASELINE, NOW = layout.PALETTE[0], layout.PALETTE[1], BLACK
SIGNAL, SHIFTED = (
    RED,
    layout.PALETTE[3],
)  # a point outside its limits; a point in a shift or a trend
#: The charts' fixed words, marked here and translated when a chart is drawn (the page's language; a download
#: renders in English, ``rendering.render``).
SHARE_AXIS = gettext_noop("Share of graded cases requiring improvement or inadequate")
TICKS = [(t, tick_pct(t)) for t in (0, 0.25, 0.5, 0.75, 1)]
BREAK_GAP = 8.0  # half the gap a line leaves where it crosses a break in the axis
NOW_MARKER = "ring"
#: What each kind of result is called, on the chart's legend and in the table under it.
RESULT_KIND_WORDS = {
    "inspection": gettext_noop("Inspection in casereview"),
    "baseline": gettext_noop("Published baseline"),
}


def result_kind_words(kind: object) -> str:
    """ "Inspection in casereview" or "Published baseline" for a result's kind (a result of no known kind is
    an inspection, as the charts draw it)."""
    return gettext(
        RESULT_KIND_WORDS.get(str(kind), RESULT_KIND_WORDS["inspection"])
    )  # this inspection, whatever its kind


def _band(point: Mapping[str, Any]) -> tuple[float, float] | None:
    """A banded point's range (low, high) when its share is withheld and a band is published instead."""
    band = point.get("band")
    if point.get("share") is not None or not isinstance(band, Mapping):
        return None
    low: Any = band.get("low")
    high: Any = band.get("high")
    if not (number(low) and number(high)):
        return None
    return max(0.0, float(low)), min(1.0, float(high))


def _plotted(point: Mapping[str, Any]) -> str | None:
    """What the chart draws for a point, in words; None when it draws nothing (a hidden figure)."""
    label = _label(point)
    if number(point.get("share")):
        if number(point.get("ci_low")) and number(point.get("ci_high")):
            return gettext("%(label)s: %(share)s (95%% interval %(low)s to %(high)s)") % {
                "label": label,
                "share": pct(point["share"]),
                "low": pct(point["ci_low"]),
                "high": pct(point["ci_high"]),
            }
        return f"{label}: {pct(point['share'])}"
    band = _band(point)
    if band is not None:
        words = point["band"].get("words") or gettext("%(start)s to %(end)s") % {
            "start": pct(band[0]),
            "end": pct(band[1]),
        }
        return gettext("%(label)s: %(words)s (a band, the exact figure hidden)") % {
            "label": label,
            "words": words,
        }
    return None


def _label(point: Mapping[str, Any]) -> str:
    """A point's label, "(this inspection)" after it for the inspection the chart is of."""
    label = str(point.get("label", ""))
    if point.get("now"):
        return gettext("%(label)s (this inspection)") % {"label": label}
    return label


def _not_plotted(hidden: Sequence[str]) -> str:
    return gettext("Not plotted (figures hidden, [c]): %(labels)s.") % {"labels": ", ".join(hidden)}


def plotted_words(points: Sequence[Mapping[str, Any]]) -> str:
    """The chart's text alternative: exactly the points it plots, and those it does not."""
    shown = [w for w in (_plotted(p) for p in points) if w]
    hidden = [str(p.get("label", "")) for p in points if _plotted(p) is None]
    words = "; ".join(shown) + "." if shown else gettext("No figures to show.")
    if hidden:
        words += " " + _not_plotted(hidden)
    return words


def _colour(point: Mapping[str, Any]) -> str:
    return (
        NOW if point.get("now") else (BASELINE if point.get("kind") == "baseline" else INSPECTION)
    )


def _kinds(points: Sequence[Mapping[str, Any]]) -> list[tuple[Swatch, str]]:
    """Legend entries for the kinds of result among ``points`` (an inspection, a baseline, this one)."""
    entries: list[tuple[Swatch, str]] = []
    if any(p.get("kind") != "baseline" and not p.get("now") for p in points):
        entries.append(
            (marker_swatch("circle", INSPECTION), gettext(RESULT_KIND_WORDS["inspection"]))
        )
    if any(p.get("kind") == "baseline" and not p.get("now") for p in points):
        entries.append((marker_swatch("square", BASELINE), gettext(RESULT_KIND_WORDS["baseline"])))
    if any(p.get("now") for p in points):
        entries.append((marker_swatch(NOW_MARKER, NOW), gettext("This inspection")))
    return entries


def _interval_swatch(x: float, y: float) -> str:
    return (
        f'<line x1="{x + 14:.1f}" x2="{x + 14:.1f}" y1="{y - 7:.1f}" y2="{y + 7:.1f}" stroke="{BLACK}" stroke-width="2"/>'
        f'<line x1="{x + 9:.1f}" x2="{x + 19:.1f}" y1="{y - 7:.1f}" y2="{y - 7:.1f}" stroke="{BLACK}" stroke-width="2"/>'
        f'<line x1="{x + 9:.1f}" x2="{x + 19:.1f}" y1="{y + 7:.1f}" y2="{y + 7:.1f}" stroke="{BLACK}" stroke-width="2"/>'
    )


def _band_swatch(x: float, y: float) -> str:
    return (
        f'<rect x="{x + 6:.1f}" y="{y - 7:.1f}" width="16" height="14" fill="{BLACK}" fill-opacity="0.15" '
        f'stroke="{BLACK}" stroke-width="2" stroke-dasharray="4 2"/>'
    )


def _time_axis_title(broken: bool, by_date: bool = True) -> str:
    if (
        not by_date
    ):  # a date missing or out of order: evenly spaced, so the axis says it is not to scale
        return gettext("Period end, in time order (not to scale)")
    if broken:
        return gettext(
            "Period end, spaced by date (the axis is broken where a long gap is drawn shorter)"
        )
    return gettext("Period end, spaced by date")


def _point_marker(point: Mapping[str, Any]) -> str:
    if point.get("now"):
        return NOW_MARKER
    return "square" if point.get("kind") == "baseline" else "circle"


def _frame_bottom(
    points: Sequence[Mapping[str, Any]], placed: TimeXs, bottom: float, width: int
) -> tuple[list[str], float]:
    """Under the plot: the break marks, each point's label (or letter), the dates, the axis title and any
    key."""
    parts = breaks(placed.breaks, bottom)
    labels, y, key = point_labels(
        [str(p.get("label", "")) for p in points], placed.xs, bottom, width
    )
    parts += labels
    if placed.dates is not None:
        dated, y = date_ticks(placed.dates, placed.xs, y, width)
        parts += dated
    titled, y = axis_title(y + 4, _time_axis_title(bool(placed.breaks), placed.by_date), width)
    parts += titled
    keyed, y = key_lines(key, y + 4, width)
    return parts + keyed, y + 8


def share_chart(
    points: Sequence[Mapping[str, Any]],
    *,
    title: str,
    chart_id: str = "trend-chart",
    width: int = WIDTH,
) -> SafeString:
    """Points (label, share, ci_low, ci_high, kind, now, band, period_end) in time order.

    A point is plotted only with the figures the document publishes: its share (with its interval when
    that is published too), or, for a withheld share published as a band, the band as a shaded range.
    A hidden point (share null, no band) is left out: its place on the axis stays, labelled, empty.
    """
    legend = _kinds([p for p in points if number(p.get("share"))])  # those drawn with a marker
    if any(number(p.get("ci_low")) and number(p.get("share")) for p in points):
        legend.append((_interval_swatch, gettext("%(level)s interval") % {"level": "95%"}))
    if any(_band(p) for p in points):
        legend.append((_band_swatch, gettext("A band: the exact figure is hidden")))
    header = Header(title, legend, gettext(SHARE_AXIS), width)
    top = header.bottom
    bottom = top + PLOT_H

    def y(v: float) -> float:
        return top + PLOT_H * (1 - v)

    placed = time_xs(points, width)
    data = ['<g class="cr-data">']
    for x, p in zip(placed.xs, points, strict=True):
        colour = _colour(p)
        band = _band(p)
        if band is not None:
            high, low = y(band[1]), y(band[0])
            data.append(
                f'<rect x="{x - 8:.1f}" y="{high:.1f}" width="16" height="{max(low - high, 1):.1f}" '
                f'fill="{colour}" fill-opacity="0.25" stroke="{colour}" stroke-width="2" stroke-dasharray="4 2"/>'
            )
            continue
        if not number(p.get("share")):
            continue
        if number(p.get("ci_low")) and number(p.get("ci_high")):
            low, high = y(p["ci_low"]), y(p["ci_high"])
            data.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{low:.1f}" y2="{high:.1f}" stroke="{colour}" stroke-width="2"/>'
            )
            for end in (low, high):
                data.append(
                    f'<line x1="{x - 5:.1f}" x2="{x + 5:.1f}" y1="{end:.1f}" y2="{end:.1f}" stroke="{colour}" stroke-width="2"/>'
                )
        data.append(shape(_point_marker(p), x, y(p["share"]), colour))
    data.append("</g>")
    under, height = _frame_bottom(points, placed, bottom, width)
    parts = open_chart(chart_id, title, plotted_words(points), height, width)
    parts += header.parts + value_axis(top, TICKS, y, width) + data + under
    parts.append(CLOSE)
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def control_words(chart: Mapping[str, Any]) -> str:
    """The p-chart's text alternative: the centre, each point with its limits and any signal it is in,
    the points not plotted (figures hidden), and the signals in words."""
    points = list(chart.get("points") or [])
    if not number(chart.get("centre")) or not points:
        return gettext("No control chart to show.")
    words = [
        gettext("Centre line %(centre)s; limits at 3 sigma for each result's own number of cases.")
        % {"centre": pct(chart["centre"])}
    ]
    hidden = []
    for p in points:
        label = _label(p)
        if not number(p.get("share")):
            hidden.append(label)
            continue
        said = f"{label}: {pct(p['share'])}"
        if number(p.get("lower")) and number(p.get("upper")):
            said += " " + gettext("(limits %(low)s to %(high)s)") % {
                "low": pct(p["lower"]),
                "high": pct(p["upper"]),
            }
        if p.get("outside") == "above":
            said = gettext("%(said)s, above its limits") % {"said": said}
        elif p.get("outside") == "below":
            said = gettext("%(said)s, below its limits") % {"said": said}
        elif p.get("outside"):
            said += f", {p['outside']} its limits"
        words.append(said + ".")
    if hidden:
        words.append(_not_plotted(hidden))
    # the signals' words are the stored document's (English): a Welsh report is a later issue's
    signals = [str(s.get("words", "")) for s in chart.get("signals") or []]
    words.append(
        " ".join(signals)
        if signals
        else gettext("No signal: no point outside its limits, no shift and no trend.")
    )
    return " ".join(words)


def _marker(x: float, y: float, point: Mapping[str, Any]) -> str:
    """A point's marker: a triangle (pointing up or down) outside its limits, a diamond in a shift or a
    trend, else a ringed dot for this inspection, a circle for another or a square for a baseline; the
    shape says it, not only the colour."""
    if point.get("outside") in ("above", "below"):
        marker = "triangle" if point["outside"] == "above" else "triangle-down"
        return shape(marker, x, y, SIGNAL, outline=BLACK)
    if {"shift", "trend"} & set(point.get("rules") or []):
        return shape("diamond", x, y, SHIFTED, outline=BLACK)
    return shape(_point_marker(point), x, y, _colour(point))


def _control_legend(
    chart: Mapping[str, Any], points: Sequence[Mapping[str, Any]]
) -> list[tuple[Swatch, str]]:
    shown = [p for p in points if number(p.get("share"))]
    plain = [
        p
        for p in shown
        if not p.get("outside") and not {"shift", "trend"} & set(p.get("rules") or [])
    ]
    legend: list[tuple[Swatch, str]] = []
    if number(chart.get("centre")):
        legend.append((line_swatch(BLACK, width=1.5), gettext("Centre line")))
    if any(number(p.get("upper")) for p in points):
        legend.append((line_swatch(SIGNAL, "6 3", width=1.5), gettext("Each result's limits")))
    legend += _kinds(plain)
    if any(p.get("outside") == "above" for p in shown):
        legend.append((marker_swatch("triangle", SIGNAL, BLACK), gettext("Above its limits")))
    if any(p.get("outside") == "below" for p in shown):
        legend.append((marker_swatch("triangle-down", SIGNAL, BLACK), gettext("Below its limits")))
    if any({"shift", "trend"} & set(p.get("rules") or []) and not p.get("outside") for p in shown):
        legend.append((marker_swatch("diamond", SHIFTED, BLACK), gettext("In a shift or a trend")))
    return legend


def control_chart(
    chart: Mapping[str, Any], *, title: str, chart_id: str = "control-chart", width: int = WIDTH
) -> SafeString:
    """A p-chart (``domain.control``): each result's share in time order, the centre line, and each
    point's own 3-sigma limits drawn as stepped lines (a hidden point breaks them and is not plotted)."""
    points = list(chart.get("points") or [])
    header = Header(title, _control_legend(chart, points), gettext(SHARE_AXIS), width)
    top = header.bottom
    bottom = top + PLOT_H

    def y(v: float) -> float:
        return top + PLOT_H * (1 - v)

    placed = time_xs(points, width)
    xs = placed.xs
    # A gap drawn shorter than it is (a break on the axis, between points i and i + 1) breaks every line
    # across it too: nothing runs straight over a break.
    broken = {i for b in placed.breaks for i in range(len(xs) - 1) if xs[i] < b < xs[i + 1]}
    # Each point's limits hold across its own slot: from half-way to the point before to half-way to the
    # next (short of a break by BREAK_GAP on each side).
    lefts = [LEFT] + [
        (a + b) / 2 + (BREAK_GAP if i in broken else 0)
        for i, (a, b) in enumerate(zip(xs, xs[1:], strict=False))
    ]
    rights = [
        (a + b) / 2 - (BREAK_GAP if i in broken else 0)
        for i, (a, b) in enumerate(zip(xs, xs[1:], strict=False))
    ] + [width - RIGHT]
    data = ['<g class="cr-data">']
    if number(chart.get("centre")):
        c = y(chart["centre"])
        ends = [LEFT, *(e for b in sorted(placed.breaks) for e in (b - BREAK_GAP, b + BREAK_GAP))]
        for x1, x2 in zip(ends[::2], [*ends[1::2], width - RIGHT], strict=True):
            data.append(
                f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{c:.1f}" y2="{c:.1f}" stroke="{BLACK}" stroke-width="1.5"/>'
            )
    for side in ("lower", "upper"):  # stepped: level across each point's own slot, a riser between
        run: list[str] = []
        for i, p in enumerate([*points, {}]):
            if number(p.get(side)):
                run += [f"{lefts[i]:.1f},{y(p[side]):.1f}", f"{rights[i]:.1f},{y(p[side]):.1f}"]
                if i not in broken:
                    continue
            if run:
                data.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{SIGNAL}" stroke-width="1.5" stroke-dasharray="6 3"/>'
                )
            run = []
    line: list[str] = []
    for i, p in enumerate(
        [*points, {}]
    ):  # the shares joined, broken where a point is hidden or the axis
        if number(p.get("share")):
            line.append(f"{xs[i]:.1f},{y(p['share']):.1f}")
            if i not in broken:
                continue
        if len(line) > 1:
            data.append(
                f'<polyline points="{" ".join(line)}" fill="none" stroke="{DARK_GREY}" stroke-width="2"/>'
            )
        line = []
    for x, p in zip(xs, points, strict=True):
        if number(p.get("share")):
            data.append(_marker(x, y(p["share"]), p))
    data.append("</g>")
    under, height = _frame_bottom(points, placed, bottom, width)
    parts = open_chart(chart_id, title, control_words(chart), height, width)
    parts += header.parts + value_axis(top, TICKS, y, width) + data + under
    parts.append(CLOSE)
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
