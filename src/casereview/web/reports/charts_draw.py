"""What every chart is drawn with: its frame (a region, the SVG with its title and description), its visible
title, legend and axes, and the marker shapes.  The layout (text widths, the time axis, label fitting, the
series' styles) is ``casereview.domain.chart_layout``; the charts are ``charts`` and ``charts_time``.

A chart is one self-contained ``<svg>`` (its own ``<title>``, ``<desc>``, width and height, and the page's
font) inside a ``div.cr-chart-wrap`` region (the page shows a narrower drawing on a phone, so it never
scrolls); the same SVG can stand alone (an image in the PDF).  Its accessible name is its title, its
description the figures in words.  Every text is escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.translation import gettext, pgettext

from casereview.domain import chart_layout as layout
from casereview.domain.report_words import percent

WIDTH = 640  # the chart as drawn for a page, a download and the PDF
NARROW = 288  # the chart as drawn for a phone: it fits 320 CSS pixels
SIZE, TITLE_SIZE = 12, 14
LINE = round(SIZE * layout.LINE_HEIGHT)  # 16: one line of 12-pixel text
MARGIN = 8  # around the whole chart
LEFT, RIGHT = 52, 16  # the plot's edges (room for the value axis's labels at the left)
PLOT_H = 200
BLUE, BLACK, GREY, DARK_GREY, GREEN = "#1d70b8", "#0b0c0c", "#b1b4b6", "#505a5f", "#00703c"
RED = "#d4351c"

#: Draws a legend entry's swatch: (x of its left, y of its middle) → SVG.
Swatch = Callable[[float, float], str]


def number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def pct(value: float) -> str:
    """A share in words, as the tables print it ("57.1%", one decimal place): every text alternative."""
    return percent(value)


def tick_pct(value: float) -> str:
    """A share as a value axis's tick label ("50%", whole percentages): ticks only, never words."""
    return f"{100 * value:.0f}%"


def text(
    x: float,
    y: float,
    words: str,
    *,
    anchor: str = "start",
    size: int = SIZE,
    bold: bool = False,
    fill: str = BLACK,
    cls: str = "",
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    named = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}"{weight} fill="{fill}" '
        f'text-anchor="{anchor}"{named}>{escape(words)}</text>'
    )


def open_chart(
    chart_id: str, title: str, description: str, height: float, width: int = WIDTH
) -> list[str]:
    """The region, the SVG's opening tag, and its title and description for screen readers."""
    h = round(height)
    # A drawing narrower than the usual one (for a phone) is hidden unless the page's style shows it
    # (casereview.scss), so a page without that style (the HTML download, the PDF) shows the wide one alone.
    # Neither drawing ever scrolls (each fits its screen), so the region takes no focus of its own.
    size = "narrow" if width < WIDTH else "wide"
    hidden = " hidden" if width < WIDTH else ""
    region = gettext("Chart: %(title)s") % {"title": title}
    return [
        f'<div class="cr-chart-wrap cr-chart-wrap--{size}"{hidden} role="region" aria-label="{escape(region)}">',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {h}" width="{width}" height="{h}" '
        f'role="img" aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" '
        f'class="casereview-chart" font-family="{layout.FONT_STACK}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description or gettext("No figures to show."))}</desc>',
        f'<rect width="{width}" height="{h}" fill="#ffffff"/>',
    ]


CLOSE = "</svg></div>"


class Header:
    """The chart's visible title, its legend and the value axis's label, stacked from the top."""

    def __init__(
        self, title: str, legend: Sequence[tuple[Swatch, str]], y_label: str, width: int = WIDTH
    ) -> None:
        self.parts: list[str] = []
        y: float = MARGIN
        for line in layout.wrap(title, width - 2 * MARGIN, TITLE_SIZE, bold=True) or (title,):
            y += TITLE_SIZE * layout.LINE_HEIGHT
            self.parts.append(
                text(MARGIN, y - 4, line, size=TITLE_SIZE, bold=True, cls="cr-chart-title")
            )
        y += 6
        if legend:
            grid = layout.legend_grid([t for _, t in legend], width - 2 * MARGIN, SIZE)
            self.parts.append('<g class="cr-legend">')
            for item, (swatch, _) in zip(grid.items, legend, strict=True):
                top = y + item.y
                self.parts.append(swatch(MARGIN + item.x, top + LINE / 2))
                for n, line in enumerate(item.lines):
                    self.parts.append(text(MARGIN + item.x + 36, top + 12 + n * LINE, line))
            self.parts.append("</g>")
            y += grid.height + 4
        for line in layout.wrap(y_label, width - 2 * MARGIN, SIZE) or (y_label,):
            y += LINE
            self.parts.append(text(MARGIN, y - 4, line, cls="cr-axis-title"))
        self.bottom = y + 10  # the plot starts here (room for the top value label)


