"""How a chart is laid out, as pure functions: the width of its text, where its time axis puts each date,
how its labels fit, and how each series is told apart.

The SVG is drawn in ``web/reports/charts.py`` from what these return; nothing here knows of SVG.

* **Text width.** Charts are drawn in the page's font (GOV.UK Frontend without the GOV.UK font: Arial, or
  the metric-compatible Liberation Sans).  :func:`text_width` adds up each character's advance width in
  that font (the tables below, in thousandths of an em, for printable ASCII; any other character counts
  as a whole em, wider than any in the tables but the em dash) with a margin of 5%, so a label measured to
  fit does fit.
* **Time axis.** :func:`time_axis` places each date at a distance proportional to the days between them,
  so a two-year gap is eight times a quarter's; only when that would crowd other points closer than a
  marker's width is a long gap (a year or more, and at least three times the typical gap) shortened, and
  the axis then carries a break mark there.
* **Dates.** :func:`iso_dates` and :func:`quarter_dates` read a chart's dates; :func:`date_ticks` writes
  them under a time axis (each point's month, or the years), never overlapping; :func:`nice_ticks` gives a
  count axis round steps (1, 2 or 5 times a power of ten).
* **Labels.** :func:`wrap` breaks a label into lines no wider than its space (splitting a word only when it
  alone is wider); :func:`place_labels` fits each point's label under it between its neighbours, or says
  it cannot (the chart then marks points with letters and lists the labels in a key);
  :func:`legend_grid` sets legend entries in as many columns as fit.
* **Series.** :func:`series_style` gives the n-th series a colour of the Government Analysis Function's
  categorical palette (each at least 3:1 against white, WCAG 1.4.11), a dash pattern and a marker shape,
  so that no series is told from another by colour alone.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

#: The page's font (casereview.scss: GOV.UK Frontend with ``$govuk-font-family: arial, sans-serif``).
FONT_STACK = "arial, sans-serif"
LINE_HEIGHT = 1.3  # a line of text, in ems

# Advance widths of the printable ASCII characters (space to tilde) in Arial / Liberation Sans, regular
# and bold, in thousandths of an em.
_REGULAR = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778,
    722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278,
    278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip
_BOLD = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778,
    722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333,
    278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
)  # fmt: skip
_OTHER = 1000
_MARGIN = 1.05


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width of ``text`` at font size ``size`` in the page's font (an estimate never under the real one)."""
    table = _BOLD if bold else _REGULAR
    units = sum(table[o - 32] if 32 <= o < 127 else _OTHER for o in map(ord, text))
    return size * units / 1000 * _MARGIN


def wrap(
    text: str,
    width: float,
    size: float,
    *,
    bold: bool = False,
    max_lines: int | None = None,
    split: bool = True,
) -> tuple[str, ...] | None:
    """``text`` broken into lines each no wider than ``width`` (between words; inside a word only when the
    word alone is wider and ``split`` allows it), or None when it needs more than ``max_lines`` lines, or a
    word is wider and may not be split, or a character is wider."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold=bold) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
        while text_width(word, size, bold=bold) > width:  # a word wider than the space: split it
            if not split:
                return None
            cut = len(word)
            while cut > 0 and text_width(word[:cut], size, bold=bold) > width:
                cut -= 1
            if cut == 0:
                return None
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if max_lines is not None and len(lines) > max_lines:
        return None
    return tuple(lines)


def lines_width(lines: Sequence[str], size: float, *, bold: bool = False) -> float:
    return max((text_width(line, size, bold=bold) for line in lines), default=0.0)


# ---------------------------------------------------------------------------------------------------
# The time axis


@dataclass(frozen=True)
class TimeAxis:
    """Each date's x, in order; and the x of each break mark (the middle of a gap drawn shorter than it is)."""

    xs: tuple[float, ...]
    breaks: tuple[float, ...] = ()


LONG_GAP_DAYS = 365
LONG_GAP_TIMES = (
    3  # a gap this many times the typical (median) gap, and a year or more, may be shortened
)


