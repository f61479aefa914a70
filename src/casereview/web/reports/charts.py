"""SVG charts for reports: a share over time with its 95% interval as a bar, and recorded cases per
category per quarter as lines (the volume beside the grades).

Drawn server-side as plain SVG (no script, no external fetch), so the same
chart works in the web page, the HTML download and the PDF.  Every piece of
text is escaped; the figures are also in a table beside the chart, and the
chart carries a title and a description for screen readers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 72
BLUE, BLACK, GREY, GREEN = "#1d70b8", "#0b0c0c", "#b1b4b6", "#00703c"


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _open(chart_id: str, title: str, description: str) -> list[str]:
    """The chart's opening tag, title and description (for screen readers), every text escaped."""
    # On a phone the chart keeps its drawn width in a region that scrolls sideways (casereview.scss), so its
    # 12-pixel text stays 12 pixels instead of shrinking with the screen; each chart ends with _close().
    return [
        f'<div class="cr-chart-wrap" role="region" tabindex="0" aria-label="Chart: {escape(title)} '
        f'(scrolls sideways on narrow screens)">',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="casereview-chart" style="max-width:{WIDTH}px">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description or "No figures to show.")}</desc>',
    ]


_CLOSE = "</svg></div>"


def _gridline(y: float, label: str) -> list[str]:
    """A horizontal grid line across the plot with its value at the left."""
    return [
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GREY}" stroke-width="1"/>',
        f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12" fill="{BLACK}">{escape(label)}</text>',
    ]


def _x_label(x: float, label: str) -> str:
    """A slanted label under the plot at ``x`` (at most 24 characters)."""
    return (
        f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="12" fill="{BLACK}" text-anchor="end" '
        f'transform="rotate(-35 {x:.1f} {HEIGHT - BOTTOM + 14})">{escape(label)[:24]}</text>'
    )


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _band(point: Mapping[str, Any]) -> tuple[float, float] | None:
    """A banded point's range (low, high) when its share is withheld and a band is published instead."""
    band = point.get("band")
    if point.get("share") is not None or not isinstance(band, Mapping):
        return None
    low: Any = band.get("low")
    high: Any = band.get("high")
    if not (_number(low) and _number(high)):
        return None
    return max(0.0, float(low)), min(1.0, float(high))


def _plotted(point: Mapping[str, Any]) -> str | None:
    """What the chart draws for a point, in words; None when it draws nothing (a hidden figure)."""
    label = str(point.get("label", ""))
    if point.get("now"):
        label += " (this inspection)"
    if _number(point.get("share")):
        if _number(point.get("ci_low")) and _number(point.get("ci_high")):
            return f"{label}: {_pct(point['share'])} (95% interval {_pct(point['ci_low'])} to {_pct(point['ci_high'])})"
        return f"{label}: {_pct(point['share'])}"
    band = _band(point)
    if band is not None:
        words = point["band"].get("words") or f"{_pct(band[0])} to {_pct(band[1])}"
        return f"{label}: {words} (a band, the exact figure hidden)"
    return None


def plotted_words(points: Sequence[Mapping[str, Any]]) -> str:
    """The chart's text alternative: exactly the points it plots, and those it does not."""
    shown = [w for w in (_plotted(p) for p in points) if w]
    hidden = [str(p.get("label", "")) for p in points if _plotted(p) is None]
    words = "; ".join(shown) + "." if shown else "No figures to show."
    if hidden:
        words += f" Not plotted (figures hidden, [c]): {', '.join(hidden)}."
    return words