def value_axis(
    top: float, ticks: Sequence[tuple[float, str]], y: Callable[[float], float], width: int = WIDTH
) -> list[str]:
    """Horizontal grid lines with their values at the left."""
    parts = []
    for value, label in ticks:
        at = y(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{at:.1f}" y2="{at:.1f}" stroke="{GREY}" stroke-width="1"/>'
        )
        if label:
            parts.append(text(LEFT - 6, at + 4, label, anchor="end"))
    return parts


def axis_title(y: float, words: str, width: int = WIDTH) -> tuple[list[str], float]:
    """The horizontal axis's title, centred under the plot (wrapped); and the y below it."""
    parts = []
    for line in layout.wrap(words, width - 2 * MARGIN, SIZE) or (words,):
        y += LINE
        parts.append(text(width / 2, y - 4, line, anchor="middle", cls="cr-axis-title"))
    return parts, y


def shape(marker: str, x: float, y: float, colour: str, r: float = 5, outline: str = "") -> str:
    """A marker: circle, square, triangle (pointing up; "triangle-down" down), diamond, cross, or ring (a
    dot inside a ring: this inspection, told from the others by its shape as well as its colour)."""
    edge = f' stroke="{outline}" stroke-width="1"' if outline else ""
    if marker == "ring":
        return (
            f'<circle class="cr-ring" cx="{x:.1f}" cy="{y:.1f}" r="{r + 2.5:g}" fill="#ffffff" '
            f'stroke="{colour}" stroke-width="2"/>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{max(r - 1.5, 2):g}" fill="{colour}"/>'
        )
    if marker == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:g}" height="{2 * r:g}" fill="{colour}"{edge}/>'
    if marker in ("triangle", "triangle-down"):
        tip = -1.6 * r if marker == "triangle" else 1.6 * r
        return (
            f'<polygon points="{x:.1f},{y + tip:.1f} {x - 1.4 * r:.1f},{y - tip / 2:.1f} '
            f'{x + 1.4 * r:.1f},{y - tip / 2:.1f}" fill="{colour}"{edge}/>'
        )
    if marker == "diamond":
        d = 1.4 * r
        return (
            f'<polygon points="{x:.1f},{y - d:.1f} {x + d:.1f},{y:.1f} {x:.1f},{y + d:.1f} '
            f'{x - d:.1f},{y:.1f}" fill="{colour}"{edge}/>'
        )
    if marker == "cross":
        return (
            f'<path d="M{x - r:.1f} {y - r:.1f} L{x + r:.1f} {y + r:.1f} M{x - r:.1f} {y + r:.1f} '
            f'L{x + r:.1f} {y - r:.1f}" stroke="{colour}" stroke-width="2.5" fill="none"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:g}" fill="{colour}"{edge}/>'


def line_swatch(colour: str, dash: str = "", marker: str = "", width: float = 2) -> Swatch:
    """A legend swatch: a short line in the series' colour and dash, with its marker in the middle."""
    dashed = f' stroke-dasharray="{dash}"' if dash else ""

    def draw(x: float, y: float) -> str:
        drawn = (
            f'<line x1="{x:.1f}" x2="{x + 28:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{colour}" '
            f'stroke-width="{width:g}"{dashed}/>'
        )
        return drawn + (shape(marker, x + 14, y, colour, r=4) if marker else "")

    return draw


def marker_swatch(marker: str, colour: str, outline: str = "") -> Swatch:
    return lambda x, y: shape(marker, x + 14, y, colour, outline=outline)


def even(n: int, width: int = WIDTH) -> list[float]:
    """x for ``n`` points evenly spaced (when their dates are not known)."""
    step = (width - RIGHT - LEFT) / max(n, 1)
    return [LEFT + step * (i + 0.5) for i in range(n)]


def breaks(xs: Sequence[float], y: float) -> list[str]:
    """A break mark (two slanted strokes over a white gap) on the time axis at each x."""
    return [
        f'<rect x="{x - 5:.1f}" y="{y - 8:.1f}" width="10" height="16" fill="#ffffff"/>'
        f'<path d="M{x - 7:.1f} {y + 7:.1f} L{x - 1:.1f} {y - 7:.1f} M{x + 1:.1f} {y + 7:.1f} '
        f'L{x + 7:.1f} {y - 7:.1f}" stroke="{BLACK}" stroke-width="1.5" fill="none"/>'
        for x in xs
    ]


def point_labels(
    labels: Sequence[str], xs: Sequence[float], y: float, width: int = WIDTH
) -> tuple[list[str], float, list[str]]:
    """Each point's label under the plot, wrapped between its neighbours; when they cannot all fit, a letter
    under each point and a key (letter: label) below.  The SVG, the y below it, and the key's lines."""
    parts = [
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y:.1f}" y2="{y + 5:.1f}" stroke="{BLACK}"/>'
        for x in xs
    ]
    for rows in (1, 2):
        placed = layout.place_labels(labels, xs, MARGIN, width - MARGIN, SIZE, rows=rows)
        if placed is None:
            continue
        first = max((len(p.lines) for p in placed if p.row == 0), default=0) * LINE + 6
        for x, p in zip(xs, placed, strict=True):
            top = y + p.row * first
            if p.row:  # a leader from the point's tick down to its label in the second row
                parts.append(
                    f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 5:.1f}" y2="{top + 3:.1f}" stroke="{GREY}"/>'
                )
            for n, line in enumerate(p.lines):
                parts.append(text(p.x, top + 16 + n * LINE, line, anchor="middle"))
        deepest = max((p.row * first + len(p.lines) * LINE for p in placed), default=0)
        return parts, y + 4 + deepest, []
    keys = layout.letters(len(labels))
    spots = layout.stagger([layout.text_width(k, SIZE) for k in keys], xs, MARGIN, width - MARGIN)
    for key, (cx, row) in zip(keys, spots, strict=True):
        parts.append(text(cx, y + 16 + row * LINE, key, anchor="middle"))
    rows = max((row for _, row in spots), default=0) + 1
    return (
        parts,
        y + 4 + rows * LINE,
        [f"{k}: {label}" for k, label in zip(keys, labels, strict=True)],
    )


