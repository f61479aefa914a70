"""Breakdown and weakness rows of a sample drawn out of proportion: design-weighted (issue 21)."""

from __future__ import annotations

from typing import Any

import pytest

from casereview.domain.report import GradedCase, HistoryPoint, build_report
from casereview.domain.report_model import Report
from casereview.domain.statistics import WALD_TEST, Stratum, stratified_share

GRADES = [
    ("good", "Good"),
    ("requires_improvement", "Requires improvement"),
    ("inadequate", "Inadequate"),
]
STRATA = [
    {"label": "a", "frame_size": 3000, "sampled": 60},
    {"label": "b", "frame_size": 300, "sampled": 60},
]


def cases(
    concern: int, good: int, *, stratum: str, category: str = "neglect", weakness: int = 0
) -> list[GradedCase]:
    """``concern`` cases of concern then ``good`` good ones; the first ``weakness`` have weakness W1."""
    grades = ["inadequate"] * concern + ["good"] * good
    return [
        GradedCase(
            f"{stratum}{category}{i:04d}",
            stratum,
            category,
            "North",
            g,
            weaknesses=frozenset({"W1"}) if i < weakness else frozenset(),
        )
        for i, g in enumerate(grades)
    ]


EARLIER = HistoryPoint(
    "Q2 2026",
    "2026-06-30",
    "inspection",
    69,
    200,
    by_category={"neglect": (69, 200)},
    by_unit={"North": (69, 200)},
    weaknesses={"W1": 69},
)
# Stratum a: 30% of concern; stratum b: 80%.  Weighted: (3000 * 0.3 + 300 * 0.8) / 3300 = 34.5%.
GRADED = cases(18, 42, stratum="a", weakness=18) + cases(48, 12, stratum="b", weakness=48)


def report(sample: dict[str, Any], graded: list[GradedCase] = GRADED) -> Report:
    return build_report(
        inspection={"name": "Q3 2026", "period": ["2026-07-01", "2026-09-30"]},
        grades=GRADES,
        areas=[],
        cases=graded,
        sample=sample,
        history=[EARLIER],
    )


def test_an_equal_allocation_no_longer_makes_a_unit_look_worse() -> None:
    # The reviewer's finding: North holds every case; unweighted it reads 55% and "worse (p < 0.001)".
    before = report({"strata": STRATA, "proportional": True}).to_json()
    north = before["by_unit"][0]
    assert north["requires_improvement_or_inadequate"]["share"] == pytest.approx(0.55)
    assert north["comparisons"][0]["direction"] == "worse"
    assert "design_weighted" not in north

    after = report({"strata": STRATA, "proportional": False}).to_json()
    north = after["by_unit"][0]
    # The row's counts and Wilson interval are the cases as sampled, as published cells need them.
    assert north["requires_improvement_or_inadequate"]["count"] == 66
    assert north["requires_improvement_or_inadequate"]["share"] == pytest.approx(0.55)
    weighted = north["design_weighted"]
    whole = after["design_weighted"]
    assert weighted["share"] == pytest.approx(0.3455, abs=1e-4)
    assert weighted["share"] == pytest.approx(whole["share"])
    assert weighted["standard_error"] == pytest.approx(whole["standard_error"])
    assert weighted["ci_low"] < weighted["share"] < weighted["ci_high"]
    c = north["comparisons"][0]
    assert c["test"] == WALD_TEST
    assert c["direction"] == "no significant change"
    assert c["share_now"] == pytest.approx(0.3455, abs=1e-4)
    assert c["p_value"] > 0.5
    # The category holding every case, and weakness W1 (on exactly the cases of concern), say the same.
    category = after["by_category"][0]
    assert category["design_weighted"]["share"] == pytest.approx(weighted["share"])
    assert category["comparisons"][0]["direction"] == "no significant change"
    w1 = after["weaknesses"][0]
    assert w1["count"] == 66 and w1["share"] == pytest.approx(0.55)
    assert w1["design_weighted"]["share"] == pytest.approx(0.3455, abs=1e-4)
    assert w1["recurrence"][0]["test"] == WALD_TEST
    assert w1["recurrence"][0]["direction"] == "no significant change"


def test_a_unit_in_a_part_of_the_strata_gets_its_own_domain_estimate() -> None:
    # South has 10 cases of stratum a (all of concern) and 30 of stratum b (6 of concern).
    south = [GradedCase(f"s{i}", "a", "neglect", "South", "inadequate") for i in range(10)] + [
        GradedCase(f"t{i}", "b", "neglect", "South", "good" if i >= 6 else "inadequate")
        for i in range(30)
    ]
    graded = GRADED + south
    done = report({"strata": STRATA, "proportional": False}, graded).to_json()
    row = next(r for r in done["by_unit"] if r["unit"] == "South")
    # Weights 3000/70 in a and 300/90 in b: (10·3000/70 + 6·300/90) / (10·3000/70 + 30·300/90).
    wa, wb = 3000 / 70, 300 / 90
    assert row["design_weighted"]["share"] == pytest.approx(
        (10 * wa + 6 * wb) / (10 * wa + 30 * wb)
    )
    assert row["requires_improvement_or_inadequate"]["share"] == pytest.approx(16 / 40)
    assert "comparisons" in row and row["comparisons"] == []  # Q2 2026 had no South


def test_a_unit_that_is_a_stratum_keeps_its_plain_share() -> None:
    graded = [
        GradedCase(f"a{i}", "a", "neglect", "a", "inadequate" if i < 18 else "good")
        for i in range(60)
    ] + [
        GradedCase(f"b{i}", "b", "neglect", "b", "inadequate" if i < 48 else "good")
        for i in range(60)
    ]
    done = report({"strata": STRATA, "proportional": False}, graded).to_json()
    for row, plain in zip(done["by_unit"], (18 / 60, 48 / 60), strict=True):
        assert row["design_weighted"]["share"] == pytest.approx(plain)
    a = done["by_unit"][0]["design_weighted"]
    assert a["standard_error"] == pytest.approx(
        stratified_share([Stratum(3000, 60, 18)]).standard_error
    )


