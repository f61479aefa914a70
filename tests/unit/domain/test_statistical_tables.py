"""The statistical spreadsheet's one description (``domain.statistical_workbook``): what each table holds.

Reports are built from synthetic cases (``domain.report.build_report``), then published
(``domain.publication.published``) or previewed.  The checks follow the Analysis Function's checklist for
releasing statistics in spreadsheets: numbers are numbers, hidden values are [c], no empty cell, notes
referred to as "[note N]" and every note referred to, sheet names unique and at most 31 characters.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casereview.domain.agreement import AreaAgreement, PairAgreement
from casereview.domain.links import LinkRules
from casereview.domain.publication import as_preview, published
from casereview.domain.report import GradedCase, HistoryPoint, SendBackFact, build_report
from casereview.domain.statistical_tables import (
    CONTACT,
    DESCRIPTION_WIDTH,
    HIDDEN,
    MIN_DESCRIPTION,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    SHORTHAND,
    ColumnKind,
    Table,
    Values,
    Workbook,
    at,
    contents_table,
    is_number,
    notes_table,
    percent,
    sheet_name,
)
from casereview.domain.statistical_words import WEIGHTED_COLUMNS
from casereview.domain.statistical_workbook import workbook

GRADES = [
    ("good", "Good"),
    ("requires_improvement", "Requires improvement"),
    ("inadequate", "Inadequate"),
]
NUMERIC = {ColumnKind.COUNT, ColumnKind.PERCENT, ColumnKind.NUMBER}


def cases(
    n: int,
    grade: str,
    category: str = "missing_child",
    unit: str = "North",
    weaknesses: frozenset[str] = frozenset(),
) -> list[GradedCase]:
    return [
        GradedCase(
            f"{category}-{grade}-{unit}-{i}", "t", category, unit, grade, {"a": grade}, weaknesses
        )
        for i in range(n)
    ]


def full_report(small: int = 2) -> dict[str, Any]:
    graded = (
        cases(20, "good", weaknesses=frozenset({"W01"}))
        + cases(30, "requires_improvement", unit="South")
        + cases(25, "inadequate", weaknesses=frozenset({"W01", "W15"}))
        + cases(small, "inadequate", "neglect", unit="East", weaknesses=frozenset({"W09"}))
        + cases(3, "good", "neglect", unit="East")
    )
    team = PairAgreement(("team", ""), 24, 0.875, 0.62, 0.71, (0.3, 0.9), (0.4, 0.95), 0.8)
    return build_report(
        inspection={
            "id": 7,
            "name": "Q1 2024",
            "body": "SYN",
            "body_name": "Synthetic Constabulary",
            "framework": "child-protection/1",
            "period": ["2024-01-01", "2024-03-31"],
            "register_sha256": "ab" * 32,
        },
        grades=GRADES,
        areas=[("a", "Area")],
        cases=graded,
        sample={
            "drawn_in_casereview": True,
            "algorithm": "sha256-rank",
            "frame_size": 903,
            "plan": {"allocation": "proportional", "size": len(graded)},
            "strata": [
                {"label": "s", "frame_size": 3, "sampled": 3},
                {"label": "t", "frame_size": 900, "sampled": len(graded) - 3},
            ],
            "proportional": True,
            "replacements": [{"case_ref": "R1", "replaced_by": "R2", "reason": "moved away"}],
        },
        history=[
            HistoryPoint("Pilot", "2023-03-31", "baseline", 2, 6, weaknesses={"W01": 3}),
            HistoryPoint(
                "Q4 2023", "2023-12-31", "inspection", 40, 70, by_category={"neglect": (1, 3)}
            ),
        ],
        send_backs=[SendBackFact("urgent", "open", True, None)] * 3
        + [SendBackFact("routine", "closed", False, 4.0)] * 9,
        agreement=[team, PairAgreement(("ann", "bob"), 24, 0.875, 0.62, 0.71)],
        agreement_by_area=[AreaAgreement("a", "Area", team, 2)],
        weakness_titles={"W01": "Voice of the child", "W09": "Late strategy", "W15": "Links"},
        links={
            "rules": LinkRules(),
            "related": {c.case_ref: {"child": 1} for c in graded[:40]},
            "register": {
                "register_cases": 1200,
                "repeat_missing_children": 3,
                "repeat_missing_cases": 11,
                "place_clusters": 7,
                "place_cluster_cases": 40,
                "suspects_linked_to_several_children": 2,
                "suspect_linked_cases": 9,
            },
            "weakness": "W15",
        },
        volume={
            "quarters": ["2023 Q2", "2023 Q3", "2023 Q4", "2024 Q1"],
            "categories": {"missing_child": [40, 52, 47, 61], "neglect": [3, 9, 12, 2]},
        },
        as_of="2024-04-30",
        software_version="0.9.0",
    ).to_json()


# ---------------------------------------------------------------------------------------------------
# Reading the description


def cells(book: Workbook) -> Iterator[tuple[str, ColumnKind, Any]]:
    for table in book.tables:
        for row in table.rows:
            assert len(row) == len(table.columns), table.sheet
            for column, value in zip(table.columns, row, strict=True):
                yield table.sheet, column.kind, value


def texts(book: Workbook) -> list[str]:
    out = [book.title, *(f"{h} {t}" for h, t in book.cover), *(n.text for n in book.notes)]
    for table in book.tables:
        out += [table.title, *table.description, *(c.heading for c in table.columns)]
        out += [v for row in table.rows for v in row if isinstance(v, str)]
    return out


def leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from leaves(inner, (*path, str(key)))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from leaves(inner, (*path, str(i)))
    else:
        yield path, value


#: Numbers of the JSON that are not figures of the report: ids, and the design-weighted estimate's own strata.
NOT_FIGURES = (("inspection", "id"), ("design_weighted", "strata"))
#: A full report's share of each grade within a category or unit: the report prints its count, not its
#: share (a published document has no such shares).
PER_GRADE_SHARE = re.compile(r"by_(category|unit)/\d+/grades/\w+/(share|ci_low|ci_high)")
#: A row's design-weighted standard error and effective size: what its interval rests on, not printed (as
#: on the page).
ROW_DESIGN = re.compile(
    r"(by_category|by_unit|weaknesses)/\d+/design_weighted/(standard_error|effective_n|strata/.*)"
)


def check(book: Workbook, document: dict[str, Any]) -> None:
    """Every structural promise of the description, and every number of the JSON in it."""
    names = [t.sheet for t in book.tables]
    assert len({n.casefold() for n in names}) == len(names)
    assert all(0 < len(n) <= 31 and not set(n) & set("[]:*?/\\'") for n in names)
    assert {"Cover", "Contents", "Notes"}.isdisjoint(names)
    for sheet, kind, value in cells(book):
        assert value is not None and value != "", sheet
        if kind in NUMERIC:
            assert isinstance(value, int | float) or value in SHORTHAND, (sheet, value)
        if isinstance(value, float):
            assert math.isfinite(value), sheet
        if kind is ColumnKind.PERCENT and isinstance(value, float):
            assert -1 <= value <= 1 and round(value * 1000, 6).is_integer(), (sheet, value)
        if kind is ColumnKind.DATE:
            assert isinstance(value, dt.date) or value in SHORTHAND, sheet
    for table in book.tables:
        assert table.title and table.columns and table.rows
        assert len({c.heading for c in table.columns}) == len(table.columns), table.sheet
        assert all(c.heading for c in table.columns)
    # Notes: every "[note N]" has its note, and every note is referred to by a table's title.
    referred = {int(n) for t in book.tables for n in re.findall(r"\[note (\d+)\]", t.title)}
    assert referred == {n.number for n in book.notes}
    assert [n.number for n in book.notes] == list(range(1, len(book.notes) + 1))
    assert not re.search(r"[*†‡§¶]", " ".join(texts(book)))  # notes are never symbols
    # Each shorthand used is explained by a note the table refers to.
    for table in book.tables:
        used = {v for row in table.rows for v in row if v in SHORTHAND}
        for marker in used:
            numbers = re.findall(r"\[note (\d+)\]", table.title)
            assert any(book.notes[int(n) - 1].text.startswith(marker) for n in numbers), (
                table.sheet,
                marker,
            )
    # Every number of the JSON is in the description: a count as a count, a share as printed.
    ints = {v for _, _, v in cells(book) if isinstance(v, int)}
    floats = [v for _, _, v in cells(book) if isinstance(v, float)]
    words = " ".join(texts(book))
    tokens = set(re.findall(r"\d+(?:\.\d+)?", words.replace(",", "")))
    missing = []
    for path, value in leaves(document):
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        joined = "/".join(path)
        if any(path[: len(p)] == p for p in NOT_FIGURES) or PER_GRADE_SHARE.fullmatch(joined):
            continue
        if ROW_DESIGN.fullmatch(joined):
            continue
        if path[-1] in ("effective_n", "effective_now") and round(value) in ints:
            continue  # an effective sample size printed as a whole number, as the page prints it
        if isinstance(value, int) and (value in ints or str(value) in tokens):
            continue
        if path[-1] == "percent_agreement":  # a percentage in the JSON, a fraction in a spreadsheet
            value = value / 100
        candidates = {
            round(float(f"{100 * value:.1f}") / 100, 6),
            round(value, 1),  # an effective number of cases
            round(value, 2),
            round(value, 3),
        }
        if any(abs(f - c) < 1e-9 for f in floats for c in candidates):
            continue
        if {f"{100 * value:.1f}", f"{100 * value:.0f}", f"{value:g}", str(value)} & tokens:
            continue
        missing.append(("/".join(path), value))
    assert not missing, missing


# ---------------------------------------------------------------------------------------------------
# The tests


def test_a_full_report_is_described_with_every_figure_and_no_marker() -> None:
    document = full_report()
    book = workbook(document)
    check(book, document)
    assert HIDDEN not in {v for _, _, v in cells(book)}
    cover = dict(book.cover)
    assert cover["Status"] == "Full report for the inspection team"
    assert cover["Classification"] == "OFFICIAL-SENSITIVE"
    assert cover["Body"] == "Synthetic Constabulary"
    assert cover["Period"] == "1 January 2024 to 31 March 2024"
    assert cover["Contact"] == CONTACT
    assert cover["Input data digest (SHA-256)"] == document["reproducibility"]["input_sha256"]
    grades = next(t for t in book.tables if t.sheet == "Overall_grades")
    good = next(r for r in grades.rows if r[0] == "Good")
    figure = document["grades"]["good"]
    assert good[1:4] == (figure["count"], figure["total"], round(figure["share"], 3))
    assert book.properties["language"] == "en-GB" and book.properties["creator"] == "casereview"


def test_a_published_report_shows_c_wherever_the_json_hides_and_nothing_else() -> None:
    document = published(full_report())
    book = workbook(document)
    check(book, document)
    values = [v for _, _, v in cells(book)]
    hidden = [p for p, v in leaves(document) if v == HIDDEN and p[:1] != ("design_weighted",)]
    assert hidden and values.count(HIDDEN) >= len(hidden)
    by_category = next(t for t in book.tables if t.sheet == "By_category")
    neglect = next(r for r in by_category.rows if r[0] == "Neglect")
    assert set(neglect[1:8]) == {HIDDEN}  # the small category: every count and figure hidden
    cover = dict(book.cover)
    assert cover["Status"] == "Published 30 April 2024"
    assert document["disclosure"]["rule"] in cover["Disclosure rule"]
    assert cover["Disclosure audit (SHA-256)"] == document["disclosure"]["audit"]["sha256"]
    c_note = next(n for n in book.notes if n.text.startswith("[c]"))
    assert c_note.reference in by_category.title


def test_a_preview_says_so_and_gives_no_audit_digest() -> None:
    document = as_preview(published(full_report()), graded=70, sampled=85)
    book = workbook(document)
    check(book, document)
    cover = dict(book.cover)
    assert cover["Status"] == "Preview – not published"
    assert cover["Classification"] == "OFFICIAL"
    assert "70 of 85 cases graded" in cover["This version"]
    assert "Disclosure audit (SHA-256)" not in cover
    assert "Preview – not published" in book.properties["subject"]


def test_contact_from_the_document_is_used() -> None:
    document = {**published(full_report()), "contact": "statistics@example.gov.uk"}
    assert dict(workbook(document).cover)["Contact"] == "statistics@example.gov.uk"


def test_contents_and_notes_are_tables_of_their_own() -> None:
    book = workbook(published(full_report()))
    contents = contents_table(book)
    assert [row[0] for row in contents.rows] == ["Notes", *(t.sheet for t in book.tables)]
    notes = notes_table(book)
    assert [row[0] for row in notes.rows] == [f"note {n.number}" for n in book.notes]


@pytest.mark.parametrize(
    ("wanted", "taken", "expected"),
    [
        ("Overall grades", [], "Overall_grades"),
        ("A [very] long: name/with*odd?chars that goes on and on", [], None),
        ("Trend", ["trend"], "Trend_2"),
        ("History", [], "History_2"),
    ],
)
def test_sheet_names_are_excel_safe_unique_and_short(
    wanted: str, taken: list[str], expected: str | None
) -> None:
    name = sheet_name(wanted, taken)
    assert len(name) <= 31 and not set(name) & set("[]:*?/\\' ")
    assert name.casefold() not in {t.casefold() for t in taken}
    if expected:
        assert name == expected


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=6), st.booleans())
def test_any_small_count_published_or_not_keeps_every_promise(small: int, publish: bool) -> None:
    document = full_report(small)
    if publish:
        document = published(document)
    check(workbook(document), document)


# ---------------------------------------------------------------------------------------------------
# Cell by cell, each tied to the JSON path it comes from


def table(book: Workbook, sheet: str) -> Table:
    return next(t for t in book.tables if t.sheet == sheet)


def row(found: Table, first: str) -> dict[str, Any]:
    """A table's row (the one whose first cell is ``first``) by column heading."""
    headings = [c.heading for c in found.columns]
    (values,) = [r for r in found.rows if r[0] == first]
    return dict(zip(headings, values, strict=True))


