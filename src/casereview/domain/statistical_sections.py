"""The statistical spreadsheet's tables of figures: grades, breakdowns, comparisons, trend, areas and
weaknesses (``statistical_tables`` describes a table; ``statistical_workbook`` puts them together; the
control chart's are ``statistical_control``, their words ``statistical_words``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from casereview.domain.language import (
    Phrase,
    gettext_lazy,
    ngettext_lazy,
    say,
    say_word,
)
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
    text,
    to_date,
    yes_no,
)
from casereview.domain.statistical_words import (
    ADJUSTMENT,
    CASES_REVIEWED,
    COMPARED_WITH,
    DIRECTION,
    FAMILY_OF_TESTS,
    FAMILY_WORDS,
    GRADED_NOW,
    GRADED_THEN,
    KIND_OF_RESULT,
    LOWER_95,
    PERIOD_TO,
    RESULT,
    RI_OR_INADEQUATE,
    SHARE_THEN,
    TESTS_IN_FAMILY,
    UPPER_95,
    WEIGHTED_COLUMNS,
    in_words,
    interval_columns,
    limit_95,
    result_kind,
    said,
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
    return in_words(WEIGHTED_COLUMNS), cells, ("design",)


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
    return [Column(say(gettext_lazy("Share published as a range")))], [
        [band or NOT_APPLICABLE] for band in bands
    ]


def grades(b: Builder) -> None:
    doc = b.doc
    grades = doc.get("grades") or {}
    figures = [*grades.values(), doc.get("requires_improvement_or_inadequate")]
    names = [*(b.grade_labels[c] for c in grades), say_word(RI_OR_INADEQUATE)]
    band_cols, bands = _band_column(figures)
    rows = [
        [name, *_interval_cells(b, fig), *band]
        for name, fig, band in zip(names, figures, bands, strict=True)
        if fig is not None
    ]
    b.add(
        gettext_lazy("Overall grades"),
        say(
            gettext_lazy(
                "Final overall grade of each graded case, with %(level)s intervals", level="95%"
            )
        ),
        [Column(say(gettext_lazy("Grade"))), *interval_columns(), *band_cols],
        rows,
        (
            say(
                ngettext_lazy(
                    "%(n)s case was reviewed.",
                    "%(n)s cases were reviewed.",
                    int(doc["reviews"]),
                    n=number(doc["reviews"]),
                )
            )
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
            gettext_lazy("Design weighted estimate"),
            say(
                gettext_lazy(
                    "Requires improvement or inadequate, weighted to the register by the sample's design"
                )
            ),
            [
                Column(say(gettext_lazy("Estimate"))),
                Column(say_word("Share"), PERCENT),
                Column(limit_95(LOWER_95), PERCENT),
                Column(limit_95(UPPER_95), PERCENT),
                Column(say(gettext_lazy("Effective sample size")), NUMBER, 0),
                Column(say(gettext_lazy("Frame cases covered")), COUNT),
                Column(say(gettext_lazy("Frame cases")), COUNT),
                Column(say(gettext_lazy("Strata with no graded case")), COUNT),
                Column(say(gettext_lazy("Coverage"))),
            ],
            [
                [
                    say_word(RI_OR_INADEQUATE),
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
        result_kind(c.get("kind")),
        to_date(c.get("period_end")),
        count("count_then"),
        count("total_then"),
        share("share_then"),
        count("count_now"),
        count("total_now"),
        share("share_now"),
        words(Kind.TEST, c["test"], say_word)
        if c.get("test")
        else HIDDEN
        if hidden
        else NOT_AVAILABLE,
        HIDDEN if hidden and "p_value" not in c else b.v.p_value(at(c, "p_value")),
        # "Headline", "Exploratory": as the tests-run table writes a family
        (
            say_word(FAMILY_WORDS[c["family"]])
            if c["family"] in FAMILY_WORDS
            else str(c["family"]).capitalize()
        )
        if c.get("family")
        else HIDDEN
        if hidden
        else NOT_AVAILABLE,
        text(c.get("adjustment"), HIDDEN if hidden else NOT_AVAILABLE),
        count("family_tests"),
        HIDDEN
        if hidden and "adjusted_p_value" not in c
        else b.v.p_value(at(c, "adjusted_p_value")),
        words(Kind.DIRECTION, c["direction"], say_word)
        if c.get("direction")
        else HIDDEN
        if hidden
        else NOT_AVAILABLE,
    ]


def comparisons(b: Builder) -> None:
    doc = b.doc
    every = say(gettext_lazy("All graded cases"))
    rows = [_comparison_row(b, every, c) for c in doc.get("comparisons") or []]
    for key, name in (("by_category", "category"), ("by_unit", "unit")):
        for row in doc.get(key) or []:
            if name == "category":
                label = say(
                    gettext_lazy(
                        "Category: %(name)s", name=words(Kind.CATEGORY, row[name], say_word)
                    )
                )
            else:
                label = say(gettext_lazy("Unit: %(name)s", name=str(row[name])))
            rows += [_comparison_row(b, label, c) for c in row.get("comparisons") or []]
    for w in doc.get("weaknesses") or []:
        label = say(
            gettext_lazy(
                "Weakness %(code)s: %(title)s", code=w.get("code", ""), title=w.get("title", "")
            )
        ).strip(": ")
        rows += [_comparison_row(b, label, c) for c in w.get("recurrence") or []]
    # Two tables of the same comparisons, in the same order: the figures, then the tests (one table of
    # seventeen columns would be too wide to read or print).
    figure, against = Column(say(gettext_lazy("Figure"))), Column(said(COMPARED_WITH))
    b.add(
        gettext_lazy("Comparisons"),
        say(gettext_lazy("Requires improvement or inadequate (or a weakness) then and now")),
        [
            figure,
            against,
            Column(said(KIND_OF_RESULT)),
            Column(said(PERIOD_TO), DATE),
            Column(say(gettext_lazy("Cases then")), COUNT),
            Column(said(GRADED_THEN), COUNT),
            Column(said(SHARE_THEN), PERCENT),
            Column(say(gettext_lazy("Cases now")), COUNT),
            Column(said(GRADED_NOW), COUNT),
            Column(say(gettext_lazy("Share now")), PERCENT),
        ],
        [row[:10] for row in rows],
        notes=("shares",),
    )
    b.add(
        gettext_lazy("Comparison tests"),
        say(gettext_lazy("The test of each comparison, and whether it found a change")),
        [
            figure,
            against,
            Column(say(gettext_lazy("Test"))),
            Column(say(gettext_lazy("p value")), NUMBER, 3),
            Column(said(FAMILY_OF_TESTS)),
            Column(said(ADJUSTMENT)),
            Column(said(TESTS_IN_FAMILY), COUNT),
            Column(say(gettext_lazy("Adjusted p value")), NUMBER, 3),
            Column(said(DIRECTION)),
        ],
        [row[:2] + row[10:] for row in rows],
        notes=("tests",),
    )


def trend(b: Builder) -> None:
    points = b.doc.get("trend") or []
    band_cols, bands = _band_column(points)
    # Which points are design-weighted (a disproportionate sample's "now"): said when any is.
    estimated = any("estimate" in p for p in points)
    estimate_cols = [Column(say(gettext_lazy("Estimate")))] if estimated else []
    b.add(
        gettext_lazy("Trend"),
        say(gettext_lazy("Requires improvement or inadequate over time")),
        [
            Column(said(RESULT)),
            Column(said(KIND_OF_RESULT)),
            Column(said(PERIOD_TO), DATE),
            Column(say(gettext_lazy("This inspection"))),
            *estimate_cols,
            *interval_columns(),
            *band_cols,
        ],
        (
            [
                text(p.get("label")),
                result_kind(p.get("kind")),
                to_date(p.get("period_end")),
                yes_no(p.get("now")),
                *(
                    [
                        say_word(WEIGHTED_COLUMNS[0].heading)
                        if p.get("estimate") == "design-weighted"
                        else text(p.get("estimate"), say(gettext_lazy("Unweighted share")))
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


def breakdowns(b: Builder) -> None:
    codes = list(b.grade_labels)
    for key, name, heading, sheet, title in (
        (
            "by_category",
            "category",
            gettext_lazy("Category"),
            gettext_lazy("By category"),
            gettext_lazy("Requires improvement or inadequate by category"),
        ),
        (
            "by_unit",
            "unit",
            gettext_lazy("Unit"),
            gettext_lazy("By unit"),
            gettext_lazy("Requires improvement or inadequate by unit"),
        ),
    ):
        rows_in = b.doc.get(key) or []
        with_grades = any(r.get("grades") for r in rows_in)
        grade_cols = (
            [Column(_grade_cases(b.grade_labels[c]), COUNT) for c in codes]
            if with_grades
            else [
                Column(
                    _grade_cases(
                        next(iter(b.grade_labels.values()), None) or say(gettext_lazy("Good"))
                    ),
                    COUNT,
                )
            ]
        )
        weighted_cols, weighted, weighted_notes = _weighted(b, rows_in)
        rows = []
        for r, design in zip(rows_in, weighted, strict=True):
            label = words(Kind.CATEGORY, r[name], say_word) if name == "category" else str(r[name])
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
                    say(
                        gettext_lazy(
                            "%(against)s: %(direction)s (the figures are hidden)",
                            against=last.get("against"),
                            direction=words(Kind.DIRECTION, last["direction"], say_word),
                        )
                    )
                    if last.get("direction")
                    else HIDDEN
                )
            else:
                result = last.get("wording") or (
                    words(Kind.DIRECTION, last["direction"], say_word)
                    if last.get("direction")
                    else last.get("direction")
                )
                against = f"{last.get('against')}: {result}"
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
            say(title),
            [
                Column(say(heading)),
                Column(say_word(CASES_REVIEWED), COUNT),
                *grade_cols,
                Column(_grade_cases(say_word(RI_OR_INADEQUATE)), COUNT),
                *interval_columns()[1:],
                *weighted_cols,
                Column(say(gettext_lazy("Against the last result"))),
            ],
            rows,
            notes=("shares", *weighted_notes, "tests"),
        )


def _grade_cases(grade: str) -> str:
    """ "Good: cases": the heading of a column counting the cases of a grade (already in words)."""
    return say(gettext_lazy("%(grade)s: cases", grade=grade))


def areas_and_weaknesses(b: Builder) -> None:
    areas = b.doc.get("areas") or []
    codes = list(b.grade_labels) or sorted({c for a in areas for c in a.get("grades", {})})
    b.add(
        gettext_lazy("Grades by area"),
        say(gettext_lazy("Grades by area of practice")),
        [
            Column(say(gettext_lazy("Area"))),
            *(Column(b.grade_labels.get(c, c), COUNT) for c in codes),
            Column(say(gettext_lazy("Not applicable")), COUNT),
            Column(say(gettext_lazy("Not graded")), COUNT),
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
            status = yes_no(True)
        elif w.get("count") == 0:
            status = say(gettext_lazy("No longer found"))
        elif w.get("recorded_at_baseline") is False:
            status = say(gettext_lazy("Not recorded at baseline"))
        else:
            status = say(gettext_lazy("New"))
        rows.append(
            [text(w.get("code")), text(w.get("title")), *_interval_cells(b, w), *design, status]
        )
    baseline = b.doc.get("weakness_baseline")
    b.add(
        gettext_lazy("Weaknesses"),
        say(_weakness_title(listed)),
        [
            Column(say(gettext_lazy("Code"))),
            Column(say(gettext_lazy("Weakness"))),
            *interval_columns(),
            *weighted_cols,
            Column(
                say(gettext_lazy("Recurring (against %(baseline)s)", baseline=baseline))
                if baseline
                else say(gettext_lazy("Recurring"))
            ),
        ],
        rows,
        notes=("shares", *weighted_notes),
    )


def _weakness_title(listed: Sequence[Mapping[str, Any]]) -> Phrase:
    """The weaknesses table's title, with the order the document lists them in: a full report's is most
    frequent first (then by code), a published one's by code (so that the order tells nothing of a hidden
    count)."""
    codes = [str(w.get("code") or "") for w in listed]
    counts = [w.get("count") for w in listed]
    keys = [(-c, k) for c, k in zip(counts, codes, strict=True) if is_number(c)]
    if len(listed) > 1 and len(keys) == len(listed) and keys == sorted(keys):
        return gettext_lazy("Cases with each weakness, most frequent first")
    if codes == sorted(codes):
        return gettext_lazy("Cases with each weakness, in order of code")
    return gettext_lazy("Cases with each weakness")