def share_chart(
    points: Sequence[Mapping[str, Any]], *, title: str, chart_id: str = "trend-chart"
) -> SafeString:
    """Points (label, share, ci_low, ci_high, kind, now, band) in time order.

    A point is plotted only with the figures the document publishes: its share (with its interval when
    that is published too), or, for a withheld share published as a band, the band as a shaded range.
    A hidden point (share null, no band) is left out: its place on the axis stays, labelled, empty.
    """
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(v: float) -> float:
        return TOP + inner_h * (1 - v)

    step = inner_w / max(len(points), 1)
    parts = _open(chart_id, title, plotted_words(points))
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts += _gridline(y(tick), _pct(tick))
    every = max(1, len(points) // 12)  # at most about a dozen labels on the axis
    for i, p in enumerate(points):
        x = LEFT + step * (i + 0.5)
        if i % every == 0 or p.get("now"):
            parts.append(_x_label(x, str(p.get("label", ""))))
        colour = BLACK if p.get("now") else (GREEN if p.get("kind") == "baseline" else BLUE)
        band = _band(p)
        if band is not None:
            top, bottom = y(band[1]), y(band[0])
            parts.append(
                f'<rect x="{x - 8:.1f}" y="{top:.1f}" width="16" height="{max(bottom - top, 1):.1f}" '
                f'fill="{colour}" fill-opacity="0.25" stroke="{colour}" stroke-width="2" stroke-dasharray="4 2"/>'
            )
            continue
        if not _number(p.get("share")):
            continue
        if _number(p.get("ci_low")) and _number(p.get("ci_high")):
            low, high = y(p["ci_low"]), y(p["ci_high"])
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{low:.1f}" y2="{high:.1f}" stroke="{colour}" stroke-width="2"/>'
            )
            for end in (low, high):
                parts.append(
                    f'<line x1="{x - 5:.1f}" x2="{x + 5:.1f}" y1="{end:.1f}" y2="{end:.1f}" stroke="{colour}" stroke-width="2"/>'
                )
        if p.get("kind") == "baseline":
            parts.append(
                f'<rect x="{x - 5:.1f}" y="{y(p["share"]) - 5:.1f}" width="10" height="10" fill="{colour}"/>'
            )
        else:
            parts.append(f'<circle cx="{x:.1f}" cy="{y(p["share"]):.1f}" r="5" fill="{colour}"/>')
    parts.append(_CLOSE)
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


SIGNAL, SHIFTED = "#d4351c", "#f47738"  # a point outside its limits; a point in a shift or a trend


def control_words(chart: Mapping[str, Any]) -> str:
    """The p-chart's text alternative: the centre, each point with its limits and any signal it is in,
    the points not plotted (figures hidden), and the signals in words."""
    points = list(chart.get("points") or [])
    if not _number(chart.get("centre")) or not points:
        return "No control chart to show."
    words = [
        f"Centre line {_pct(chart['centre'])}; limits at 3 sigma for each result's own number of cases."
    ]
    hidden = []
    for p in points:
        label = str(p.get("label", "")) + (" (this inspection)" if p.get("now") else "")
        if not _number(p.get("share")):
            hidden.append(label)
            continue
        said = f"{label}: {_pct(p['share'])}"
        if _number(p.get("lower")) and _number(p.get("upper")):
            said += f" (limits {_pct(p['lower'])} to {_pct(p['upper'])})"
        if p.get("outside"):
            said += f", {p['outside']} its limits"
        words.append(said + ".")
    if hidden:
        words.append(f"Not plotted (figures hidden, [c]): {', '.join(hidden)}.")
    signals = [str(s.get("words", "")) for s in chart.get("signals") or []]
    words.append(
        " ".join(signals)
        if signals
        else "No signal: no point outside its limits, no shift and no trend."
    )
    return " ".join(words)


def _marker(x: float, y: float, point: Mapping[str, Any]) -> str:
    """A point's marker: a triangle (pointing up or down) outside its limits, a diamond in a shift or a
    trend, else a circle for an inspection or a square for a baseline; the shape says it, not only the colour."""
    if point.get("outside") in ("above", "below"):
        tip = -8 if point["outside"] == "above" else 8
        return (
            f'<polygon points="{x:.1f},{y + tip:.1f} {x - 7:.1f},{y - tip / 2:.1f} {x + 7:.1f},{y - tip / 2:.1f}" '
            f'fill="{SIGNAL}" stroke="{BLACK}" stroke-width="1"/>'
        )
    if {"shift", "trend"} & set(point.get("rules") or []):
        return (
            f'<polygon points="{x:.1f},{y - 7:.1f} {x + 7:.1f},{y:.1f} {x:.1f},{y + 7:.1f} {x - 7:.1f},{y:.1f}" '
            f'fill="{SHIFTED}" stroke="{BLACK}" stroke-width="1"/>'
        )
    colour = BLACK if point.get("now") else (GREEN if point.get("kind") == "baseline" else BLUE)
    if point.get("kind") == "baseline":
        return f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>'