def disproportionate(publish: bool = False) -> dict[str, Any]:
    """A sample drawn out of proportion (issue 21's): design-weighted figures, and a control chart whose
    current point is design-weighted (26.38 effective cases of 76.36)."""
    from tests.unit.domain.test_report_domains import STRATA, report

    document = report({"strata": STRATA, "proportional": False}).to_json()
    return published(document) if publish else document


def test_a_control_chart_says_above_below_or_no_as_the_page_does() -> None:
    # Full: Pilot inside its limits ("outside": null), Q4 2023 and Q1 2024 above them.
    document = full_report()
    points = {p["label"]: p for p in document["control_chart"]["points"]}
    assert points["Pilot"]["outside"] is None and points["Q4 2023"]["outside"] == "above"
    chart = table(workbook(document), "Control_chart")
    assert row(chart, "Pilot")["Outside its limits"] == "No"
    assert row(chart, "Q4 2023")["Outside its limits"] == "Above"
    assert row(chart, "Q1 2024")["Outside its limits"] == "Above"
    assert row(chart, "Q4 2023")["Share"] == percent(points["Q4 2023"]["share"])
    assert row(chart, "Q4 2023")["Upper limit"] == percent(points["Q4 2023"]["upper"])
    # Published: the Pilot is hidden ([c]); the others are inside their limits ("No", not [z]).
    shown = published(document)
    chart = table(workbook(shown), "Control_chart")
    assert row(chart, "Pilot")["Outside its limits"] == HIDDEN
    assert row(chart, "Q4 2023")["Outside its limits"] == "No"
    assert row(chart, "Q1 2024")["Outside its limits"] == "No"
    # Below its limits; and a point with no figure has no limits to be outside ([z]).
    points = shown["control_chart"]["points"]
    points[1] = {**points[1], "outside": "below"}
    points[2] = {**points[2], "share": None, "lower": None, "upper": None, "outside": None}
    chart = table(workbook(shown), "Control_chart")
    assert row(chart, "Q4 2023")["Outside its limits"] == "Below"
    assert row(chart, "Q1 2024")["Outside its limits"] == NOT_APPLICABLE


