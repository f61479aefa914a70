"""The published report: no count from 1 to 4 shown or derivable from a line with a published total."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from casereview.domain.publication import published
from casereview.domain.report import GradedCase, HistoryPoint, build_report

GRADES = [
    ("good", "Good"),
    ("requires_improvement", "Requires improvement"),
    ("inadequate", "Inadequate"),
]


def report_of(cases: list[GradedCase], **over: object) -> dict:  # type: ignore[type-arg]
    args: dict[str, object] = {
        "inspection": {
            "id": 1,
            "name": "Q",
            "period": ["2024-01-01", "2024-03-31"],
            "register_sha256": "ab" * 32,
        },
        "grades": GRADES,
        "areas": [("a", "Area")],
        "cases": cases,
        "sample": {
            "strata": [
                {"label": "s", "frame_size": 3, "sampled": 3},
                {"label": "t", "frame_size": 900, "sampled": 60},
            ],
            "proportional": True,
            "replacements": [{"case_ref": "R1", "replaced_by": "R2", "reason": "moved away"}],
        },
    }
    args.update(over)
    return build_report(**args).to_json()  # type: ignore[arg-type]


def many(
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


def shown(value: object) -> bool:
    return isinstance(value, int)


def test_small_counts_show_as_under_five_and_their_complements_as_c() -> None:
    cases = (
        many(20, "good")
        + many(30, "requires_improvement")
        + many(25, "inadequate")
        + many(2, "inadequate", "neglect")
    )
    out = published(report_of(cases))
    neglect = next(r for r in out["by_category"] if r["category"] == "neglect")
    assert neglect["requires_improvement_or_inadequate"]["count"] == "[c]"
    assert neglect["requires_improvement_or_inadequate"]["share"] is None
    missing = next(r for r in out["by_category"] if r["category"] == "missing_child")
    # neglect's good is 0, so the column of requires-improvement-or-inadequate needs a complement.
    assert missing["requires_improvement_or_inadequate"]["count"] == "[c]"
    assert out["grades"]["good"]["count"] == 20  # the overall table has no small count


def test_nothing_that_names_a_case_or_a_person_is_published() -> None:
    from casereview.domain.agreement import PairAgreement

    cases = many(40, "good") + many(40, "inadequate")
    full = report_of(
        cases,
        agreement=[
            PairAgreement(("team", ""), 9, 0.8, 0.6, 0.7),
            PairAgreement(("ann", "bob"), 9, 0.8, 0.6, 0.7),
        ],
    )
    out = published(full)
    text = json.dumps(out)
    for secret in ("R1", "R2", "moved away", "ann", "bob", "ab" * 32, "missing_child-good"):
        assert secret not in text, secret
    assert (
        out["sample"]["replacements"] == "[c]" and out["published"] is True
    )  # one replacement: small
    assert out["sample"]["strata"][0]["frame_size"] == "[c]"  # a stratum of 3 cases
    assert "by_pair" not in out["agreement"]
    # 9 pairs, 7 agreed and 2 not: the 2 is hidden, so the percentage and kappas that give it are withheld
    assert out["agreement"]["percent_agreement"] is None and out["agreement"]["cohen_kappa"] is None
    assert out["reproducibility"]["figures_sha256"] != full["reproducibility"]["figures_sha256"]


def test_a_small_good_count_hides_the_combined_figure_that_would_give_it_away() -> None:
    out = published(
        report_of(many(3, "good") + many(60, "requires_improvement") + many(70, "inadequate"))
    )
    assert out["grades"]["good"]["count"] == "[c]"
    assert out["grades"]["requires_improvement"]["count"] == "[c]"
    assert out["requires_improvement_or_inadequate"]["count"] == "[c]"
    assert out["trend"][-1]["share"] is None


def test_small_weaknesses_and_comparisons_built_on_small_counts_are_hidden() -> None:
    cases = (
        many(40, "good", weaknesses=frozenset({"W01"}))
        + many(38, "inadequate")
        + many(2, "inadequate", weaknesses=frozenset({"W09"}))
    )
    out = published(
        report_of(
            cases,
            history=[HistoryPoint("Pilot", "2023-03-31", "baseline", 2, 6, weaknesses={"W01": 3})],
        )
    )
    rows = {w["code"]: w for w in out["weaknesses"]}
    assert rows["W09"]["count"] == "[c]" and rows["W09"]["suppressed"]
    assert rows["W01"]["count"] == 40 and rows["W01"]["recurrence"] == [
        {"against": "Pilot", "kind": "baseline", "period_end": "2023-03-31", "suppressed": True}
    ]
    assert out["comparisons"][0]["suppressed"] is True
    assert out["trend"][0]["count"] == "[c]"


def _lines_safe(table: list[list[object]], totals_shown: list[bool]) -> bool:
    """In a line whose total is shown, never exactly one hidden cell."""
    return all(
        not (shown_total and sum(not shown(v) for v in line) == 1)
        for line, shown_total in zip(table, totals_shown, strict=True)
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["missing_child", "neglect", "cse", "domestic_abuse"]),
            st.sampled_from(["North", "South", "East"]),
            st.sampled_from(["good", "requires_improvement", "inadequate"]),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_no_small_count_is_shown_or_left_alone_beside_a_published_total(
    rows: list[tuple[str, str, str]],
) -> None:
    cases = [GradedCase(f"C{i}", "t", c, u, g, {"a": g}) for i, (c, u, g) in enumerate(rows)]
    full = report_of(cases)
    out = published(full)
    grades = [out["grades"][code]["count"] for code, _ in GRADES]
    combined = out["requires_improvement_or_inadequate"]["count"]
    for value in [*grades, combined, out["reviews"]]:
        assert not (shown(value) and value in range(1, 5))
    assert _lines_safe([grades], [shown(out["reviews"])])
    assert _lines_safe([grades[1:]], [shown(combined)])
    if shown(out["reviews"]) and shown(grades[0]) and not shown(combined):
        assert full["requires_improvement_or_inadequate"]["count"] not in range(1, 5)
    for key in ("by_category", "by_unit"):
        table = [[r["good"], r["requires_improvement_or_inadequate"]["count"]] for r in out[key]]
        for line in table:
            assert not any(shown(v) and v in range(1, 5) for v in line)
        assert _lines_safe(table, [shown(r["reviews"]) for r in out[key]])
        columns = [[line[j] for line in table] for j in range(2)]
        assert _lines_safe(columns, [shown(grades[0]), shown(combined)])
    for area in out["areas"]:
        assert not any(shown(v) and v in range(1, 5) for v in area["grades"].values())


def test_a_preview_is_marked_first_and_its_rows_start_with_the_mark() -> None:
    from casereview.domain.publication import as_preview, preview_words
    from casereview.domain.tables import flat_rows

    document = {"inspection": {"name": "Q1"}, "published": True}
    marked = as_preview(document, graded=18, sampled=24)
    words = preview_words(graded=18, sampled=24)
    assert words == "Preview – not published – 18 of 24 cases graded"
    assert next(iter(marked)) == "preview" and marked["preview"]["label"] == words
    assert "preview" not in document  # the published version itself is left as it is
    assert flat_rows(marked)[0] == ("status", "", "preview", words)
    assert all(row[0] != "status" for row in flat_rows(document))