def time_axis(
    dates: Sequence[dt.date],
    left: float,
    right: float,
    *,
    pad: float = 24.0,
    min_step: float = 24.0,
    break_width: float = 48.0,
) -> TimeAxis:
    """x positions for ``dates`` (in time order) between ``left + pad`` and ``right - pad``, proportional to
    the days between them.  When that would put two points closer than ``min_step``, each long gap is drawn
    ``break_width`` wide instead (with a break mark), the other gaps sharing the rest in proportion."""
    if any(b < a for a, b in zip(dates, dates[1:], strict=False)):
        raise ValueError("dates must be in time order")
    if not dates:
        return TimeAxis(())
    start, end = left + pad, right - pad
    if len(dates) == 1:
        return TimeAxis(((start + end) / 2,))
    # Two results with the same end date stay apart by a day's width, so the order is still strict.
    gaps = [max((b - a).days, 1) for a, b in zip(dates, dates[1:], strict=False)]
    span = end - start
    scale = span / sum(gaps)
    widths = [g * scale for g in gaps]
    typical = statistics.median(gaps)
    long = [
        i
        for i, g in enumerate(gaps)
        if g >= LONG_GAP_DAYS and g >= LONG_GAP_TIMES * typical and widths[i] > break_width
    ]
    breaks: list[int] = []
    if min(widths) < min_step and long and len(long) < len(gaps):
        rest = sum(g for i, g in enumerate(gaps) if i not in long)
        share = (span - break_width * len(long)) / rest
        widths = [break_width if i in long else g * share for i, g in enumerate(gaps)]
        breaks = long
    xs = [start]
    for w in widths:
        xs.append(xs[-1] + w)
    return TimeAxis(tuple(xs), tuple((xs[i] + xs[i + 1]) / 2 for i in breaks))