@pytest.mark.parametrize("publish", [False, True], ids=["full", "published"])
def test_a_design_weighted_control_chart_keeps_its_effective_numbers(publish: bool) -> None:
    document = disproportionate(publish)
    now = next(p for p in document["control_chart"]["points"] if p["now"])
    assert not float(now["count"]).is_integer()  # 26.38 of 76.36
    book = workbook(document)
    check(book, document)
    chart = table(book, "Control_chart")
    kinds = {c.heading: c.kind for c in chart.columns}
    assert kinds["Effective cases"] is ColumnKind.NUMBER and "Cases" not in kinds
    got = row(chart, now["label"])
    assert got["Effective cases"] == round(now["count"], 1) == 26.4
    assert got["Effective graded cases"] == round(now["total"], 1) == 76.4
    effective = next(n for n in book.notes if n.text.startswith("The current point"))
    assert effective.reference in chart.title


def test_a_count_is_never_truncated_and_only_a_marker_is_hidden() -> None:
    values = Values({"published": True})
    assert values.count(12) == 12 and values.count(12.0) == 12
    with pytest.raises(ValueError, match="whole number"):
        values.count(26.38)
    assert values.count(HIDDEN) == HIDDEN and values.count("<5") == HIDDEN
    for wrong in ("estimate for all 3,300 cases", "12"):
        with pytest.raises(ValueError, match="text"):
            values.share(wrong)
    # A null is hidden in a published document; a key it does not have is not available.
    assert values.share(at({"share": None}, "share")) == HIDDEN
    assert values.share(at({}, "share")) == NOT_AVAILABLE
    assert values.share(None, empty=True) == NOT_APPLICABLE
    assert Values({}).share(None) == NOT_AVAILABLE
    assert not is_number(math.inf) and not is_number(math.nan)