def key_lines(entries: Sequence[str], y: float, width: int = WIDTH) -> tuple[list[str], float]:
    """The key of lettered points (letter: label), in as many columns as fit, under the axis title."""
    grid = layout.legend_grid(entries, width - 2 * MARGIN, SIZE, swatch=0)
    parts = [
        text(MARGIN + item.x, y + item.y + 12 + n * LINE, line)
        for item in grid.items
        for n, line in enumerate(item.lines)
    ]
    return parts, y + grid.height


@dataclass(frozen=True)
class TimeXs:
    """Where a chart over time puts its points: each x, any break marks, and each point's date when the
    points are spaced by date (None when a date is missing or out of order: then they are spaced evenly,
    in time order, not to scale)."""

    xs: list[float]
    breaks: tuple[float, ...]
    dates: list[dt.date] | None

    @property
    def by_date(self) -> bool:
        return self.dates is not None


def time_xs(points: Sequence[Mapping[str, Any]], width: int = WIDTH) -> TimeXs:
    """Each point's x, spaced by its period end (or evenly when dates are missing), and any break marks."""
    dates = layout.iso_dates([p.get("period_end") for p in points])
    if dates is None:
        return TimeXs(even(len(points), width), (), None)
    axis = layout.time_axis(dates, LEFT, width - RIGHT)
    return TimeXs(list(axis.xs), axis.breaks, dates)


def date_ticks(
    dates: Sequence[dt.date], xs: Sequence[float], y: float, width: int = WIDTH
) -> tuple[list[str], float]:
    """A row of dates under the time axis's labels (``chart_layout.date_ticks``: "Mar 2023" under each
    point when they fit, else the years), and the y below it."""
    ticks = layout.date_ticks(dates, xs, MARGIN, width - MARGIN, SIZE, months=short_months())
    if not ticks:
        return [], y
    parts = [
        text(x, y + 14, words, anchor="middle", fill=DARK_GREY, cls="cr-date-tick")
        for x, words in ticks
    ]
    return parts, y + LINE


def short_months() -> list[str]:
    """The twelve months' short names under a time axis ("Mar 2023"), in the active language."""
    return [
        pgettext("month, short", "Jan"),
        pgettext("month, short", "Feb"),
        pgettext("month, short", "Mar"),
        pgettext("month, short", "Apr"),
        pgettext("month, short", "May"),
        pgettext("month, short", "Jun"),
        pgettext("month, short", "Jul"),
        pgettext("month, short", "Aug"),
        pgettext("month, short", "Sep"),
        pgettext("month, short", "Oct"),
        pgettext("month, short", "Nov"),
        pgettext("month, short", "Dec"),
    ]