def control_chart(
    chart: Mapping[str, Any], *, title: str, chart_id: str = "control-chart"
) -> SafeString:
    """A p-chart (``domain.control``): each result's share in time order, the centre line, and each
    point's own 3-sigma limits drawn as stepped lines (a hidden point breaks them and is not plotted)."""
    points = list(chart.get("points") or [])
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points), 1)

    def y(v: float) -> float:
        return TOP + inner_h * (1 - v)

    parts = _open(chart_id, title, control_words(chart))
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts += _gridline(y(tick), _pct(tick))
    parts.append(
        f'<text x="12" y="{TOP + inner_h / 2:.1f}" font-size="12" fill="{BLACK}" text-anchor="middle" '
        f'transform="rotate(-90 12 {TOP + inner_h / 2:.1f})">Requires improvement or inadequate</text>'
    )
    every = max(1, len(points) // 12)
    for i, p in enumerate(points):
        if i % every == 0 or p.get("now"):
            parts.append(_x_label(LEFT + step * (i + 0.5), str(p.get("label", ""))))
    if _number(chart.get("centre")):
        c = y(chart["centre"])
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{c:.1f}" y2="{c:.1f}" stroke="{BLACK}" stroke-width="1.5"/>'
        )
    for side in ("lower", "upper"):  # stepped: level across each point's own slot, a riser between
        run: list[str] = []
        for i, p in enumerate([*points, {}]):
            if _number(p.get(side)):
                left, right = LEFT + step * i, LEFT + step * (i + 1)
                run += [f"{left:.1f},{y(p[side]):.1f}", f"{right:.1f},{y(p[side]):.1f}"]
                continue
            if run:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{SIGNAL}" stroke-width="1.5" stroke-dasharray="6 3"/>'
                )
            run = []
    line: list[str] = []
    for i, p in enumerate([*points, {}]):  # the shares joined, broken where a point is hidden
        if _number(p.get("share")):
            line.append(f"{LEFT + step * (i + 0.5):.1f},{y(p['share']):.1f}")
            continue
        if len(line) > 1:
            parts.append(
                f'<polyline points="{" ".join(line)}" fill="none" stroke="{GREY}" stroke-width="2"/>'
            )
        line = []
    for i, p in enumerate(points):
        if _number(p.get("share")):
            parts.append(_marker(LEFT + step * (i + 0.5), y(p["share"]), p))
    parts.append(_CLOSE)
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


#: GOV.UK colours, distinct enough for lines; a category past the last repeats with a dash.
SERIES = (
    "#1d70b8",
    "#d4351c",
    "#00703c",
    "#f47738",
    "#4c2c92",
    "#5694ca",
    "#912b88",
    "#85994b",
    "#6f72af",
    "#28a197",
    "#b58840",
)


