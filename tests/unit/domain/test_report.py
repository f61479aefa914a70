from __future__ import annotations

import json

import pytest

from casereview.domain.agreement import PairAgreement
from casereview.domain.report import (
    GradedCase,
    HistoryPoint,
    SendBackFact,
    build_report,
    figures_digest,
)

GRADES = [
    ("good", "Good"),
    ("requires_improvement", "Requires improvement"),
    ("inadequate", "Inadequate"),
]
AREAS = [("initial_contact", "Initial contact")]
SAMPLE = {
    "strata": [
        {"label": "s", "frame_size": 900, "sampled": 67},
        {"label": "t", "frame_size": 100, "sampled": 68},
    ],
    "proportional": True,
    "frame_size": 1000,
    "replacements": [],
}


def cases() -> list[GradedCase]:
    # The brief's quarterly example: 10 good, 64 requires improvement, 61 inadequate.
    out = []
    for i, grade in enumerate(["good"] * 10 + ["requires_improvement"] * 64 + ["inadequate"] * 61):
        out.append(
            GradedCase(
                f"C{i:03d}",
                "s" if i % 2 else "t",
                "missing_child" if i % 3 else "domestic_abuse",
                "North",
                grade,
                {"initial_contact": grade},
                frozenset({"W02"} if grade == "inadequate" else set()),
            )
        )
    return out


def build(**over: object) -> dict:  # type: ignore[type-arg]
    args: dict[str, object] = {
        "inspection": {"id": 1, "name": "Q", "period": ["2024-01-01", "2024-03-31"]},
        "grades": GRADES,
        "areas": AREAS,
        "cases": cases(),
        "sample": SAMPLE,
        "as_of": "2024-06-01",
    }
    args.update(over)
    return build_report(**args).to_json()  # type: ignore[arg-type]


def test_the_json_keys_the_issue_names_are_all_there() -> None:
    report = build()
    for key in (
        "inspection",
        "reviews",
        "grades",
        "requires_improvement_or_inadequate",
        "comparisons",
        "by_category",
        "by_unit",
        "weaknesses",
        "send_backs",
        "agreement",
    ):
        assert key in report, key
    assert set(report["grades"]) == {"good", "requires_improvement", "inadequate"}
    assert set(report["grades"]["good"]) >= {"count", "share", "ci_low", "ci_high"}
    assert set(report["agreement"]) >= {
        "pairs",
        "percent_agreement",
        "cohen_kappa",
        "weighted_kappa_linear",
    }
    json.dumps(report)  # serialisable as it stands


def test_overall_shares_come_with_wilson_intervals_and_the_combined_figure() -> None:
    report = build()
    assert report["reviews"] == 135
    assert [
        report["grades"][g]["count"] for g in ("good", "requires_improvement", "inadequate")
    ] == [10, 64, 61]
    combined = report["requires_improvement_or_inadequate"]
    assert combined["count"] == 125 and combined["share"] == pytest.approx(125 / 135)
    assert (round(combined["ci_low"], 3), round(combined["ci_high"], 3)) == (0.869, 0.959)
    assert report["design_weighted"] is None  # proportional allocation needs no weights


def test_non_proportional_samples_get_a_design_weighted_estimate() -> None:
    report = build(sample={**SAMPLE, "proportional": False})
    weighted = report["design_weighted"]
    assert weighted["share"] == pytest.approx(0.9 * (62 / 67) + 0.1 * (63 / 68), abs=0.02)
    assert weighted["ci_low"] < weighted["share"] < weighted["ci_high"]


def test_breakdowns_carry_every_grade_and_the_combined_share() -> None:
    report = build()
    rows = {row["category"]: row for row in report["by_category"]}
    assert set(rows) == {"missing_child", "domestic_abuse"}
    da = rows["domestic_abuse"]
    assert da["reviews"] == 45 and sum(g["count"] for g in da["grades"].values()) == 45
    assert (
        da["requires_improvement_or_inadequate"]["ci_low"]
        < da["requires_improvement_or_inadequate"]["share"]
    )
    assert report["areas"][0]["grades"] == {
        "good": 10,
        "requires_improvement": 64,
        "inadequate": 61,
    }


def test_send_backs_and_agreement_are_summarised() -> None:
    report = build(
        send_backs=[
            SendBackFact("priority", "closed", False, 2.0),
            SendBackFact("immediate", "opened", True, None),
            SendBackFact("priority", "responded", False, 5.0),
        ],
        at_risk_not_sent_back=2,
        agreement=[
            PairAgreement(("team", ""), 20, 0.85, 0.7, 0.75),
            PairAgreement(("ann", "bob"), 20, 0.85, 0.7, 0.75),
        ],
    )
    assert report["send_backs"] == {
        "count": 3,
        "by_urgency": {"immediate": 1, "priority": 2},
        "open": 2,
        "overdue": 1,
        "median_days_to_response": 3.5,
        "responses": 2,
        "at_risk_not_sent_back": 2,
    }
    agreement = report["agreement"]
    assert (
        agreement["pairs"],
        agreement["percent_agreement"],
        agreement["cohen_kappa"],
        agreement["weighted_kappa_linear"],
    ) == (20, 85.0, 0.7, 0.75)
    assert agreement["by_pair"][0]["raters"] == ["ann", "bob"]


