"""Multiplicity: the headline family adjusted with Holm, breakdowns with Benjamini–Hochberg, labelled.

The adjusted values are checked against the methods' definitions computed here by hand (Holm 1979;
Benjamini and Hochberg 1995), and a seeded simulation shows that, with no true change anywhere, a report
says "worse" somewhere in at most 5% of reports (it said so in about a third before adjustment).
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from casereview.domain import multiplicity
from casereview.domain.comparisons import comparison_of
from casereview.domain.report import GradedCase, HistoryPoint, build_report
from casereview.domain.report_model import Comparison

GRADES = [
    ("good", "Good"),
    ("requires_improvement", "Requires improvement"),
    ("inadequate", "Inadequate"),
]
CATEGORIES = ["missing_child", "neglect", "domestic_abuse"]
UNITS = ["North", "South"]
WEAKNESSES = ["W02", "W07", "W09"]


def holm_by_hand(p: list[float]) -> list[float]:
    order = sorted(range(len(p)), key=lambda i: p[i])
    out = [0.0] * len(p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        out[i] = running
    return out


def bh_by_hand(p: list[float]) -> list[float]:
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i], reverse=True)
    out = [0.0] * m
    running = 1.0
    for k, i in enumerate(order):
        rank = m - k
        running = min(running, m * p[i] / rank)
        out[i] = running
    return out


def made(p_value: float, *, rose: bool = True, against: str = "Q4") -> Comparison:
    return Comparison(
        against, "inspection", "2023-12-31", 10, 100, 0.1, 20 if rose else 5, 100,
        0.2 if rose else 0.05, "two-proportion z-test", p_value, "", "",
    )  # fmt: skip


@pytest.mark.parametrize("ps", [[0.01, 0.04, 0.03, 0.2], [0.001, 0.011, 0.049], [0.3]])
def test_holm_and_benjamini_hochberg_match_their_definitions(ps: list[float]) -> None:
    headline = multiplicity.adjust([made(p) for p in ps], multiplicity.HEADLINE)
    exploratory = multiplicity.adjust([made(p) for p in ps], multiplicity.EXPLORATORY)
    assert [c.adjusted_p_value for c in headline] == pytest.approx(holm_by_hand(ps))
    assert [c.adjusted_p_value for c in exploratory] == pytest.approx(bh_by_hand(ps))
    assert {c.adjustment for c in headline} == {"Holm"}
    assert {c.family_tests for c in exploratory} == {len(ps)}


def test_the_direction_follows_the_adjusted_value_not_the_raw_one() -> None:
    # 0.03 alone is "worse"; in a family of three with 0.04 and 0.2, Holm makes it 0.08.
    family = multiplicity.adjust([made(0.03), made(0.04), made(0.2)], multiplicity.HEADLINE)
    assert family[0].p_value == 0.03 and family[0].adjusted_p_value == pytest.approx(0.09)
    assert family[0].direction == "no significant change"
    assert family[0].wording.startswith("no statistically significant change")
    assert "Holm-adjusted over 3 headline comparisons: p = 0.090" in family[0].wording
    alone = multiplicity.adjust([made(0.03)], multiplicity.HEADLINE)[0]
    assert alone.direction == "worse" and "the only headline comparison" in alone.wording
    fell = multiplicity.adjust([made(0.001, rose=False)], multiplicity.HEADLINE)[0]
    assert fell.direction == "better"


def test_the_headline_family_is_the_previous_inspection_and_the_latest_baseline() -> None:
    earlier = [
        ("Baseline 2016", "baseline", "2016-03-31"),
        ("Q1", "inspection", "2023-03-31"),
        ("Baseline 2022", "baseline", "2022-12-31"),
        ("Q2", "inspection", "2023-06-30"),
    ]
    assert multiplicity.headline_targets(earlier) == {
        ("Baseline 2022", "baseline", "2022-12-31"),
        ("Q2", "inspection", "2023-06-30"),
    }
    assert multiplicity.headline_targets([]) == frozenset()


def case(i: int, grade: str, category: str, unit: str, weaknesses: set[str]) -> GradedCase:
    return GradedCase(f"C{i:04d}", "s", category, unit, grade, {}, frozenset(weaknesses))


def simulated_cases(rng: random.Random, n: int) -> list[GradedCase]:
    out = []
    for i in range(n):
        r = rng.random()
        grade = "good" if r < 0.4 else "requires_improvement" if r < 0.7 else "inadequate"
        found = {w for w in WEAKNESSES if rng.random() < 0.3}
        out.append(case(i, grade, rng.choice(CATEGORIES), rng.choice(UNITS), found))
    return out


def tally(cases: list[GradedCase], key: str) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for c in cases:
        bad, total = out.get(getattr(c, key), (0, 0))
        out[getattr(c, key)] = (bad + (c.overall != "good"), total + 1)
    return out


def earlier(rng: random.Random, label: str, end: str, kind: str) -> HistoryPoint:
    cases = simulated_cases(rng, 60)
    return HistoryPoint(
        label,
        end,
        kind,
        sum(c.overall != "good" for c in cases),
        len(cases),
        by_category=tally(cases, "category"),
        by_unit=tally(cases, "unit"),
        weaknesses=dict(Counter(w for c in cases for w in c.weaknesses)),
    )


def every_comparison(report: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(report["comparisons"])
    for key in ("by_category", "by_unit"):
        for row in report[key]:
            found += row["comparisons"]
    for w in report["weaknesses"]:
        found += w["recurrence"]
    return found


def test_with_no_true_change_a_report_says_worse_in_at_most_5_percent_of_reports() -> None:
    rng = random.Random(20261203)
    reports, adjusted_worse, raw_worse = 200, 0, 0
    for _ in range(reports):
        history = [
            earlier(rng, "Baseline", "2022-12-31", "baseline"),
            earlier(rng, "Q4 2023", "2023-12-31", "inspection"),
        ]
        report = build_report(
            inspection={"name": "Q1 2024", "period": ["2024-01-01", "2024-03-31"]},
            grades=GRADES,
            areas=[],
            cases=simulated_cases(rng, 60),
            sample={"plan": {}},
            history=history,
        ).to_json()
        found = every_comparison(report)
        assert report["multiplicity"]["tests"] == len(found)
        adjusted_worse += any(c["direction"] == "worse" for c in found)
        raw_worse += any(c["p_value"] < 0.05 and c["share_now"] > c["share_then"] for c in found)
    assert adjusted_worse / reports <= 0.05
    # Unadjusted, the same reports would have said "worse" far more often: the test can tell.
    assert raw_worse / reports > 0.15


def test_a_plan_can_declare_a_breakdown_a_headline_comparison_before_grading() -> None:
    rng = random.Random(7)
    history = [earlier(rng, "Q4 2023", "2023-12-31", "inspection")]
    given: dict[str, Any] = {
        "inspection": {"name": "Q1 2024"},
        "grades": GRADES,
        "areas": [],
        "cases": simulated_cases(rng, 60),
        "history": history,
    }
    plain = build_report(**given, sample={"plan": {}}).to_json()
    declared = build_report(**given, sample={"plan": {"headline": ["category:neglect"]}}).to_json()
    row = next(r for r in declared["by_category"] if r["category"] == "neglect")
    assert row["comparisons"][0]["family"] == "headline"
    assert declared["multiplicity"]["families"][0]["tests"] == 2
    assert declared["multiplicity"]["declared"] == ["category:neglect"]
    before = next(r for r in plain["by_category"] if r["category"] == "neglect")
    assert before["comparisons"][0]["family"] == "exploratory"
    assert plain["multiplicity"]["tests"] == declared["multiplicity"]["tests"]


def test_a_weakness_the_baseline_never_recorded_is_not_compared_as_if_it_were_zero() -> None:
    baseline = HistoryPoint("Baseline", "2022-12-31", "baseline", 30, 60, weaknesses={"W02": 12})
    cases = [
        case(i, "inadequate", "neglect", "North", {"W09"} if i < 20 else set()) for i in range(60)
    ]
    report = build_report(
        inspection={"name": "now"},
        grades=GRADES,
        areas=[],
        cases=cases,
        sample={},
        history=[baseline],
    ).to_json()
    w09 = next(w for w in report["weaknesses"] if w["code"] == "W09")
    assert w09["recurrence"] == [] and w09["recorded_at_baseline"] is False
    w02 = next(w for w in report["weaknesses"] if w["code"] == "W02")
    assert w02["recorded_at_baseline"] is True and w02["recurrence"][0]["count_then"] == 12


def test_a_design_weighted_headline_is_compared_by_a_wald_test() -> None:
    then = comparison_of("Q4", "inspection", "2023-12-31", (40, 100), (55, 100))
    weighted = comparison_of(
        "Q4", "inspection", "2023-12-31", (40, 100), (55, 100), estimate_now=(0.41, 0.03, 100.0)
    )
    assert then is not None and then.test == "two-proportion z-test"
    assert weighted is not None and weighted.test.startswith("Wald test")
    assert weighted.share_now == 0.41 and weighted.direction == "no significant change"


def test_a_published_version_counts_hidden_tests_as_p_1_so_it_never_says_more_than_the_report() -> (
    None
):
    # The review's contradiction: Q2 2024 at p = 0.034 was "no change" in the report (Holm over 2: 0.067)
    # but "worse" in the published version, which had re-adjusted over the 1 comparison it printed.
    from casereview.domain.publication import publish

    graded = [
        case(i, "inadequate" if i < 60 else "good", "neglect", "North", set()) for i in range(100)
    ]
    history = [
        HistoryPoint("Baseline 2016", "2016-03-31", "baseline", 3, 8),
        HistoryPoint("Q2 2024", "2024-06-30", "inspection", 45, 100),
    ]
    full = build_report(
        inspection={"name": "Q3 2024"},
        grades=GRADES,
        areas=[],
        cases=graded,
        sample={},
        history=history,
    )
    document = publish(full).document
    printed = [c for c in document["comparisons"] if not c.get("suppressed")]
    (q2,) = printed
    internal = next(c for c in full.comparisons if c.against == "Q2 2024")
    assert internal.direction == "no significant change" and internal.p_value < 0.05
    assert q2["direction"] == "no significant change" and q2["family_tests"] == 2
    assert q2["adjusted_p_value"] >= internal.adjusted_p_value
    assert document["multiplicity"]["tests"] == 2
    assert "prints 1 of the report's 2 comparisons" in document["multiplicity"]["words"]
    assert "no statistically significant change from Q2 2024" in document["headline"]


def test_a_handful_of_cases_with_no_variance_is_not_a_significant_change() -> None:
    # The review's case: strata of 2 (both of concern) and 2 (neither) against 0 of 6 before gave
    # "worse (p < 0.001)" from 4 cases, because neither side had a variance of its own.
    graded = [
        case(1, "inadequate", "neglect", "North", set()),
        case(2, "inadequate", "neglect", "North", set()),
    ]
    graded = [GradedCase(c.case_ref, "a", c.category, c.unit, c.overall) for c in graded] + [
        GradedCase(f"b{i}", "b", "neglect", "North", "good") for i in range(2)
    ]
    strata = [
        {"label": "a", "frame_size": 100, "sampled": 2},
        {"label": "b", "frame_size": 400, "sampled": 2},
    ]
    report = build_report(
        inspection={"name": "Q3 2024"},
        grades=GRADES,
        areas=[],
        cases=graded,
        sample={"strata": strata, "proportional": False},
        history=[HistoryPoint("Q2 2024", "2024-06-30", "inspection", 0, 6)],
    ).to_json()
    (c,) = report["comparisons"]
    assert c["test"].startswith("Wald test")
    assert c["direction"] == "no significant change" and c["p_value"] > 0.05