def _nice_ceiling(value: int) -> int:
    """A round top for the axis, not below ``value`` and divisible by 4 so that its quarter ticks are whole."""
    unit = 4 * 10 ** max(len(str(max(value, 1))) - 2, 0)
    return int(max(-(-value // unit) * unit, 4))


def volume_axis_top(volume: Mapping[str, Any]) -> int:
    """The top of the volume chart's axis: a round number above the largest count shown (hidden ones
    play no part, so the axis tells nothing of them); its ticks are its quarters."""
    numbers = [
        v
        for values in volume.get("categories", {}).values()
        for v in values
        if isinstance(v, int) and not isinstance(v, bool)
    ]
    return _nice_ceiling(max(numbers, default=0))


def volume_chart(
    volume: Mapping[str, Any],
    *,
    labels: Mapping[str, str],
    title: str,
    chart_id: str = "volume-chart",
) -> SafeString:
    """Recorded cases per quarter, one line per category; a suppressed count (a string) breaks its line."""
    quarters = list(volume.get("quarters", []))
    series = list(volume.get("categories", {}).items())
    top = volume_axis_top(volume)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(quarters), 1)

    def y(v: float) -> float:
        return TOP + inner_h * (1 - v / top)

    described = "; ".join(
        f"{labels.get(code, code)}: "
        + ", ".join(f"{q} {v}" for q, v in zip(quarters, values, strict=True))
        for code, values in series
    )
    parts = _open(chart_id, title, described)
    labelled = any(
        isinstance(v, int) and not isinstance(v, bool) for _, values in series for v in values
    )
    for tick in (0, 0.25, 0.5, 0.75, 1):
        # An axis with no count shown on it has no numbers either (they would be read as figures).
        parts += _gridline(y(tick * top), str(round(tick * top)) if labelled else "")
    every = max(1, len(quarters) // 12)
    for i, q in enumerate(quarters):
        if i % every == 0:
            parts.append(_x_label(LEFT + step * (i + 0.5), q))
    for n, (_code, values) in enumerate(series):
        colour, dash = (
            SERIES[n % len(SERIES)],
            ' stroke-dasharray="6 3"' if n >= len(SERIES) else "",
        )
        run: list[str] = []
        for i, v in enumerate([*values, None]):
            if isinstance(v, int):
                run.append(f"{LEFT + step * (i + 0.5):.1f},{y(v):.1f}")
                continue
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
                )
            elif run:
                x_, y_ = run[0].split(",")
                parts.append(f'<circle cx="{x_}" cy="{y_}" r="3" fill="{colour}"/>')
            run = []
    parts.append(_CLOSE)
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def series_colours(codes: Sequence[str]) -> dict[str, str]:
    """The colour each category's line is drawn in (for the legend beside the table)."""
    return {code: SERIES[n % len(SERIES)] for n, code in enumerate(codes)}


RED = "#d4351c"


def funnel_words(funnel: Mapping[str, Any]) -> str:
    """The funnel plot's text alternative: its centre, its limits, and each body's point and where it lies."""
    centre: Any = funnel.get("centre")
    points = list(funnel.get("points", []))
    if not _number(centre) or not points:
        return "No body's latest point to show."
    words = [
        f"Centre {_pct(centre)} (the pooled share of the latest points); limits at 95% and 99.8% "
        "narrow as the sample size grows."
    ]
    words += [
        f"{p['body']}: {_pct(p['share'])} of {p['n']} cases, {p['position']}."
        for p in points
        if _number(p.get("share"))
    ]
    return " ".join(words)


def funnel_chart(
    funnel: Mapping[str, Any], *, title: str, chart_id: str = "funnel-chart"
) -> SafeString:
    """Each body's latest share (y) against its sample size (x), with the centre line and the 95% (dashed)
    and 99.8% (solid) control limits at each n of ``funnel["limits"]``; axis labels on both axes.  A point
    outside the 95% limits is a red diamond, one within a black dot."""
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    points = [
        p for p in funnel.get("points", []) if _number(p.get("share")) and _number(p.get("n"))
    ]
    limits = [row for row in funnel.get("limits", []) if _number(row.get("n"))]
    top_n = max([float(r["n"]) for r in limits] + [float(p["n"]) for p in points] + [1.0])

    def x(n: float) -> float:
        return LEFT + inner_w * n / top_n

    def y(v: float) -> float:
        return TOP + inner_h * (1 - v)

    parts = _open(chart_id, title, funnel_words(funnel))
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts += _gridline(y(tick), _pct(tick))
    for tick in (0, 0.25, 0.5, 0.75, 1):
        n = round(tick * top_n)
        parts.append(
            f'<text x="{x(n):.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="12" fill="{BLACK}" '
            f'text-anchor="middle">{n:,}</text>'
        )
    parts.append(
        f'<text x="{LEFT + inner_w / 2:.1f}" y="{HEIGHT - BOTTOM + 40}" font-size="12" fill="{BLACK}" '
        'text-anchor="middle">Cases graded (sample size n)</text>'
    )
    parts.append(
        f'<text x="14" y="{TOP + inner_h / 2:.1f}" font-size="12" fill="{BLACK}" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + inner_h / 2:.1f})">Requiring improvement or inadequate</text>'
    )
    centre: Any = funnel.get("centre")
    if _number(centre):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(centre):.1f}" y2="{y(centre):.1f}" '
            f'stroke="{BLACK}" stroke-width="1.5" stroke-dasharray="2 3"/>'
        )
    for key, colour, dash in (
        ("95", BLUE, ' stroke-dasharray="6 3"'),
        ("99_8", RED, ""),
    ):
        for side in ("low", "high"):
            run = [
                f"{x(float(r['n'])):.1f},{y(float(r[f'{side}_{key}'])):.1f}"
                for r in limits
                if _number(r.get(f"{side}_{key}"))
            ]
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="1.5"{dash}/>'
                )
    for p in points:
        cx, cy = x(float(p["n"])), y(float(p["share"]))
        outside = not str(p.get("position", "")).startswith("within")
        # Outside the 95% limits: a red diamond (the shape says it, not only the colour); within: a dot.
        mark = (
            f'<path d="M{cx:.1f} {cy - 6:.1f} L{cx + 6:.1f} {cy:.1f} L{cx:.1f} {cy + 6:.1f} '
            f'L{cx - 6:.1f} {cy:.1f} Z" fill="{RED}"/>'
            if outside
            else f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{BLACK}"/>'
        )
        parts.append(
            f'{mark}<text x="{cx + 6:.1f}" y="{cy - 6:.1f}" font-size="12" fill="{BLACK}">'
            f"{escape(str(p['body']))[:12]}</text>"
        )
    parts.append(_CLOSE)
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
