from __future__ import annotations

import pytest

from casereview.domain.report import GradedCase, SendBackFact, build_report

GRADES = [("good", "Good"), ("requires_improvement", "Requires improvement"), ("inadequate", "Inadequate")]
AREAS = [("initial_contact", "Initial contact")]


def cases() -> list[GradedCase]:
    # The brief's quarterly example: 10 good, 64 requires improvement, 61 inadequate.
    out = []
    for i, grade in enumerate(["good"] * 10 + ["requires_improvement"] * 64 + ["inadequate"] * 61):
        out.append(GradedCase(f"C{i:03d}", "s" if i % 2 else "t", "missing_child" if i % 3 else "domestic_abuse",
                              "North", grade, {"initial_contact": grade}, frozenset({"W02"} if grade == "inadequate" else set())))
    return out


def build(**over: object) -> dict:  # type: ignore[type-arg]
    args: dict[str, object] = {
        "inspection": {"id": 1, "name": "Q"}, "grades": GRADES, "areas": AREAS, "cases": cases(),
        "strata": [{"label": "s", "frame_size": 900, "sampled": 67}, {"label": "t", "frame_size": 100, "sampled": 68}],
        "proportional": True,
    }
    args.update(over)
    return build_report(**args)  # type: ignore[arg-type]


def test_overall_shares_come_with_wilson_intervals_and_the_combined_figure() -> None:
    report = build()
    assert [g["count"] for g in report["overall"]] == [10, 64, 61]
    combined = report["requires_improvement_or_inadequate"]
    assert combined["count"] == 125 and combined["share"] == pytest.approx(125 / 135)
    assert (round(combined["ci95"][0], 3), round(combined["ci95"][1], 3)) == (0.869, 0.959)
    assert report["design_weighted"] is None  # proportional allocation needs no weights


def test_non_proportional_samples_get_a_design_weighted_estimate() -> None:
    report = build(proportional=False)
    assert report["design_weighted"]["share"] == pytest.approx(0.9 * (62 / 67) + 0.1 * (63 / 68), abs=0.02)


def test_breakdowns_weaknesses_send_backs_and_reproducibility() -> None:
    report = build(send_backs=[SendBackFact("priority", "closed", False, 2.0), SendBackFact("immediate", "opened", True, None)])
    assert {row["category"] for row in report["by_category"]} == {"missing_child", "domestic_abuse"}
    assert report["weaknesses"] == [{"code": "W02", "cases": 61, "share_of_graded": pytest.approx(61 / 135)}]
    assert report["areas"][0]["grades"] == {"good": 10, "requires_improvement": 64, "inadequate": 61}
    assert report["send_backs"] == {"total": 2, "by_urgency": {"immediate": 1, "priority": 1}, "open": 1, "overdue": 1, "median_days_to_response": 2.0}
    assert build()["reproducibility"]["input_sha256"] == build()["reproducibility"]["input_sha256"]
    assert build(cases=cases()[1:])["reproducibility"]["input_sha256"] != build()["reproducibility"]["input_sha256"]


def test_each_earlier_result_is_compared_with_the_right_test_and_words() -> None:
    from casereview.domain.report import HistoryPoint

    report = build(history=[
        HistoryPoint("Baseline 2022", "2022-03-31", "baseline", 90, 135),
        HistoryPoint("Q4 2023", "2023-12-31", "inspection", 122, 135),
        HistoryPoint("Pilot", "2021-03-31", "baseline", 2, 3),
    ])
    rows = {r["label"]: r for r in report["trends"]}
    assert [r["label"] for r in report["trends"]] == ["Pilot", "Baseline 2022", "Q4 2023"]
    assert rows["Baseline 2022"]["change_to_now"]["direction"] == "worse"
    assert rows["Q4 2023"]["change_to_now"]["direction"] == "no statistically significant change"
    assert rows["Pilot"]["change_to_now"]["test"] == "Fisher's exact test"
    assert "p = " in rows["Q4 2023"]["change_to_now"]["wording"] or "p < " in rows["Q4 2023"]["change_to_now"]["wording"]


def test_the_published_version_suppresses_small_counts_with_complements() -> None:
    from casereview.domain.report import flat_rows, published

    small = cases()[:20] + [GradedCase("Z1", "s", "neglect", "South", "inadequate")]
    report = published(build(cases=small))
    neglect = next(r for r in report["by_category"] if r["category"] == "neglect")
    assert neglect["suppressed"] and neglect["requires_improvement_or_inadequate"] is None
    hidden = [r for r in report["by_category"] if r["suppressed"]]
    assert len(hidden) >= 2 or any(r["cases"] is None for r in hidden)  # never a lone suppressed cell
    assert report["published"] is True and "register_sha256" not in report["inspection"]
    assert ("overall", "good", "count", 10) in flat_rows(report)
