"""The statistical spreadsheet's tables of figures: grades, breakdowns, comparisons, trend, control chart,
areas and weaknesses (``statistical_tables`` describes a table; ``statistical_workbook`` puts them together)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from casereview.domain.statistical_tables import (
    HIDDEN,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    Builder,
    Column,
    ColumnKind,
    Value,
    at,
    is_number,
    percent,
    text,
    to_date,
)
from casereview.domain.tables import band_words, figure_is_empty
from casereview.domain.words import Kind, number, words

# ---------------------------------------------------------------------------------------------------
# The tables


def _interval_cells(b: Builder, figure: Mapping[str, Any] | None) -> list[Value]:
    figure = figure or {}
    empty = figure_is_empty(figure)
    return [
        b.v.count(at(figure, "count")),
        b.v.count(at(figure, "total")),
        b.v.share(at(figure, "share"), empty=empty),
        b.v.share(at(figure, "ci_low"), empty=empty),
        b.v.share(at(figure, "ci_high"), empty=empty),
    ]


WEIGHTED_COLUMNS = (
    Column("Design-weighted share", ColumnKind.PERCENT),
    Column("Design-weighted lower limit", ColumnKind.PERCENT),
    Column("Design-weighted upper limit", ColumnKind.PERCENT),
)


def _weighted(
    b: Builder, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[Column], list[list[Value]], tuple[str, ...]]:
    """A disproportionate sample's design-weighted share and interval of each row (its
    ``design_weighted``), when any row has one: hidden ([c]) where a published document withholds it."""
    if not any("design_weighted" in r for r in rows):
        return [], [[] for _ in rows], ()
    cells: list[list[Value]] = []
    for r in rows:
        w = at(r, "design_weighted")
        if isinstance(w, Mapping):
            cells.append([b.v.share(at(w, k)) for k in ("share", "ci_low", "ci_high")])
        else:  # absent: [x]; null: [c] in a published document
            cells.append([b.v.missing(w)] * 3)
    return list(WEIGHTED_COLUMNS), cells, ("design",)


INTERVAL_COLUMNS = (
    Column("Cases", ColumnKind.COUNT),
    Column("Graded cases", ColumnKind.COUNT),
    Column("Share", ColumnKind.PERCENT),
    Column("Lower limit of the 95% interval", ColumnKind.PERCENT),
    Column("Upper limit of the 95% interval", ColumnKind.PERCENT),
)
COUNT = ColumnKind.COUNT
PERCENT = ColumnKind.PERCENT
NUMBER = ColumnKind.NUMBER
DATE = ColumnKind.DATE


def _band_column(
    figures: Sequence[Mapping[str, Any] | None],
) -> tuple[list[Column], list[list[Value]]]:
    """A text column for shares published only as a range ("75% or more"), when any figure has a band."""
    bands = [band_words(f) for f in figures]
    if not any(bands):
        return [], [[] for _ in figures]
    return [Column("Share published as a range")], [[band or NOT_APPLICABLE] for band in bands]


def grades(b: Builder) -> None:
    doc = b.doc
    grades = doc.get("grades") or {}
    figures = [*grades.values(), doc.get("requires_improvement_or_inadequate")]
    names = [*(b.grade_labels[c] for c in grades), "Requires improvement or inadequate"]
    band_cols, bands = _band_column(figures)
    rows = [
        [name, *_interval_cells(b, fig), *band]
        for name, fig, band in zip(names, figures, bands, strict=True)
        if fig is not None
    ]
    b.add(
        "Overall_grades",
        "Final overall grade of each graded case, with 95% intervals",
        [Column("Grade"), *INTERVAL_COLUMNS, *band_cols],
        rows,
        (
            f"{number(doc['reviews'])} cases were reviewed."
            if is_number(doc.get("reviews"))
            else "",
        ),
        notes=("shares",),
    )
    weighted = doc.get("design_weighted")
    sample = doc.get("sample") or {}
    if weighted is None and doc.get("published") and sample.get("proportional") is False:
        weighted = {}
    if weighted is not None:
        b.add(
            "Design_weighted_estimate",
            "Requires improvement or inadequate, weighted to the register by the sample's design",
            [
                Column("Estimate"),
                Column("Share", PERCENT),
                Column("Lower limit of the 95% interval", PERCENT),
                Column("Upper limit of the 95% interval", PERCENT),
                Column("Effective sample size", NUMBER, 0),
                Column("Frame cases covered", COUNT),
                Column("Frame cases", COUNT),
                Column("Strata with no graded case", COUNT),
                Column("Coverage"),
            ],
            [
                [
                    "Requires improvement or inadequate",
                    b.v.share(at(weighted, "share")),
                    b.v.share(at(weighted, "ci_low")),
                    b.v.share(at(weighted, "ci_high")),
                    # A census (every frame case sampled) has no sampling error: no effective size.
                    NOT_APPLICABLE
                    if weighted.get("effective_n") is None and is_number(weighted.get("share"))
                    else b.v.figure(at(weighted, "effective_n"), 0),
                    b.v.count(at(weighted, "covered_frame")),
                    b.v.count(at(weighted, "frame")),
                    b.v.count(at(weighted, "strata_ungraded")),
                    text(weighted.get("coverage")),
                ]
            ],
            notes=("design",),  # its interval is the design's (the shares note's is not)
        )


def _comparison_row(b: Builder, figure: str, c: Mapping[str, Any]) -> list[Value]:
    hidden = bool(c.get("suppressed"))

    def count(key: str) -> Value:
        return HIDDEN if hidden and key not in c else b.v.count(at(c, key))

    def share(key: str) -> Value:
        return HIDDEN if hidden and key not in c else b.v.share(at(c, key))

    return [
        figure,
        text(c.get("against")),
        words(Kind.STAGE, c["kind"]) if c.get("kind") else NOT_AVAILABLE,
        to_date(c.get("period_end")),
        count("count_then"),
        count("total_then"),
        share("share_then"),
        count("count_now"),
        count("total_now"),
        share("share_now"),
        text(c.get("test"), HIDDEN if hidden else NOT_AVAILABLE),
        HIDDEN if hidden and "p_value" not in c else b.v.p_value(at(c, "p_value")),
        # "Headline", "Exploratory": as the tests-run table writes a family
        str(c["family"]).capitalize() if c.get("family") else HIDDEN if hidden else NOT_AVAILABLE,
        text(c.get("adjustment"), HIDDEN if hidden else NOT_AVAILABLE),
        count("family_tests"),
        HIDDEN
        if hidden and "adjusted_p_value" not in c
        else b.v.p_value(at(c, "adjusted_p_value")),
        text(c.get("direction"), HIDDEN if hidden else NOT_AVAILABLE),
    ]


def comparisons(b: Builder) -> None:
    doc = b.doc
    rows = [_comparison_row(b, "All graded cases", c) for c in doc.get("comparisons") or []]
    for key, name, what in (("by_category", "category", "Category"), ("by_unit", "unit", "Unit")):
        for row in doc.get(key) or []:
            label = words(Kind.CATEGORY, row[name]) if name == "category" else str(row[name])
            rows += [
                _comparison_row(b, f"{what}: {label}", c) for c in row.get("comparisons") or []
            ]
    for w in doc.get("weaknesses") or []:
        label = f"Weakness {w.get('code', '')}: {w.get('title', '')}".strip(": ")
        rows += [_comparison_row(b, label, c) for c in w.get("recurrence") or []]
    # Two tables of the same comparisons, in the same order: the figures, then the tests (one table of
    # seventeen columns would be too wide to read or print).
    b.add(
        "Comparisons",
        "Requires improvement or inadequate (or a weakness) then and now",
        [
            Column("Figure"),
            Column("Compared with"),
            Column("Kind of result"),
            Column("Period to", DATE),
            Column("Cases then", COUNT),
            Column("Graded cases then", COUNT),
            Column("Share then", PERCENT),
            Column("Cases now", COUNT),
            Column("Graded cases now", COUNT),
            Column("Share now", PERCENT),
        ],
        [row[:10] for row in rows],
        notes=("shares",),
    )
    b.add(
        "Comparison_tests",
        "The test of each comparison, and whether it found a change",
        [
            Column("Figure"),
            Column("Compared with"),
            Column("Test"),
            Column("p value", NUMBER, 3),
            Column("Family of tests"),
            Column("Adjustment"),
            Column("Tests in the family", COUNT),
            Column("Adjusted p value", NUMBER, 3),
            Column("Direction"),
        ],
        [row[:2] + row[10:] for row in rows],
        notes=("tests",),
    )


def trend(b: Builder) -> None:
    points = b.doc.get("trend") or []
    band_cols, bands = _band_column(points)
    # Which points are design-weighted (a disproportionate sample's "now"): said when any is.
    estimated = any("estimate" in p for p in points)
    estimate_cols = [Column("Estimate")] if estimated else []
    b.add(
        "Trend",
        "Requires improvement or inadequate over time",
        [
            Column("Result"),
            Column("Kind of result"),
            Column("Period to", DATE),
            Column("This inspection"),
            *estimate_cols,
            *INTERVAL_COLUMNS,
            *band_cols,
        ],
        (
            [
                text(p.get("label")),
                words(Kind.STAGE, p["kind"]) if p.get("kind") else NOT_AVAILABLE,
                to_date(p.get("period_end")),
                "Yes" if p.get("now") else "No",
                *(
                    [
                        "Design-weighted share"
                        if p.get("estimate") == "design-weighted"
                        else text(p.get("estimate"), "Unweighted share")
                    ]
                    if estimated
                    else []
                ),
                *_interval_cells(b, p),
                *band,
            ]
            for p, band in zip(points, bands, strict=True)
        ),
        notes=("shares", *(("design",) if estimated else ())),
    )


def _outside(point: Mapping[str, Any]) -> Value:
    """Whether a point is outside its limits, as the page's ``p_chart_signal`` says: "Above", "Below" or
    "No" (in ``domain.control`` a null ``outside`` is a point inside its limits); [c] for a hidden point,
    [z] for one with no figure (no limits to be outside)."""
    if point.get("suppressed"):
        return HIDDEN
    if not is_number(point.get("share")):
        return NOT_APPLICABLE
    outside = point.get("outside")
    return str(outside).capitalize() if outside else "No"


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
        f"Centre line: {100 * percent(centre):.1f}% ({chart.get('centre_from', '')})."
        if is_number(centre)
        else "Centre line: none (no earlier result has figures).",
        f"Limits: {chart.get('sigma', 3)} standard errors either side of the centre.",
    ]
    effective = _effective(b.doc, chart)
    if effective:
        counts = [Column("Effective cases", NUMBER, 1), Column("Effective graded cases", NUMBER, 1)]
    else:
        counts = [Column("Cases", COUNT), Column("Graded cases", COUNT)]
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
                words(Kind.STAGE, p["kind"]) if p.get("kind") else NOT_AVAILABLE,
                to_date(p.get("period_end")),
                "Yes" if p.get("in_centre") else "No",
                *numbers,
                HIDDEN if hidden else b.v.share(at(p, "share"), empty=empty),
                HIDDEN if hidden else b.v.share(at(p, "lower"), empty=empty),
                HIDDEN if hidden else b.v.share(at(p, "upper"), empty=empty),
                _outside(p),
                ", ".join(r.replace("_", " ") for r in p.get("rules") or []) or "No signal",
            ]
        )
    b.add(
        "Control_chart",
        "Control chart (p-chart) of requires improvement or inadequate",
        [
            Column("Result"),
            Column("Kind of result"),
            Column("Period to", DATE),
            Column("In the centre line"),
            *counts,
            Column("Share", PERCENT),
            Column("Lower limit", PERCENT),
            Column("Upper limit", PERCENT),
            Column("Outside its limits"),
            Column("Signals"),
        ],
        rows,
        description,
        notes=("control", *(("effective",) if effective else ())),
    )
    signals = chart.get("signals") or []
    b.add(
        "Control_chart_signals",
        "Signals on the control chart",
        [Column("Signal"), Column("Direction"), Column("Points"), Column("In words")],
        (
            [
                text(s.get("rule")).replace("_", " "),
                text(s.get("direction")),
                ", ".join(s.get("points") or []) or NOT_APPLICABLE,
                text(s.get("words")),
            ]
            for s in signals
        ),
        notes=("control",),
    )


def breakdowns(b: Builder) -> None:
    codes = list(b.grade_labels)
    for key, name, heading, sheet in (
        ("by_category", "category", "Category", "By_category"),
        ("by_unit", "unit", "Unit", "By_unit"),
    ):
        rows_in = b.doc.get(key) or []
        with_grades = any(r.get("grades") for r in rows_in)
        grade_cols = (
            [Column(f"{b.grade_labels[c]}: cases", COUNT) for c in codes]
            if with_grades
            else [Column(f"{next(iter(b.grade_labels.values()), 'Good')}: cases", COUNT)]
        )
        weighted_cols, weighted, weighted_notes = _weighted(b, rows_in)
        rows = []
        for r, design in zip(rows_in, weighted, strict=True):
            label = words(Kind.CATEGORY, r[name]) if name == "category" else str(r[name])
            grades = r.get("grades") or {}
            counts = (
                [b.v.count((grades.get(c) or {}).get("count")) for c in codes]
                if with_grades
                else [b.v.count(at(r, "good"))]
            )
            last = (r.get("comparisons") or [None])[-1]
            if last is None:
                against = NOT_APPLICABLE
            elif last.get("suppressed"):
                against = (
                    f"{last.get('against')}: {last['direction']} (the figures are hidden)"
                    if last.get("direction")
                    else HIDDEN
                )
            else:
                against = f"{last.get('against')}: {last.get('wording') or last.get('direction')}"
            rows.append(
                [
                    label,
                    b.v.count(at(r, "reviews")),
                    *counts,
                    *_interval_cells(b, r.get("requires_improvement_or_inadequate")),
                    *design,
                    against,
                ]
            )
        b.add(
            sheet,
            f"Requires improvement or inadequate by {name}",
            [
                Column(heading),
                Column("Cases reviewed", COUNT),
                *grade_cols,
                Column("Requires improvement or inadequate: cases", COUNT),
                Column("Graded cases", COUNT),
                Column("Share", PERCENT),
                Column("Lower limit of the 95% interval", PERCENT),
                Column("Upper limit of the 95% interval", PERCENT),
                *weighted_cols,
                Column("Against the last result"),
            ],
            rows,
            notes=("shares", *weighted_notes, "tests"),
        )


def areas_and_weaknesses(b: Builder) -> None:
    areas = b.doc.get("areas") or []
    codes = list(b.grade_labels) or sorted({c for a in areas for c in a.get("grades", {})})
    b.add(
        "Grades_by_area",
        "Grades by area of practice",
        [
            Column("Area"),
            *(Column(b.grade_labels.get(c, c), COUNT) for c in codes),
            Column("Not applicable", COUNT),
            Column("Not graded", COUNT),
        ],
        (
            [
                text(a.get("title") or a.get("area")),
                *(b.v.count((a.get("grades") or {}).get(c)) for c in codes),
                b.v.count(at(a, "not_applicable")),
                b.v.count(at(a, "not_graded")),
            ]
            for a in areas
        ),
    )
    listed = b.doc.get("weaknesses") or []
    weighted_cols, weighted, weighted_notes = _weighted(b, listed)
    rows = []
    for w, design in zip(listed, weighted, strict=True):
        recurring = w.get("recurring")
        if recurring is None:
            status = NOT_APPLICABLE
        elif recurring:
            status = "Yes"
        elif w.get("count") == 0:
            status = "No longer found"
        elif w.get("recorded_at_baseline") is False:
            status = "Not recorded at baseline"
        else:
            status = "New"
        rows.append(
            [text(w.get("code")), text(w.get("title")), *_interval_cells(b, w), *design, status]
        )
    baseline = b.doc.get("weakness_baseline")
    b.add(
        "Weaknesses",
        f"Cases with each weakness{_weakness_order(listed)}",
        [
            Column("Code"),
            Column("Weakness"),
            *INTERVAL_COLUMNS,
            *weighted_cols,
            Column(f"Recurring (against {baseline})" if baseline else "Recurring"),
        ],
        rows,
        notes=("shares", *weighted_notes),
    )


def _weakness_order(listed: Sequence[Mapping[str, Any]]) -> str:
    """The order the document lists its weaknesses in, in words: a full report's is most frequent first
    (then by code), a published one's by code (so that the order tells nothing of a hidden count)."""
    codes = [str(w.get("code") or "") for w in listed]
    counts = [w.get("count") for w in listed]
    keys = [(-c, k) for c, k in zip(counts, codes, strict=True) if is_number(c)]
    if len(listed) > 1 and len(keys) == len(listed) and keys == sorted(keys):
        return ", most frequent first"
    if codes == sorted(codes):
        return ", in order of code"
    return ""