@pytest.mark.parametrize("publish", [False, True], ids=["full", "published"])
def test_the_design_weighted_estimate_is_a_row_of_numbers_and_its_coverage_words(
    publish: bool,
) -> None:
    document = disproportionate(publish)
    weighted = document["design_weighted"]
    got = row(
        table(workbook(document), "Design_weighted_estimate"), "Requires improvement or inadequate"
    )
    assert got["Share"] == percent(weighted["share"])
    assert got["Lower limit of the 95% interval"] == percent(weighted["ci_low"])
    assert (
        got["Effective sample size"] == round(weighted["effective_n"]) == 76
    )  # as the page: whole
    assert got["Frame cases"] == weighted["frame"]
    assert got["Coverage"] == weighted["coverage"] == "estimate for all 3,300 cases in the frame"
    # A census has no sampling error: no effective sample size ([z]), never [c].
    census = {**document, "design_weighted": {**weighted, "effective_n": None}}
    got = row(
        table(workbook(census), "Design_weighted_estimate"), "Requires improvement or inadequate"
    )
    assert got["Effective sample size"] == NOT_APPLICABLE


@pytest.mark.parametrize("publish", [False, True], ids=["full", "published"])
def test_breakdowns_weaknesses_and_trend_carry_the_design_weighted_share(publish: bool) -> None:
    document = disproportionate(publish)
    book = workbook(document)
    north_json = document["by_unit"][0]
    north = row(table(book, "By_unit"), "North")
    assert north["Share"] == percent(north_json["requires_improvement_or_inadequate"]["share"])
    assert (
        north["Design-weighted share"] == percent(north_json["design_weighted"]["share"]) == 0.345
    )
    assert north["Design-weighted lower limit"] == percent(north_json["design_weighted"]["ci_low"])
    assert north["Design-weighted upper limit"] == percent(north_json["design_weighted"]["ci_high"])
    design = next(
        n for n in book.notes if "design-weighted" in n.text and n.text.startswith("The sample")
    )
    assert design.reference in table(book, "By_unit").title
    w1_json = next(w for w in document["weaknesses"] if w["code"] == "W1")
    w1 = row(table(book, "Weaknesses"), "W1")
    assert w1["Design-weighted share"] == percent(w1_json["design_weighted"]["share"])
    trend = table(book, "Trend")
    now = next(p for p in document["trend"] if p["now"])
    assert now["estimate"] == "design-weighted"
    assert row(trend, now["label"])["Estimate"] == "Design-weighted share"
    assert row(trend, "Q2 2026")["Estimate"] == "Unweighted share"


