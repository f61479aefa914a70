"""The drift chart: how much more favourably the body's own audit graded than the inspectorate, at each of its
completed calibrations (one an own audit, at the end of its period), with the 95% CI, on a time axis
spaced by date.

Drawn with the report's chart pieces (``reports.charts_draw``: the frame, title and legend, value axis, time
axis, point labels and dates; ``reports.charts.responsive`` for the phone's narrower drawing), so it reads and
behaves as the report's share-over-time chart does; only its value axis differs: percentage points, either
side of a line at zero (no difference).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from casereview.domain import chart_layout as layout
from casereview.web.reports.charts import responsive
from casereview.web.reports.charts_draw import (
    BLACK,
    CLOSE,
    LEFT,
    PLOT_H,
    RIGHT,
    WIDTH,
    Header,
    axis_title,
    breaks,
    date_ticks,
    key_lines,
    marker_swatch,
    number,
    open_chart,
    point_labels,
    shape,
    time_xs,
    value_axis,
)

COLOUR = layout.PALETTE[0]
#: Marked here, translated when a chart is drawn (a page's language).
AXIS = gettext_noop(
    "Points more favourable by the body's own audit (its share graded good minus the inspectorate's)"
)
STEP = 0.25


def points_words(value: float) -> str:
    """A difference of shares as percentage points, one decimal place: "+47.0 points", "−3.5 points" (in the
    active language; always a decimal, so one form serves every number)."""
    shown = f"{abs(100 * value):.1f}"
    if shown != "0.0":
        shown = f"{'+' if value > 0 else '−'}{shown}"
    return gettext("%(shown)s points") % {"shown": shown}


def _tick(value: float) -> str:
    whole = round(100 * value)
    return "0" if whole == 0 else f"{'+' if whole > 0 else '−'}{abs(whole)}"


def drift_words(points: Sequence[Mapping[str, Any]]) -> str:
    """The chart's text alternative: every point it plots, in words."""
    shown = []
    for p in points:
        if not number(p.get("value")):
            continue
        words = f"{p.get('label', '')}: {points_words(p['value'])}"
        if number(p.get("ci_low")) and number(p.get("ci_high")):
            words += " " + gettext("(95%% CI %(low)s to %(high)s)") % {
                "low": points_words(p["ci_low"]),
                "high": points_words(p["ci_high"]),
            }
        shown.append(words)
    return "; ".join(shown) + "." if shown else gettext("No figures to show.")


def _range(points: Sequence[Mapping[str, Any]]) -> tuple[float, float]:
    values = [
        float(p[k]) for p in points for k in ("value", "ci_low", "ci_high") if number(p.get(k))
    ]
    low = max(-1.0, math.floor(min([0.0, *values]) / STEP) * STEP)
    high = min(1.0, math.ceil(max([0.0, *values]) / STEP) * STEP)
    if high - low < STEP:
        high = low + STEP
    return low, high


def _interval_swatch(x: float, y: float) -> str:
    return (
        f'<line x1="{x + 14:.1f}" x2="{x + 14:.1f}" y1="{y - 7:.1f}" y2="{y + 7:.1f}" stroke="{BLACK}" stroke-width="2"/>'
        f'<line x1="{x + 9:.1f}" x2="{x + 19:.1f}" y1="{y - 7:.1f}" y2="{y - 7:.1f}" stroke="{BLACK}" stroke-width="2"/>'
        f'<line x1="{x + 9:.1f}" x2="{x + 19:.1f}" y1="{y + 7:.1f}" y2="{y + 7:.1f}" stroke="{BLACK}" stroke-width="2"/>'
    )


def _draw(
    points: Sequence[Mapping[str, Any]], *, title: str, chart_id: str, width: int = WIDTH
) -> SafeString:
    legend = [(marker_swatch("circle", COLOUR), gettext("An own audit's completed calibration"))]
    if any(number(p.get("ci_low")) for p in points):
        legend.append((_interval_swatch, gettext("95% CI")))
    header = Header(title, legend, gettext(AXIS), width)
    top = header.bottom
    bottom = top + PLOT_H
    low, high = _range(points)

    def y(v: float) -> float:
        return top + PLOT_H * (high - max(low, min(high, v))) / (high - low)

    ticks = [(low + i * STEP, _tick(low + i * STEP)) for i in range(round((high - low) / STEP) + 1)]
    parts = value_axis(top, ticks, y, width)
    zero = y(0.0)
    parts.append(
        f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="{BLACK}" stroke-width="2"/>'
    )
    placed = time_xs(points, width)
    parts.append('<g class="cr-data">')
    for x, p in zip(placed.xs, points, strict=True):
        if not number(p.get("value")):
            continue
        if number(p.get("ci_low")) and number(p.get("ci_high")):
            a, b = y(p["ci_low"]), y(p["ci_high"])
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{a:.1f}" y2="{b:.1f}" stroke="{COLOUR}" stroke-width="2"/>'
            )
            parts += [
                f'<line x1="{x - 5:.1f}" x2="{x + 5:.1f}" y1="{end:.1f}" y2="{end:.1f}" stroke="{COLOUR}" stroke-width="2"/>'
                for end in (a, b)
            ]
        parts.append(shape("circle", x, y(p["value"]), COLOUR))
    parts.append("</g>")
    under = breaks(placed.breaks, bottom)
    labels, below, key = point_labels(
        [str(p.get("label", "")) for p in points], placed.xs, bottom, width
    )
    under += labels
    if placed.dates is not None:
        dated, below = date_ticks(placed.dates, placed.xs, below, width)
        under += dated
    titled, below = axis_title(below + 4, gettext("End of the own audit's period"), width)
    keyed, below = key_lines(key, below + 4, width)
    under += titled + keyed
    opened = open_chart(chart_id, title, drift_words(points), below + 8, width)
    return mark_safe("".join(opened + header.parts + parts + under) + CLOSE)  # noqa: S308 - escaped


def drift_chart(points: Sequence[Mapping[str, Any]], *, title: str) -> SafeString:
    """The drift chart for a page: the usual drawing and the phone's narrower one (``responsive``).

    ``points``: dicts of label, period_end (ISO date), value, ci_low, ci_high (differences of shares)."""
    return responsive(_draw, list(points), title=title, chart_id="drift-chart")
