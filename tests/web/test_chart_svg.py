"""The charts' SVG (issue 23): placed by date, every label whole, a legend of exactly what is drawn, eleven
series each with its own colour, dash and marker, and a narrow drawing beside the wide one."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
from typing import Any

import pytest

from casereview.domain import chart_layout as layout
from casereview.domain.registers import CATEGORIES
from casereview.domain.words import Kind, words
from casereview.web.reports.charts import (
    control_chart,
    control_words,
    funnel_chart,
    funnel_words,
    responsive,
    share_chart,
    volume_chart,
)
from casereview.web.reports.templatetags import report_tags


def point(label: str, end: str, share: float | None, **more: Any) -> dict[str, Any]:
    interval = {"ci_low": share - 0.1, "ci_high": share + 0.05} if share is not None else {}
    return {
        "label": label,
        "period_end": end,
        "kind": "inspection",
        "share": share,
        **interval,
        **more,
    }


def texts(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg)]


def described(svg: str) -> str:
    """The chart's description (its text alternative), as a screen reader reads it."""
    found = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S)
    assert found is not None
    return html.unescape(found.group(1))


def data(svg: str) -> str:
    found = re.search(r'<g class="cr-data">(.*?)</g>', svg, re.S)
    assert found is not None
    return found.group(1)


def test_results_are_placed_by_their_dates_and_every_label_is_whole() -> None:
    points = [
        point("Published inspection (before casereview)", "2024-03-31", 0.9, kind="baseline"),
        point("April to June 2026", "2026-06-30", 0.8),
        point("July to September 2026", "2026-09-30", 0.95, now=True),
    ]
    svg = share_chart(points, title="Share over time")
    xs = [float(x) for x in re.findall(r'<(?:rect|circle)[^>]*?(?:cx|x)="([\d.]+)"', data(svg))]
    square, first, now = xs[0] + 5, xs[1], xs[2]  # the square's x is its left edge
    days = [(dt.date(2026, 6, 30) - dt.date(2024, 3, 31)).days, 92]
    assert (first - square) / (now - first) == pytest.approx(days[0] / days[1], rel=0.01)
    drawn = " ".join(texts(svg))
    for p in points:  # each label whole (perhaps over lines), never cut short
        assert all(word in drawn.split() for word in p["label"].split()), p["label"]
    assert "Share of graded cases requiring improvement or inadequate" in drawn
    assert "Period end, spaced by date" in drawn and "Share over time" in drawn
    assert "not to scale" not in drawn


def test_crowded_labels_become_letters_with_a_key_and_a_long_gap_a_break() -> None:
    early = [
        f"{2010 + q // 4}-{(q % 4) * 3 + 3:02d}-{30 if q % 4 in (1, 2) else 31}" for q in range(8)
    ]
    late = [
        f"{2022 + q // 4}-{(q % 4) * 3 + 3:02d}-{30 if q % 4 in (1, 2) else 31}" for q in range(8)
    ]
    points = [
        point(f"Inspection number {n} of the body", end, 0.5)
        for n, end in enumerate([*early, *late])
    ]
    svg = share_chart(points, title="t", width=288)
    drawn = texts(svg)
    assert (
        "A: Inspection number 0 of the body" in drawn
        and "P: Inspection number 15 of the body" in drawn
    )
    assert "broken where a long gap is drawn shorter" in " ".join(drawn)  # the axis title, wrapped
    assert svg.count('stroke-width="1.5" fill="none"/>') >= 1  # the break mark's strokes


def test_the_legend_names_only_what_is_drawn() -> None:
    banded = point(
        "Now", "2025-06-30", None, now=True, band={"low": 0.75, "high": 1.0, "words": "75% or more"}
    )
    svg = share_chart([point("Pilot", "2024-06-30", 0.5, kind="baseline"), banded], title="t")
    legend = re.search(r'<g class="cr-legend">(.*?)</g>', svg, re.S)
    assert legend is not None
    said = texts(legend.group(1))
    assert said == ["Published baseline", "95% interval", "A band: the exact figure is hidden"]


