"""The report's plain-English headline and coverage sentences, and the findings of issue 21 they fix."""

from __future__ import annotations

from typing import Any

from casereview.domain import report_words
from casereview.domain.report import GradedCase, HistoryPoint, build_report

GRADES = [
    ("good", "Good"),
    ("requires_improvement", "Requires improvement"),
    ("inadequate", "Inadequate"),
]


def cases(concern: int, good: int, *, stratum: str = "s") -> list[GradedCase]:
    grades = ["inadequate"] * concern + ["good"] * good
    return [
        GradedCase(f"{stratum}{i:04d}", stratum, "neglect", "North", g)
        for i, g in enumerate(grades)
    ]


def report(**given: Any) -> dict[str, Any]:
    given.setdefault("inspection", {"name": "Q3 2026", "period": ["2026-07-01", "2026-09-30"]})
    given.setdefault("sample", {})
    return build_report(grades=GRADES, areas=[], **given).to_json()


def test_the_headline_reads_like_the_issue_s_example() -> None:
    baseline = HistoryPoint("the 2016 inspection", "2016-03-31", "baseline", 81, 109)
    text = report(cases=cases(125, 10), history=[baseline])["headline"]
    assert text == (
        "About 9 in 10 graded cases (92.6%; likely between 86.9% and 95.9%) were graded "
        "requires improvement or inadequate — worse than the 2016 inspection (74.3%)."
    )


def test_the_headline_says_no_change_and_names_what_it_was_compared_with() -> None:
    earlier = HistoryPoint("Q2 2026", "2026-06-30", "inspection", 60, 100)
    text = report(cases=cases(62, 38), history=[earlier])["headline"]
    assert text.startswith("About 6 in 10 graded cases (62.0%; likely between")
    assert text.endswith("no statistically significant change from Q2 2026 (60.0%).")


def test_with_nothing_graded_the_report_says_so_and_names_what_there_is_to_compare_with() -> None:
    history = [
        HistoryPoint("Baseline 2016", "2016-03-31", "baseline", 81, 109),
        HistoryPoint("Q2 2026", "2026-06-30", "inspection", 60, 100),
    ]
    text = report(cases=[], history=history)["headline"]
    assert "No case is graded yet" in text
    assert "Baseline 2016 (a baseline) and Q2 2026 (an inspection)" in text
    assert "There is no earlier" not in text
    alone = report(cases=[])["headline"]
    assert "There is no earlier inspection or baseline of this body to compare with." in alone


def test_fractions_in_words_at_the_ends_and_between() -> None:
    assert report_words.fraction_words(0.926) == "About 9 in 10"
    assert report_words.fraction_words(0.02) == "Fewer than 1 in 20"
    assert report_words.fraction_words(0.97) == "More than 19 in 20"
    assert report_words.fraction_words(0.0) == "None of the"
    assert report_words.fraction_words(1.0) == "All"
    assert report(cases=cases(0, 12))["headline"].startswith("None of the 12 graded cases (0.0%;")


def test_changing_only_the_allocation_does_not_make_a_report_say_worse() -> None:
    # The issue's finding: an equal allocation over unequal strata made the unweighted share rise and
    # the report say "worse (p = 0.031)" while the design-weighted share was unchanged.
    strata = [
        {"label": "a", "frame_size": 3000, "sampled": 60},
        {"label": "b", "frame_size": 300, "sampled": 60},
    ]
    # Stratum a: 30% of concern; stratum b: 80%.  Weighted: (3000 * 0.3 + 300 * 0.8) / 3300 = 34.5%.
    graded = cases(18, 42, stratum="a") + cases(48, 12, stratum="b")
    earlier = HistoryPoint("Q2 2026", "2026-06-30", "inspection", 69, 200)  # 34.5%, proportional
    equal = report(
        cases=graded,
        history=[earlier],
        sample={"strata": strata, "proportional": False, "plan": {"allocation": "equal"}},
    )
    unweighted = report(cases=graded, history=[earlier], sample={"proportional": True})
    assert unweighted["comparisons"][0]["direction"] == "worse"  # 55% against 34.5%, the old error
    c = equal["comparisons"][0]
    assert c["test"].startswith("Wald test") and c["direction"] == "no significant change"
    assert abs(c["share_now"] - 0.3455) < 0.001
    assert equal["trend"][-1]["estimate"] == "design-weighted"
    assert (
        equal["headline"].startswith("About 3 in 10 cases in the frame (34.5%; likely between")
        and "estimated from 120 graded cases weighted by the size of their strata"
        in equal["headline"]
    )
    chart = equal["control_chart"]
    assert chart["current_estimate"] == "design-weighted"
    assert abs(chart["points"][-1]["share"] - 0.3455) < 0.001
    assert chart["points"][-1]["total"] == equal["design_weighted"]["effective_n"]
    assert equal["design_weighted"]["coverage"] == "estimate for all 3,300 cases in the frame"


def test_a_weighted_estimate_names_the_frame_it_covers_when_strata_are_not_graded() -> None:
    strata = [
        {"label": "a", "frame_size": 500, "sampled": 20},
        {"label": "b", "frame_size": 450, "sampled": 20},
        {"label": "c", "frame_size": 3000, "sampled": 20},
    ]
    done = report(
        cases=cases(5, 15, stratum="a") + cases(8, 12, stratum="b"),
        sample={"strata": strata, "proportional": False},
    )
    weighted = done["design_weighted"]
    assert weighted["coverage"] == "estimate for 950 of 3,950 cases; 1 stratum not yet graded"
    assert "whole body" not in done["headline"]


def test_a_published_report_never_prints_a_weighted_comparison_whose_estimate_is_hidden() -> None:
    # The review's leak: stratum b's 3 of 40 made the estimate hidden, yet the comparison printed the
    # weighted share now, from which (3000·20/60 + 300·x/40)/3300 gave x = 3 back.
    from casereview.domain.publication import publish

    strata = [
        {"label": "a", "frame_size": 3000, "sampled": 60},
        {"label": "b", "frame_size": 300, "sampled": 40},
    ]
    graded = cases(20, 40, stratum="a") + cases(3, 37, stratum="b")
    earlier = HistoryPoint("Q2 2024", "2024-06-30", "inspection", 40, 100)
    full = build_report(
        inspection={"name": "Q3 2024"},
        grades=GRADES,
        areas=[],
        cases=graded,
        sample={"plan": {}, "proportional": False, "strata": strata},
        history=[earlier],
    )
    assert full.comparisons[0].test.startswith("Wald test")
    document = publish(full).document
    assert document["design_weighted"] is None
    (c,) = document["comparisons"]
    assert c.get("suppressed") and "share_now" not in c and "p_value" not in c
    assert "hidden here to protect small counts" in document["headline"]
    assert "%" not in document["headline"]


def test_a_census_of_every_stratum_writes_finite_json() -> None:
    import json

    strata = [
        {"label": "a", "frame_size": 20, "sampled": 20},
        {"label": "b", "frame_size": 10, "sampled": 10},
    ]
    done = report(
        cases=cases(5, 15, stratum="a") + cases(6, 4, stratum="b"),
        sample={"strata": strata, "proportional": False},
    )
    json.dumps(done, allow_nan=False)
    assert done["design_weighted"]["effective_n"] is None
    assert done["design_weighted"]["ci_low"] == done["design_weighted"]["share"]
