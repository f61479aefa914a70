"""SVG charts for reports: a share over time with its 95% interval (``charts_time``), the p-chart
(``charts_time``), recorded cases per category per quarter as lines, and the national funnel plot.

Drawn server-side as plain SVG (no script, no external fetch), so the same chart works in the web page, the
HTML download and the PDF.  Every chart has a visible title, axis labels and an on-chart legend, is drawn in
the page's font with text never under 12 pixels, and tells its series apart by colour (the Analysis
Function's palette), dash and marker together; its labels are measured and fitted so none is cut
(``domain.chart_layout``).  Every piece of text is escaped; the figures are also in a table after the
chart, and the chart carries a title and a description for screen readers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from casereview.domain import chart_layout as layout
from casereview.domain.words import Kind, words

from .charts_draw import (
    BLACK,
    BLUE,
    CLOSE,
    LEFT,
    LINE,
    MARGIN,
    NARROW,
    PLOT_H,
    RED,
    RIGHT,
    SIZE,
    WIDTH,
    Header,
    Swatch,
    axis_title,
    even,
    line_swatch,
    marker_swatch,
    open_chart,
    pct,
    shape,
    text,
    tick_pct,
    value_axis,
)
from .charts_draw import number as _number
from .charts_time import (
    control_chart,
    control_words,
    plotted_words,
    result_kind_words,
    share_chart,
)

__all__ = [
    "control_chart",
    "control_words",
    "funnel_chart",
    "funnel_words",
    "plotted_words",
    "responsive",
    "result_kind_words",
    "series_swatch",
    "share_chart",
    "volume_chart",
    "volume_ticks",
]


def responsive(
    draw: Callable[..., SafeString],
    data: Any,
    *,
    title: str,
    chart_id: str,
    narrow: bool = True,
    **options: Any,
) -> SafeString:
    """A chart drawn twice: at its usual width (for a page, a download, the PDF), and narrower for a phone,
    that one hidden unless the page's style shows it (casereview.scss) in place of the wide one.  Each is a
    whole SVG with its own title and description; only one is ever shown.  ``narrow=False`` (the PDF, which
    has no phone) draws the wide one alone."""
    wide = draw(data, title=title, chart_id=chart_id, **options)
    if not narrow:
        return wide
    small = draw(data, title=title, chart_id=f"{chart_id}-narrow", width=NARROW, **options)
    return mark_safe(wide + small)  # noqa: S308 - both are escaped SVG


def volume_ticks(volume: Mapping[str, Any]) -> list[int]:
    """The volume chart's value axis: round steps (``chart_layout.nice_ticks``) up to a round number at or
    above the largest count shown (hidden ones play no part, so the axis tells nothing of them)."""
    numbers = [v for values in volume.get("categories", {}).values() for v in values if _count(v)]
    return layout.nice_ticks(max(numbers, default=0))


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def volume_chart(
    volume: Mapping[str, Any],
    *,
    labels: Mapping[str, str],
    title: str,
    chart_id: str = "volume-chart",
    width: int = WIDTH,
) -> SafeString:
    """Recorded cases per quarter, one line per category, each in its own colour, dash and marker, with a
    legend on the chart; a suppressed count (a string) breaks its line (a marker still shows each count).

    A category is named by ``labels``, else in words (``words(Kind.CATEGORY, code, gettext)``, as the table names it).
    A stored document whose quarters and counts differ in length is drawn as far as both go, and its text
    alternative says the figures are incomplete."""
    quarters = [str(q) for q in volume.get("quarters", [])]
    given = list(volume.get("categories", {}).items())
    incomplete = [
        labels.get(code) or words(Kind.CATEGORY, code, gettext)
        for code, v in given
        if len(v) != len(quarters)
    ]
    series = [(code, list(values)[: len(quarters)]) for code, values in given]
    ticked = volume_ticks(volume)
    top = ticked[-1]
    legend: list[tuple[Swatch, str]] = []
    for n, (code, _) in enumerate(series):
        style = layout.series_style(n)
        legend.append(
            (
                line_swatch(style.colour, style.dash, style.marker),
                labels.get(code) or words(Kind.CATEGORY, code, gettext),
            )
        )
    described = "; ".join(
        f"{labels.get(code) or words(Kind.CATEGORY, code, gettext)}: "
        + ", ".join(f"{q} {v}" for q, v in zip(quarters, values, strict=False))
        for code, values in series
    )
    if incomplete:
        described += ". " + gettext(
            "The figures are incomplete: the counts of %(categories)s do not match the quarters."
        ) % {"categories": ", ".join(incomplete)}
    header = Header(title, legend, gettext("Cases recorded"), width)
    plot_top = header.bottom
    bottom = plot_top + PLOT_H

    def y(v: float) -> float:
        return plot_top + PLOT_H * (1 - v / top)

    dates = layout.quarter_dates(quarters)
    xs = (
        list(layout.time_axis(dates, LEFT, width - RIGHT, min_step=0).xs)
        if dates and all(b > a for a, b in zip(dates, dates[1:], strict=False))
        else even(len(quarters), width)
    )
    # An axis with no count shown on it has no numbers either (they would be read as figures).
    labelled = any(_count(v) for _, values in series for v in values)
    ticks = [(t, f"{t:,}" if labelled else "") for t in ticked]
    data = ['<g class="cr-data">']
    for n, (_code, values) in enumerate(series):
        style = layout.series_style(n)
        dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
        run: list[str] = []
        for i, v in enumerate([*values, None]):
            if _count(v):
                run.append(f"{xs[i]:.1f},{y(v):.1f}")
                continue
            if len(run) > 1:
                data.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{style.colour}" stroke-width="2"{dash}/>'
                )
            run = []
        for x, v in zip(xs, values, strict=False):
            if _count(v):
                data.append(shape(style.marker, x, y(v), style.colour, r=4))
    if not labelled and series:  # nothing to draw: say so on the chart, not only in its table
        note, middle = gettext("Every count is hidden: [c]"), (LEFT + width - RIGHT) / 2
        wide = layout.text_width(note, SIZE) + 12
        data.append(
            f'<rect x="{middle - wide / 2:.1f}" y="{plot_top + PLOT_H / 2 - 24:.1f}" width="{wide:.1f}" '
            f'height="20" fill="#ffffff"/>'
        )
        data.append(text(middle, plot_top + PLOT_H / 2 - 10, note, anchor="middle"))
    data.append("</g>")
    under = []
    shown, placed = layout.place_some_labels(quarters, xs, MARGIN, width - MARGIN, SIZE)
    for i in range(len(quarters)):
        under.append(
            f'<line x1="{xs[i]:.1f}" x2="{xs[i]:.1f}" y1="{bottom:.1f}" y2="{bottom + 5:.1f}" stroke="{BLACK}"/>'
        )
    for p in placed:
        for k, line in enumerate(p.lines):
            under.append(text(p.x, bottom + 18 + k * LINE, line, anchor="middle"))
    below: float = bottom + 6 + max((len(p.lines) for p in placed), default=0) * LINE
    titled, below = axis_title(below + 4, gettext("Quarter the case was recorded in"), width)
    parts = open_chart(chart_id, title, described, below + 8, width)
    parts += header.parts + value_axis(plot_top, ticks, y, width) + data + under + titled
    parts.append(CLOSE)
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def series_swatch(code: str, codes: Sequence[str]) -> SafeString:
    """A small picture of a category's line (its colour, dash and marker), for the table under the chart."""
    if code not in codes:
        return format_html("")
    style = layout.series_style(list(codes).index(code))
    dash = format_html(' stroke-dasharray="{}"', style.dash) if style.dash else ""
    return format_html(
        '<svg width="32" height="12" viewBox="0 0 32 12" aria-hidden="true" focusable="false">'
        '<line x1="0" x2="32" y1="6" y2="6" stroke="{}" stroke-width="2"{}/>{}</svg>',
        style.colour,
        dash,
        mark_safe(shape(style.marker, 16, 6, style.colour, r=4)),  # noqa: S308 - numbers and a colour
    )