def test_eleven_categories_each_have_their_own_line_and_a_legend_entry() -> None:
    labels = {c: words(Kind.CATEGORY, c) for c in CATEGORIES}
    quarters = ["2025 Q4", "2026 Q1", "2026 Q2", "2026 Q3"]
    volume = {
        "quarters": quarters,
        "categories": {c: [n + 1, n + 2, n + 3, n + 4] for n, c in enumerate(CATEGORIES)},
    }
    assert len(CATEGORIES) == 11
    svg = volume_chart(volume, labels=labels, title="Cases recorded per quarter by category")
    lines = re.findall(
        r'<polyline points="[^"]*" fill="none" stroke="(#[0-9A-Fa-f]{6})" stroke-width="2"(?: stroke-dasharray="([^"]*)")?',
        data(svg),
    )
    assert len(lines) == 11 and len(set(lines)) == 11
    legend = re.search(r'<g class="cr-legend">(.*?)</g>', svg, re.S)
    assert legend is not None and texts(legend.group(1)) == [labels[c] for c in CATEGORIES]
    for n, (colour, dash) in enumerate(lines):
        style = layout.series_style(n)
        assert (colour, dash) == (style.colour, style.dash)


def test_a_chart_is_drawn_wide_and_narrow_with_only_the_wide_one_shown_without_the_pages_style() -> (
    None
):
    both = responsive(
        share_chart, [point("A", "2025-06-30", 0.5)], title="t", chart_id="trend-chart"
    )
    assert both.count("<svg") == 2
    # Named by its title alone; its description (the figures in words) describes it
    assert 'aria-labelledby="trend-chart-title" aria-describedby="trend-chart-desc"' in both
    assert (
        'aria-labelledby="trend-chart-narrow-title" aria-describedby="trend-chart-narrow-desc"'
        in both
    )
    wide, narrow = re.findall(r'<div class="cr-chart-wrap[^"]*"[^>]*>', both)
    assert "hidden" not in wide and 'cr-chart-wrap--narrow" hidden' in narrow
    assert 'width="640"' in both and 'width="288"' in both
    # Neither region scrolls (each drawing fits its screen), so neither takes focus nor says it scrolls
    for region in (wide, narrow):
        assert "tabindex" not in region and "scrolls" not in region
    # For the PDF (no phone): the wide drawing alone
    alone = responsive(
        share_chart,
        [point("A", "2025-06-30", 0.5)],
        title="t",
        chart_id="trend-chart",
        narrow=False,
    )
    assert alone.count("<svg") == 1 and "narrow" not in alone and 'width="640"' in alone


def legend_swatch(svg: str, words: str) -> str:
    """The SVG of the legend entry's swatch drawn just before the entry's words."""
    legend = re.search(r'<g class="cr-legend">(.*?)</g>', svg, re.S)
    assert legend is not None
    before = legend.group(1).split(f">{words}</text>")[0]
    return before[before.rfind("</text>") + 7 :] if "</text>" in before else before


def test_this_inspection_has_its_own_marker_shape_on_the_chart_and_in_the_legend() -> None:
    points = [
        point("Q1 2026", "2026-03-31", 0.5),
        point("Baseline", "2025-12-31", 0.6, kind="baseline"),
        point("Q2 2026", "2026-06-30", 0.4, now=True),
    ]
    points = [points[1], points[0], points[2]]
    for svg in (
        share_chart(points, title="t"),
        control_chart(
            {
                "centre": 0.5,
                "points": [
                    {**p, "lower": 0.1, "upper": 0.9, "rules": [], "outside": None} for p in points
                ],
            },
            title="t",
        ),
    ):
        drawn = data(svg)
        # This inspection: a dot in a ring (two circles, the ring unfilled); another inspection: one dot
        assert drawn.count('class="cr-ring"') == 1
        # the other inspection's dot, and this one's ring and dot
        assert drawn.count("<circle") == 3
        now, other = (
            legend_swatch(svg, "This inspection"),
            legend_swatch(svg, "Inspection in casereview"),
        )
        assert 'class="cr-ring"' in now and now.count("<circle") == 2
        assert "cr-ring" not in other and other.count("<circle") == 1
        # the shape differs, not only a colour
        assert re.sub(r'"[^"]*"', "", now) != re.sub(r'"[^"]*"', "", other)