def test_a_proportional_sample_keeps_the_exact_tests_and_its_json() -> None:
    done = report({"strata": STRATA, "proportional": True}).to_json()
    for row in done["by_unit"] + done["by_category"]:
        assert "design_weighted" not in row
        assert all(c["test"] != WALD_TEST for c in row["comparisons"])
    for w in done["weaknesses"]:
        assert "design_weighted" not in w
        assert all(c["test"] != WALD_TEST for c in w["recurrence"])


def test_rows_with_a_design_weighted_share_read_back_from_json() -> None:
    full = report({"strata": STRATA, "proportional": False})
    again = Report.from_json(full.to_json())
    assert again.by_unit[0].design_weighted == full.by_unit[0].design_weighted
    assert again.weaknesses[0].design_weighted == full.weaknesses[0].design_weighted
    assert again.to_json() == full.to_json()


def test_the_published_rows_show_the_weighted_share_only_with_the_whole_estimate() -> None:
    from casereview.domain.publication import published

    shown = published(report({"strata": STRATA, "proportional": False}))
    assert shown["design_weighted"] is not None
    north = shown["by_unit"][0]
    assert north["design_weighted"]["share"] == pytest.approx(0.3455, abs=1e-4)
    assert north["comparisons"][0]["test"] == WALD_TEST
    assert not north["comparisons"][0].get("suppressed")
    w1 = shown["weaknesses"][0]
    assert w1["design_weighted"]["share"] == pytest.approx(0.3455, abs=1e-4)
    assert w1["recurrence"][0]["test"] == WALD_TEST

    # Stratum b with 2 good cases: its counts are hidden, so the whole estimate is withheld, and with it
    # every row's weighted share and Wald test, though the rows' own counts are shown.
    graded = cases(18, 42, stratum="a", weakness=18) + cases(58, 2, stratum="b", weakness=58)
    hidden = published(report({"strata": STRATA, "proportional": False}, graded))
    assert hidden["design_weighted"] is None
    north = hidden["by_unit"][0]
    assert north["requires_improvement_or_inadequate"]["count"] == 76
    assert north["design_weighted"] is None
    assert north["comparisons"] == [
        {"against": "Q2 2026", "kind": "inspection", "period_end": "2026-06-30", "suppressed": True}
    ]
    w1 = hidden["weaknesses"][0]
    assert w1["count"] == 76 and w1["design_weighted"] is None
    assert w1["recurrence"][0]["suppressed"] is True
    # A proportional sample's rows have no weighted share and keep their exact tests.
    plain = published(report({"strata": STRATA, "proportional": True}))
    assert "design_weighted" not in plain["by_unit"][0]
    assert plain["by_unit"][0]["comparisons"][0]["test"] != WALD_TEST


def test_a_row_whose_counts_by_stratum_include_a_small_one_is_not_published_weighted() -> None:
    from casereview.domain.publication import published

    def case(i: int, stratum: str, unit: str, concern: bool, weaknesses: set[str]) -> GradedCase:
        grade = "inadequate" if concern else "good"
        return GradedCase(
            f"{stratum}{unit}{i}", stratum, "neglect", unit, grade, {}, frozenset(weaknesses)
        )

    graded = (
        [
            case(i, "a", "North", i < 12, {"W1"} if i < 20 else {"W2"} if i < 30 else set())
            for i in range(40)
        ]
        + [case(i, "a", "South", i < 10, set()) for i in range(20)]
        + [
            case(i, "b", "North", i < 48, {"W1"} if i < 2 else {"W2"} if i < 12 else set())
            for i in range(57)
        ]
        + [case(i, "b", "South", False, set()) for i in range(3)]
    )
    earlier = HistoryPoint(
        "Q2 2026",
        "2026-06-30",
        "inspection",
        69,
        200,
        by_unit={"North": (60, 150), "South": (9, 50)},
        weaknesses={"W1": 20, "W2": 20},
    )
    full = build_report(
        inspection={"name": "Q3 2026", "period": ["2026-07-01", "2026-09-30"]},
        grades=GRADES,
        areas=[],
        cases=graded,
        sample={"strata": STRATA, "proportional": False},
        history=[earlier],
    )
    out = published(full)
    assert out["design_weighted"] is not None
    units = {r["unit"]: r for r in out["by_unit"]}
    # South has 3 cases in stratum b: its weighted share would give them back, and North's (the rest of
    # stratum b) too; both rows' own counts are shown.
    for name in ("North", "South"):
        row = units[name]
        assert isinstance(row["reviews"], int)
        assert isinstance(row["requires_improvement_or_inadequate"]["count"], int)
        assert row["design_weighted"] is None
        assert [c.get("suppressed") for c in row["comparisons"]] == [True]
    weaknesses = {w["code"]: w for w in out["weaknesses"]}
    # W1: 2 cases in stratum b; W2: 10 in each stratum.
    assert weaknesses["W1"]["count"] == 22 and weaknesses["W1"]["design_weighted"] is None
    assert weaknesses["W1"]["recurrence"][0]["suppressed"] is True
    assert weaknesses["W2"]["design_weighted"]["share"] == pytest.approx(
        next(w for w in full.weaknesses if w.code == "W2").design_weighted.share  # type: ignore[union-attr]
    )
    assert "strata" not in weaknesses["W2"]["design_weighted"]
    assert weaknesses["W2"]["recurrence"][0]["test"] == WALD_TEST