def test_a_withheld_design_weighted_share_is_hidden_in_a_published_document() -> None:
    document = disproportionate(True)
    document["by_unit"][0]["design_weighted"] = None  # withheld by the disclosure rule
    north = row(table(workbook(document), "By_unit"), "North")
    assert [north[c.heading] for c in WEIGHTED_COLUMNS] == [HIDDEN] * 3
    proportional = published(full_report())
    assert "Design-weighted share" not in {
        c.heading for c in table(workbook(proportional), "By_unit").columns
    }


def test_agreement_with_its_count_hidden_is_c_and_only_none_is_z() -> None:
    document = published(full_report())
    area = document["agreement"]["by_area"][0]
    assert area["pairs"] is None  # hidden by the disclosure rule, not empty
    book = workbook(document)
    got = row(table(book, "Agreement"), "Area: Area")
    assert got["Cases marked twice"] == HIDDEN and got["Overall grades agreed"] == HIDDEN
    statistics = [r for r in table(book, "Agreement_statistics").rows if r[0] == "Area: Area"]
    assert statistics and {v for r in statistics for v in r[2:]} <= {HIDDEN, NOT_APPLICABLE}
    assert HIDDEN in {r[2] for r in statistics}
    # A group that marked no case twice: its figures do not apply.
    document["agreement"]["by_area"][0] = {**area, "pairs": 0}
    got = row(table(workbook(document), "Agreement"), "Area: Area")
    assert got["Cases marked twice"] == 0 and got["Overall grades agreed"] == NOT_APPLICABLE