def test_the_time_axis_has_dates_each_point_s_month_or_the_years() -> None:
    points = [
        point("Published inspection (before casereview)", "2024-03-31", 0.9, kind="baseline"),
        point("April to June 2026", "2026-06-30", 0.8),
        point("July to September 2026", "2026-09-30", 0.95, now=True),
    ]
    svg = share_chart(points, title="t")
    ticks = [
        html.unescape(t)
        for t in re.findall(r'<text[^>]*class="cr-date-tick"[^>]*>(.*?)</text>', svg)
    ]
    assert ticks == ["Mar 2024", "Jun 2026", "Sep 2026"]
    # Too many for months at a phone's width: each year the axis spans, none overlapping
    quarters = [
        f"{2023 + q // 4}-{(q % 4) * 3 + 3:02d}-{30 if q % 4 in (1, 2) else 31}" for q in range(12)
    ]
    many = [point(f"Inspection {n}", end, 0.5) for n, end in enumerate(quarters)]
    narrow = share_chart(many, title="t", width=288)
    found = re.findall(
        r'<text x="([\d.]+)" y="([\d.]+)"[^>]*class="cr-date-tick"[^>]*>(.*?)</text>', narrow
    )
    assert [t for _, _, t in found] == ["2023", "2024", "2025"]
    boxes = sorted(
        (float(x) - layout.text_width(t, 12) / 2, float(x) + layout.text_width(t, 12) / 2)
        for x, _, t in found
    )
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(boxes))
    assert boxes[0][0] >= 0 and boxes[-1][1] <= 288


def test_points_without_dates_are_in_time_order_and_the_axis_says_not_to_scale() -> None:
    old = [  # a document stored before results carried their period end
        {"label": "Q4 2023", "kind": "inspection", "share": 0.5},
        {"label": "Q1 2024", "kind": "inspection", "share": 0.6, "now": True},
    ]
    for svg in (
        share_chart(old, title="t"),
        control_chart({"centre": 0.55, "points": old}, title="t"),
    ):
        drawn = " ".join(texts(svg))
        assert "Period end, in time order (not to scale)" in drawn
        assert "spaced by date" not in drawn and "cr-date-tick" not in svg
    out_of_order = [point("B", "2025-06-30", 0.5), point("A", "2024-06-30", 0.4)]
    assert "in time order (not to scale)" in " ".join(texts(share_chart(out_of_order, title="t")))


def test_the_charts_words_give_the_tables_figures_exactly() -> None:
    points = [
        {**point("Q1 2025", "2025-03-31", 4 / 7), "ci_low": 0.3259, "ci_high": 0.7857},
        {**point("Q2 2025", "2025-06-30", 0.125, now=True), "ci_low": 0.0224, "ci_high": 0.4709},
    ]
    desc = described(share_chart(points, title="t"))
    for p in points:  # the share and the interval, as the table under the chart prints them
        assert f"{p['label']}" in desc
        assert f"{report_tags.pct(p['share'])} (95% interval {report_tags.interval(p)})" in desc
    assert "57.1%" in desc and "57%" not in desc.replace("57.1%", "")
    chart = {
        "centre": 0.5714,
        "points": [
            {**points[0], "lower": 0.1234, "upper": 0.9876, "rules": []},
            {**points[1], "lower": 0.2, "upper": 0.94, "outside": "below", "rules": []},
        ],
    }
    words = control_words(chart)
    for figure in (0.5714, 4 / 7, 0.1234, 0.9876, 0.125, 0.2, 0.94):
        assert report_tags.pct(figure) in words
    assert re.findall(r"\d+(?:\.\d+)?%", words) == [
        m for m in re.findall(r"\d+(?:\.\d+)?%", words) if "." in m
    ]  # every percentage in words to one decimal place
    funnel = {
        "centre": 0.3333,
        "points": [{"body": "A", "share": 0.4567, "n": 30, "position": "within the 95% limits"}],
    }
    assert "33.3%" in funnel_words(funnel) and "45.7%" in funnel_words(funnel)