def funnel_words(funnel: Mapping[str, Any]) -> str:
    """The funnel plot's text alternative: its centre, its limits, and each body's point and where it lies."""
    centre: Any = funnel.get("centre")
    points = list(funnel.get("points", []))
    if not _number(centre) or not points:
        return gettext("No body's latest point to show.")
    words = [
        gettext(
            "Centre %(centre)s (the pooled share of the latest points); limits at 95%% and 99.8%% "
            "narrow as the sample size grows."
        )
        % {"centre": pct(centre)}
    ]
    # each point's position is the stored document's words (English): a Welsh report is a later issue's
    words += [
        gettext("%(body)s: %(share)s of %(n)s cases, %(position)s.")
        % {"body": p["body"], "share": pct(p["share"]), "n": p["n"], "position": p["position"]}
        for p in points
        if _number(p.get("share"))
    ]
    return " ".join(words)


def funnel_chart(
    funnel: Mapping[str, Any], *, title: str, chart_id: str = "funnel-chart", width: int = WIDTH
) -> SafeString:
    """Each body's latest share (y) against its sample size (x), with the centre line and the 95% (dashed)
    and 99.8% (solid) control limits at each n of ``funnel["limits"]``; axis labels on both axes.  A point
    outside the 95% limits is a red diamond, one within a black dot; each is labelled with its body."""
    points = [
        p for p in funnel.get("points", []) if _number(p.get("share")) and _number(p.get("n"))
    ]
    limits = [row for row in funnel.get("limits", []) if _number(row.get("n"))]
    x_ticks = layout.nice_ticks(
        max([float(r["n"]) for r in limits] + [float(p["n"]) for p in points])
    )
    top_n = float(x_ticks[-1])
    outside = [not str(p.get("position", "")).startswith("within") for p in points]
    legend: list[tuple[Swatch, str]] = [
        (line_swatch(BLACK, "2 3", width=1.5), gettext("Centre")),
        (line_swatch(BLUE, "6 3", width=1.5), gettext("%(level)s limits") % {"level": "95%"}),
        (line_swatch(RED, width=1.5), gettext("%(level)s limits") % {"level": "99.8%"}),
    ]
    if not all(outside):
        legend.append(
            (
                marker_swatch("circle", BLACK),
                gettext("A body within the %(level)s limits") % {"level": "95%"},
            )
        )
    if any(outside):
        legend.append(
            (
                marker_swatch("diamond", RED),
                gettext("A body outside the %(level)s limits") % {"level": "95%"},
            )
        )
    header = Header(title, legend, gettext("Share requiring improvement or inadequate"), width)
    plot_top = header.bottom
    bottom = plot_top + PLOT_H
    inner_w = width - LEFT - RIGHT

    def x(n: float) -> float:
        return LEFT + inner_w * n / top_n

    def y(v: float) -> float:
        return plot_top + PLOT_H * (1 - v)

    parts_axis = value_axis(plot_top, [(t, tick_pct(t)) for t in (0, 0.25, 0.5, 0.75, 1)], y, width)
    for n in x_ticks:
        parts_axis.append(text(x(n), bottom + 16, f"{n:,}", anchor="middle"))
    titled, below = axis_title(bottom + 20, gettext("Cases graded (sample size n)"), width)
    data = ['<g class="cr-data">']
    centre: Any = funnel.get("centre")
    if _number(centre):
        data.append(
            f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{y(centre):.1f}" y2="{y(centre):.1f}" '
            f'stroke="{BLACK}" stroke-width="1.5" stroke-dasharray="2 3"/>'
        )
    for key, colour, dash in (("95", BLUE, ' stroke-dasharray="6 3"'), ("99_8", RED, "")):
        for side in ("low", "high"):
            run = [
                f"{x(float(r['n'])):.1f},{y(float(r[f'{side}_{key}'])):.1f}"
                for r in limits
                if _number(r.get(f"{side}_{key}"))
            ]
            if len(run) > 1:
                data.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="1.5"{dash}/>'
                )
    spots = [(x(float(p["n"])), y(float(p["share"]))) for p in points]
    names = [str(p["body"]) for p in points]
    # Outside the 95% limits: a red diamond (the shape says it, not only the colour); within: a dot.
    for (cx, cy), out in zip(spots, outside, strict=True):
        data.append(shape("diamond", cx, cy, RED) if out else shape("circle", cx, cy, BLACK, r=4))
    bounds = (MARGIN, plot_top - 8, width - MARGIN, bottom)
    for name, placed in zip(
        names, layout.place_point_labels(spots, names, bounds, SIZE), strict=True
    ):
        if placed is not None:  # a label with no room is left off: the table names every body
            data.append(text(placed.x, placed.y, name, anchor=placed.anchor))
    data.append("</g>")
    parts = open_chart(chart_id, title, funnel_words(funnel), below + 8, width)
    parts += header.parts + parts_axis + data + titled
    parts.append(CLOSE)
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