def test_gwet_ac1_is_listed_only_when_the_document_has_it() -> None:
    document = full_report()
    labels = {r[1] for r in table(workbook(document), "Agreement_statistics").rows}
    assert "Gwet's AC1" in labels
    older = {
        **document,
        "agreement": {
            k: v for k, v in document["agreement"].items() if not k.startswith("gwet_ac1")
        },
    }
    rows = [r for r in table(workbook(older), "Agreement_statistics").rows if r[0] == "Whole team"]
    assert "Gwet's AC1" not in {r[1] for r in rows}


def test_weaknesses_are_titled_by_the_order_the_document_lists_them_in() -> None:
    document = full_report()
    assert [w["code"] for w in document["weaknesses"]] == ["W01", "W15", "W09"]  # by count
    full = table(workbook(document), "Weaknesses")
    assert full.title.startswith("Cases with each weakness, most frequent first")
    assert [r[0] for r in full.rows] == ["W01", "W15", "W09"]
    shown = published(document)
    assert [w["code"] for w in shown["weaknesses"]] == ["W01", "W09", "W15"]  # by code
    titled = table(workbook(shown), "Weaknesses").title
    assert titled.startswith("Cases with each weakness, in order of code")
    assert "most frequent" not in titled


def test_link_rules_keep_their_numbers_as_numbers() -> None:
    document = full_report()
    rules = document["links"]["rules"]
    found = table(workbook(document), "Link_rules")
    kinds = {c.heading: c.kind for c in found.columns}
    assert kinds["Number"] is ColumnKind.COUNT
    days = row(found, "Repeat missing days")
    assert (
        days["Number"] == rules["repeat_missing_days"] == 90
        and days["Categories"] == NOT_APPLICABLE
    )
    places = row(found, "Place categories")
    assert places["Number"] == NOT_APPLICABLE
    assert (
        places["Categories"]
        == "Child sexual exploitation, Child criminal exploitation, Missing child"
    )


def test_note_references_ascend_and_families_are_capitalised_alike() -> None:
    book = workbook(published(full_report()))
    for found in book.tables:
        numbers = [int(n) for n in re.findall(r"\[note (\d+)\]", found.title)]
        assert numbers == sorted(numbers), found.title
    families = {r[4] for r in table(book, "Comparison_tests").rows} - set(SHORTHAND)
    tested = {r[0] for r in table(book, "Tests_run").rows}
    assert families and families <= tested and all(f[:1].isupper() for f in families)


def test_the_cover_says_where_the_figures_come_from() -> None:
    cover = dict(workbook(full_report()).cover)
    assert cover["Source"].startswith(
        "The inspection's case reviews: a sample of Synthetic Constabulary's"
    )
    assert list(cover)[:5] == ["Classification", "Body", "Inspection", "Period", "Status"]


def test_long_description_lines_are_split_across_rows_at_about_the_table_s_width() -> None:
    document = full_report()
    book = workbook(document)
    for found in book.tables:
        assert all(len(line) <= DESCRIPTION_WIDTH for line in found.description), found.sheet
    # A two-column table's long sentence: split at about its width, every word kept in order.
    tests_run = table(book, "Tests_run")
    words = document["multiplicity"]["words"]
    assert len(words) > MIN_DESCRIPTION
    lines = tests_run.description[1:]
    assert len(lines) > 1 and " ".join(lines) == " ".join(words.split())
    assert max(len(line) for line in lines) < len(words)


def test_a_breakdown_without_grades_names_its_count_by_the_framework_s_first_grade() -> None:
    document = published(full_report())
    assert "grades" not in document["by_category"][0]  # a published row counts its first grade only
    first = next(iter(document["grades"]))
    document["grades"][first] = {**document["grades"][first], "label": "Outstanding"}
    headings = [c.heading for c in table(workbook(document), "By_category").columns]
    assert "Outstanding: cases" in headings and "Good: cases" not in headings


def test_a_design_weighted_current_point_is_known_by_its_trend_even_with_whole_numbers() -> None:
    document = disproportionate(True)
    assert "current_estimate" not in document["control_chart"]  # a published chart drops it
    now = next(p for p in document["control_chart"]["points"] if p["now"])
    now.update(count=26.0, total=76.0)
    chart = table(workbook(document), "Control_chart")
    assert {"Effective cases", "Effective graded cases"} <= {c.heading for c in chart.columns}
    assert row(chart, now["label"])["Effective cases"] == 26.0
    # A proportional sample's chart keeps counts.
    plain = table(workbook(published(full_report())), "Control_chart")
    assert {c.heading: c.kind for c in plain.columns}["Cases"] is ColumnKind.COUNT