def quarter_dates(quarters: Sequence[str]) -> list[dt.date] | None:
    """The last day of each quarter named "2026 Q3" or "2026-Q3" (None when one is named otherwise)."""
    found = []
    for q in quarters:
        parts = q.replace("-", " ").split()
        if len(parts) != 2 or not parts[0].isdigit() or parts[1] not in ("Q1", "Q2", "Q3", "Q4"):
            return None
        year, n = int(parts[0]), int(parts[1][1])
        found.append(dt.date(year + n // 4, n * 3 % 12 + 1, 1) - dt.timedelta(days=1))
    return found


def iso_dates(values: Sequence[object]) -> list[dt.date] | None:
    """Each "YYYY-MM-DD" (or a timestamp, whose date is taken) as a date, or None when one is missing or
    not a date, or they are not in time order (a chart then spaces its points evenly, not to scale)."""
    try:
        dates = [dt.date.fromisoformat(str(v)[:10]) for v in values]
    except ValueError:
        return None
    if any(b < a for a, b in zip(dates, dates[1:], strict=False)):
        return None
    return dates


def x_at(day: dt.date, dates: Sequence[dt.date], xs: Sequence[float]) -> float:
    """Where ``day`` lies on a time axis that puts each of ``dates`` (in time order) at its x: in
    proportion between the two dates around it (a long gap drawn shorter is shorter here too), clamped to
    the first and last."""
    if not dates:
        raise ValueError("no dates")
    if day <= dates[0]:
        return xs[0]
    for i in range(len(dates) - 1):
        a, b = dates[i], dates[i + 1]
        if a <= day <= b:
            xa, xb = xs[i], xs[i + 1]
            return xa if b == a else xa + (xb - xa) * (day - a).days / (b - a).days
    return xs[-1]


def date_ticks(
    dates: Sequence[dt.date],
    xs: Sequence[float],
    lo: float,
    hi: float,
    size: float,
    months: Sequence[str] | None = None,
) -> list[tuple[float, str]]:
    """The dates to write under a time axis, as (centre x, words): the month of each point ("Mar 2023")
    when every one fits between its neighbours on one line; else each year the axis spans ("2024"),
    centred on the part of the axis that year covers, every second, third, … year when they would touch.
    None overlaps another or leaves [lo, hi].  ``months``: the twelve months' short names in the chart's
    language (English's "Jan" … "Dec" without)."""
    if not dates:
        return []
    said = [f"{months[d.month - 1]} {d.year}" if months else f"{d:%b %Y}" for d in dates]
    monthly = place_labels(said, xs, lo, hi, size, max_lines=1)
    if monthly is not None:
        return [(p.x, p.lines[0]) for p in monthly]
    years = range(dates[0].year, dates[-1].year + 1)
    centres = [
        (
            x_at(max(dt.date(y, 1, 1), dates[0]), dates, xs)
            + x_at(min(dt.date(y, 12, 31), dates[-1]), dates, xs)
        )
        / 2
        for y in years
    ]
    _, placed = place_some_labels([str(y) for y in years], centres, lo, hi, size, max_lines=1)
    return [(p.x, p.lines[0]) for p in placed]


def nice_ticks(high: float, *, most: int = 5) -> list[int]:
    """Whole-number ticks from 0 in a round step (1, 2 or 5 times a power of ten), the last at or above
    ``high``, with at most ``most`` steps: 50 → 0, 20, 40, 60; 27 → 0, 10, 20, 30; 0 → 0, 1."""
    high = max(high, 1)
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            steps = -(-high // step)
            if steps <= most:
                return [int(step * k) for k in range(int(steps) + 1)]
        power *= 10


# ---------------------------------------------------------------------------------------------------
# Labels


@dataclass(frozen=True)
class Placed:
    """A label's centre x, its lines, and its row (0 nearest the axis)."""

    x: float
    lines: tuple[str, ...]
    row: int = 0


LABEL_GAP = 6.0  # the least space between two labels side by side


def place_labels(
    labels: Sequence[str],
    xs: Sequence[float],
    lo: float,
    hi: float,
    size: float,
    *,
    max_lines: int = 3,
    rows: int = 1,
) -> list[Placed] | None:
    """Each label centred under its x as nearly as it can be, wrapped between words to at most ``max_lines``
    lines, within its slot (from half-way to the previous x in its row to half-way to the next, ``lo`` and
    ``hi`` at the ends), so that no two in a row overlap and none leaves [lo, hi].  With ``rows`` above 1 the
    labels take the rows in turn (the first in row 0, the next in row 1, …), each row's slots so wider, but
    never past a neighbouring point: each label spans its own x.  None when a label does not fit."""
    placed = []
    for i, (label, x) in enumerate(zip(labels, xs, strict=True)):
        before, after = i - rows, i + rows
        left = lo if before < 0 else (xs[before] + x) / 2 + LABEL_GAP / 2
        right = hi if after >= len(xs) else (x + xs[after]) / 2 - LABEL_GAP / 2
        if (
            i > 0
        ):  # never past the next point on either side, so a leader down to another row is clear
            left = max(left, xs[i - 1] + LABEL_GAP / 2)
        if i < len(xs) - 1:
            right = min(right, xs[i + 1] - LABEL_GAP / 2)
        if not left <= x <= right:  # too close to its neighbours to span its own point
            return None
        lines = wrap(label, right - left, size, max_lines=max_lines, split=False)
        if lines is None:
            return None
        w = lines_width(lines, size)
        placed.append(Placed(min(max(x, left + w / 2), right - w / 2), lines, i % rows))
    return placed


def letters(n: int) -> list[str]:
    """Keys for ``n`` points: A to Z, then AA, AB, …"""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    keys = []
    for i in range(n):
        key = ""
        i += 1
        while i:
            i, r = divmod(i - 1, 26)
            key = alphabet[r] + key
        keys.append(key)
    return keys


def stagger(
    widths: Sequence[float], xs: Sequence[float], lo: float, hi: float
) -> list[tuple[float, int]]:
    """Short labels (keys) centred on their x, clamped to [lo, hi], each in the first row where it does not
    touch the one before it: (centre x, row) for each."""
    rows: list[float] = []  # the right edge of the last label in each row
    placed = []
    for w, x in zip(widths, xs, strict=True):
        cx = min(max(x, lo + w / 2), hi - w / 2)
        row = next((r for r, edge in enumerate(rows) if cx - w / 2 >= edge + LABEL_GAP), len(rows))
        if row == len(rows):
            rows.append(0.0)
        rows[row] = cx + w / 2
        placed.append((cx, row))
    return placed


@dataclass(frozen=True)
class LegendItem:
    x: float  # the left of its swatch
    y: float  # the top of its first line, from the legend's top
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Legend:
    items: tuple[LegendItem, ...]
    height: float


def legend_grid(
    texts: Sequence[str], width: float, size: float, *, swatch: float = 36.0, gap: float = 16.0
) -> Legend:
    """Legend entries (a swatch then its words) in as many equal columns as fit in ``width``, row by row;
    an entry too long for one column even alone is wrapped."""
    line = size * LINE_HEIGHT
    widest = max((text_width(t, size) for t in texts), default=0.0)
    columns = max(1, min(len(texts), int((width + gap) // (swatch + widest + gap))))
    column = (width + gap) / columns - gap
    items, y = [], 0.0
    for start in range(0, len(texts), columns):
        row = []
        for c, text in enumerate(texts[start : start + columns]):
            lines = wrap(text, column - swatch, size) or (text,)
            row.append(LegendItem(c * (column + gap), y, lines))
        items += row
        y += max(len(item.lines) for item in row) * line + size * 0.4
    return Legend(tuple(items), y)


# ---------------------------------------------------------------------------------------------------
# Telling series apart


#: The Government Analysis Function's categorical palette (dark blue, turquoise, dark pink, orange, dark
#: grey, light purple): each at least 3:1 against white, and each at least 3:1 against the next.
PALETTE = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
#: Dash patterns (SVG stroke-dasharray; "" is a solid line) and marker shapes, cycled with the colours.
DASHES = ("", "8 4", "2 3", "10 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond", "cross")


@dataclass(frozen=True)
class SeriesStyle:
    colour: str
    dash: str
    marker: str


def series_style(n: int) -> SeriesStyle:
    """The n-th series' look.  The three cycles are 6, 4 and 5 long, so the first 60 series all differ,
    and each differs from the one before it in colour, dash and marker alike."""
    return SeriesStyle(
        PALETTE[n % len(PALETTE)], DASHES[n % len(DASHES)], MARKERS[n % len(MARKERS)]
    )


def _luminance(colour: str) -> float:
    """WCAG relative luminance of "#rrggbb"."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str = "#ffffff") -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def place_some_labels(
    labels: Sequence[str],
    xs: Sequence[float],
    lo: float,
    hi: float,
    size: float,
    *,
    max_lines: int = 2,
) -> tuple[list[int], list[Placed]]:
    """Labels for a regular axis (quarters): every one if they fit, else every second, third, … (always the
    first), each fitted by :func:`place_labels`; which are shown and where."""
    for step in range(1, max(len(labels), 1) + 1):
        shown = list(range(0, len(labels), step))
        placed = place_labels(
            [labels[i] for i in shown], [xs[i] for i in shown], lo, hi, size, max_lines=max_lines
        )
        if placed is not None:
            return shown, placed
    return [], []


@dataclass(frozen=True)
class PointLabel:
    x: float  # where the text starts (anchor "start") or ends ("end")
    y: float  # its baseline
    anchor: str
    box: tuple[float, float, float, float]  # left, top, right, bottom


def place_point_labels(
    points: Sequence[tuple[float, float]],
    labels: Sequence[str],
    bounds: tuple[float, float, float, float],
    size: float,
    *,
    offset: float = 8.0,
) -> list[PointLabel | None]:
    """A label beside each point of a scatter (right, left, above or below it, the first that stays inside
    ``bounds`` (left, top, right, bottom) and clear of the labels placed before it); None when none does (the
    table names it)."""
    placed: list[PointLabel | None] = []
    boxes: list[tuple[float, float, float, float]] = []
    left, top, right, bottom = bounds
    for (px, py), label in zip(points, labels, strict=True):
        w, h = text_width(label, size), size
        candidates = [
            (
                px + offset,
                py + h / 3,
                "start",
                (px + offset, py - h * 2 / 3, px + offset + w, py + h / 3),
            ),
            (
                px - offset,
                py + h / 3,
                "end",
                (px - offset - w, py - h * 2 / 3, px - offset, py + h / 3),
            ),
            (
                px - w / 2,
                py - offset,
                "start",
                (px - w / 2, py - offset - h, px + w / 2, py - offset),
            ),
            (
                px - w / 2,
                py + offset + h,
                "start",
                (px - w / 2, py + offset, px + w / 2, py + offset + h),
            ),
        ]
        chosen = None
        for x, y, anchor, box in candidates:
            inside = box[0] >= left and box[1] >= top and box[2] <= right and box[3] <= bottom
            clear = all(
                box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3] for b in boxes
            )
            if inside and clear:
                chosen = PointLabel(x, y, anchor, box)
                boxes.append(box)
                break
        placed.append(chosen)
    return placed