def test_each_earlier_result_is_compared_with_the_right_test_and_words() -> None:
    report = build(
        history=[
            HistoryPoint("Baseline 2022", "2022-03-31", "baseline", 90, 135),
            HistoryPoint("Q4 2023", "2023-12-31", "inspection", 122, 135),
            HistoryPoint("Pilot", "2021-03-31", "baseline", 2, 3),
        ]
    )
    rows = {r["against"]: r for r in report["comparisons"]}
    assert [r["against"] for r in report["comparisons"]] == ["Pilot", "Baseline 2022", "Q4 2023"]
    assert rows["Baseline 2022"]["direction"] == "worse" and rows["Baseline 2022"]["p_value"] < 0.05
    assert rows["Q4 2023"]["direction"] == "no significant change"
    assert rows["Q4 2023"]["wording"].startswith(
        "no statistically significant change (two-proportion z-test, p = "
    )
    assert rows["Pilot"]["test"] == "Fisher's exact test"
    assert rows["Baseline 2022"]["share_then"] == pytest.approx(90 / 135)
    assert rows["Baseline 2022"]["share_now"] == pytest.approx(125 / 135)
    assert [p["label"] for p in report["trend"]] == ["Pilot", "Baseline 2022", "Q4 2023", "Q"]
    assert report["trend"][-1]["now"] is True


def test_categories_are_compared_with_the_same_category_in_earlier_inspections() -> None:
    earlier = HistoryPoint(
        "Q4 2023",
        "2023-12-31",
        "inspection",
        60,
        135,
        by_category={"domestic_abuse": (10, 45), "neglect": (3, 9)},
    )
    report = build(history=[earlier])
    rows = {row["category"]: row for row in report["by_category"]}
    (c,) = rows["domestic_abuse"]["comparisons"]
    assert (
        c["against"] == "Q4 2023"
        and c["share_then"] == pytest.approx(10 / 45)
        and c["direction"] == "worse"
    )
    assert rows["missing_child"]["comparisons"] == []  # no figure then for this category


def test_weaknesses_recur_against_the_earliest_result_that_recorded_them() -> None:
    history = [
        HistoryPoint(
            "Baseline", "2022-03-31", "baseline", 100, 135, weaknesses={"W02": 60, "W07": 30}
        ),
        HistoryPoint("No detail", "2022-09-30", "baseline", 100, 135),
        HistoryPoint("Q4 2023", "2023-12-31", "inspection", 120, 135, weaknesses={"W02": 61}),
    ]
    report = build(history=history)
    assert report["weakness_baseline"] == "Baseline"
    rows = {w["code"]: w for w in report["weaknesses"]}
    assert rows["W02"]["recurring"] is True and rows["W02"]["count"] == 61
    assert [c["against"] for c in rows["W02"]["recurrence"]] == ["Baseline", "Q4 2023"]
    assert rows["W02"]["recurrence"][0]["direction"] == "no significant change"
    assert rows["W07"]["count"] == 0 and rows["W07"]["recurring"] is False  # found then, not now
    assert rows["W07"]["recurrence"][0]["direction"] == "better"
    assert build()["weaknesses"][0]["recurring"] is None  # nothing earlier to recur against


def test_the_same_input_gives_the_same_figures_and_any_change_shows() -> None:
    a, b = build(), build()
    assert a == b and a["reproducibility"]["figures_sha256"] == figures_digest(a)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    changed = build(cases=cases()[1:])
    assert changed["reproducibility"]["input_sha256"] != a["reproducibility"]["input_sha256"]
    assert changed["reproducibility"]["figures_sha256"] != a["reproducibility"]["figures_sha256"]
    later = build(as_of="2024-07-01")
    assert later["reproducibility"]["parameters"]["as_of"] == "2024-07-01"
    assert later["reproducibility"]["input_sha256"] != a["reproducibility"]["input_sha256"]
    tampered = json.loads(json.dumps(a))
    tampered["grades"]["good"]["count"] = 11
    assert figures_digest(tampered) != a["reproducibility"]["figures_sha256"]


def test_no_graded_case_gives_empty_figures_not_an_error() -> None:
    report = build(cases=[])
    assert report["reviews"] == 0 and report["requires_improvement_or_inadequate"]["share"] is None
    assert report["comparisons"] == [] and report["weaknesses"] == []