def test_the_volume_chart_counts_in_round_steps_names_categories_in_words_and_survives_ragged_data() -> (
    None
):
    quarters = ["2025 Q4", "2026 Q1", "2026 Q2"]
    volume = {"quarters": quarters, "categories": {"neglect": [10, 50, 23]}}
    svg = volume_chart(volume, labels={}, title="t")
    ticks = [t for t in texts(svg) if t.isdigit()]
    assert ticks == ["0", "10", "20", "30", "40", "50"]  # 1, 2 or 5 times a power of ten
    legend = re.search(r'<g class="cr-legend">(.*?)</g>', svg, re.S)
    assert legend is not None and texts(legend.group(1)) == [words(Kind.CATEGORY, "neglect")]
    assert "neglect" not in " ".join(texts(svg))
    ragged = {
        "quarters": quarters,
        "categories": {"neglect": [10, 50], "sexual_abuse": [1, 2, 3, 4]},
    }
    drawn = volume_chart(ragged, labels={}, title="t")  # a stored document: never an error
    desc = described(drawn)
    assert "The figures are incomplete" in desc and words(Kind.CATEGORY, "neglect") in desc
    assert data(drawn).count("<polyline") == 2


def test_the_funnel_plot_s_sample_sizes_are_round_steps() -> None:
    funnel = {
        "centre": 0.3,
        "points": [{"body": "A", "share": 0.4, "n": 27, "position": "within the 95% limits"}],
        "limits": [
            {"n": 5, "low_95": 0.1, "high_95": 0.6},
            {"n": 27, "low_95": 0.15, "high_95": 0.5},
        ],
    }
    svg = funnel_chart(funnel, title="t")
    assert [t for t in texts(svg) if t.isdigit()] == ["0", "10", "20", "30"]


def test_no_line_runs_straight_across_a_break_in_the_axis() -> None:
    early = [f"2010-{m:02d}-28" for m in (3, 6, 9, 12)]
    late = [f"2022-{m:02d}-28" for m in (3, 6, 9, 12)] + [f"2023-{m:02d}-28" for m in (3, 6, 9, 12)]
    points = [
        {**point(f"R{n}", end, 0.5), "lower": 0.2, "upper": 0.8, "rules": []}
        for n, end in enumerate([*early, *late])
    ]
    svg = control_chart({"centre": 0.5, "points": points}, title="t", width=288)
    marks = re.findall(r'<path d="M([\d.]+) [\d.]+ L[\d.]+ [\d.]+ M[\d.]+ [\d.]+ L([\d.]+)', svg)
    assert marks, "the axis is broken"
    gaps = [(float(a), float(b)) for a, b in marks]  # each break mark's left and right
    drawn = data(svg)
    segments = []
    for pts in re.findall(r'<polyline points="([^"]*)"', drawn):
        xs = [float(p.split(",")[0]) for p in pts.split()]
        segments += list(itertools.pairwise(xs))
    segments += [
        (float(a), float(b)) for a, b in re.findall(r'<line x1="([\d.]+)" x2="([\d.]+)"', drawn)
    ]
    assert segments
    for left, right in gaps:
        middle = (left + right) / 2
        crossing = [s for s in segments if min(s) < middle < max(s)]
        assert not crossing, (middle, crossing)


def test_the_html_download_shows_the_narrow_drawing_on_a_phone_and_the_pdf_has_none():
    """The HTML file a person downloads reflows its charts as the page does (the statement says so)."""
    from casereview.web.reports import rendering
    from tests.web.test_statistical_spreadsheets import documents

    document = documents()["full"]
    narrow = '<div class="cr-chart-wrap cr-chart-wrap--narrow" hidden'
    html = rendering.html_document(document)
    assert narrow in html
    assert '<style media="screen and (max-width: 44.99em)">' in html
    assert ".cr-chart-wrap--narrow[hidden] { display: block }" in html
    assert narrow not in rendering.html_document(document, for_pdf=True)
