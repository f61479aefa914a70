"""The p-chart and the NHS Making Data Count rules (NHS Improvement 2019, "Making data count:
strengthening your decisions"): a point outside its limits, 7 or more in a row on one side of the
centre (a shift), 6 or more in a row rising or falling (a trend).  Each rule is shown firing on a
constructed series and not firing on the same series one point short."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from casereview.domain.control import ChartPoint, inspection_chart, p_chart
from casereview.domain.report import GradedCase, HistoryPoint, build_report

BASE = ChartPoint("Baseline 2016", "baseline", "2016-03-31", 50, 100)  # centre 0.5 exactly


def inspections(*shares: int, n: int = 100) -> list[ChartPoint]:
    """Inspections in time order with ``shares[i]`` of ``n`` cases of concern."""
    return [
        ChartPoint(f"Q{i + 1}", "inspection", f"2020-{i + 1:02d}-28", k, n)
        for i, k in enumerate(shares)
    ]


def rules(chart: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [s for s in chart["signals"] if s["rule"] == rule]


# -- the centre and the limits -------------------------------------------------------------------


def test_limits_match_a_hand_computation_for_each_points_own_n() -> None:
    # Centre 74/100 = 0.74.  For n = 135: 0.74 × 0.26 = 0.1924; / 135 = 0.00142519; √ = 0.0377517;
    # × 3 = 0.113255; limits 0.626745 and 0.853255.  For n = 40: 0.1924 / 40 = 0.00481; √ = 0.0693542;
    # × 3 = 0.208063; limits 0.531937 and 0.948063.
    chart = p_chart(
        [
            ChartPoint("2016 inspection", "baseline", "2016-03-31", 74, 100),
            ChartPoint("Pilot", "inspection", "2024-06-30", 30, 40),
            ChartPoint("Q3 2026", "inspection", "2026-09-30", 125, 135),
        ]
    )
    assert chart is not None
    assert chart["centre"] == pytest.approx(0.74)
    assert chart["sigma"] == 3
    pilot, now = chart["points"][1], chart["points"][2]
    assert (pilot["lower"], pilot["upper"]) == (
        pytest.approx(0.531937, abs=1e-6),
        pytest.approx(0.948063, abs=1e-6),
    )
    assert (now["lower"], now["upper"]) == (
        pytest.approx(0.626745, abs=1e-6),
        pytest.approx(0.853255, abs=1e-6),
    )
    # 125/135 = 92.6% is above 85.3%: a special cause; the pilot's 75% is inside its limits.
    assert now["share"] == pytest.approx(125 / 135)
    assert now["outside"] == "above" and now["rules"] == ["outside_limits"] and now["now"]
    assert pilot["outside"] is None and pilot["rules"] == []
    assert [s["points"] for s in chart["signals"]] == [["Q3 2026"]]
    assert "above its upper limit (85.3%)" in chart["signals"][0]["words"]


def test_limits_are_clipped_to_0_and_1() -> None:
    # Centre 5/100: 3 × √(0.05 × 0.95 / 10) = 0.2068 > 0.05, so the lower limit would be negative.
    chart = p_chart(
        [
            ChartPoint("B", "baseline", "2020-01-01", 5, 100),
            ChartPoint("N", "inspection", "2021-01-01", 0, 10),
        ]
    )
    assert chart is not None
    now = chart["points"][1]
    assert now["lower"] == 0.0
    assert now["upper"] == pytest.approx(0.05 + 3 * math.sqrt(0.05 * 0.95 / 10))
    assert now["outside"] is None  # 0% is on the clipped limit, not below it
    high = p_chart(
        [
            ChartPoint("B", "baseline", "2020-01-01", 95, 100),
            ChartPoint("N", "inspection", "2021-01-01", 10, 10),
        ]
    )
    assert high is not None and high["points"][1]["upper"] == 1.0
    assert high["points"][1]["outside"] is None  # 100% is on the clipped limit, not above it


def test_the_centre_is_the_pooled_share_of_the_baselines_and_never_of_the_inspections() -> None:
    chart = p_chart(
        [
            ChartPoint("A", "baseline", "2015-01-01", 30, 100),
            ChartPoint("Q1", "inspection", "2016-01-01", 90, 100),
            ChartPoint("B", "baseline", "2017-01-01", 60, 200),
            ChartPoint("Now", "inspection", "2018-01-01", 99, 100),
        ]
    )
    assert chart is not None
    assert chart["centre"] == pytest.approx(
        90 / 300
    )  # (30 + 60) / (100 + 200), not the mean of shares
    assert [p["in_centre"] for p in chart["points"]] == [True, False, True, False]
    assert "baselines" in chart["centre_from"] and "90 of 300" in chart["centre_from"]


def test_without_a_baseline_the_centre_is_the_first_three_earlier_results() -> None:
    series = inspections(10, 20, 30, 40, 80)
    chart = p_chart(series)
    assert chart is not None
    assert chart["centre"] == pytest.approx(60 / 300)
    assert [p["in_centre"] for p in chart["points"]] == [True, True, True, False, False]
    assert "no baseline" in chart["centre_from"]
    # With two earlier results, the centre is theirs: never the point being judged.
    two = p_chart(inspections(10, 20, 90))
    assert two is not None and two["centre"] == pytest.approx(30 / 200)
    one = p_chart(inspections(10, 90))
    assert one is not None and one["centre"] == pytest.approx(0.1)
    assert one["points"][1]["outside"] == "above"


def test_no_chart_without_an_earlier_point_with_a_figure() -> None:
    assert p_chart([]) is None
    assert p_chart(inspections(10)) is None
    assert (
        p_chart([ChartPoint("B", "baseline", "2020-01-01", None, None), *inspections(10)]) is None
    )


# -- the rules, each on a constructed series and one point short ---------------------------------


def test_a_point_outside_its_limits_above_and_below_and_one_case_short() -> None:
    # Centre 0.5, n = 50: limits 0.5 ± 3 × √(0.25 / 50) = 0.5 ± 0.2121, so 0.2879 to 0.7121.
    above = p_chart([BASE, *inspections(36, n=50)])  # 72%
    assert above is not None and above["points"][-1]["outside"] == "above"
    assert [s["direction"] for s in rules(above, "outside_limits")] == ["above"]
    inside = p_chart([BASE, *inspections(35, n=50)])  # 70%
    assert inside is not None and inside["points"][-1]["outside"] is None
    assert rules(inside, "outside_limits") == []
    below = p_chart([BASE, *inspections(14, n=50)])  # 28%
    assert below is not None and below["points"][-1]["outside"] == "below"
    assert "fewer cases of concern" in rules(below, "outside_limits")[0]["words"]
    assert rules(p_chart([BASE, *inspections(15, n=50)]) or {}, "outside_limits") == []


def test_a_shift_needs_seven_in_a_row_on_one_side() -> None:
    # The baseline is on the centre (50%): it ends any run; 60% of 100 is inside the limits (35% to 65%).
    seven = p_chart([BASE, *inspections(*[60] * 7)])
    assert seven is not None
    shift = rules(seven, "shift")
    assert len(shift) == 1 and shift[0]["direction"] == "above"
    assert shift[0]["points"] == [f"Q{i}" for i in range(1, 8)]
    assert all("shift" in p["rules"] for p in seven["points"][1:])
    assert "shift" not in seven["points"][0]["rules"]
    assert rules(seven, "outside_limits") == [] and rules(seven, "trend") == []
    six = p_chart([BASE, *inspections(*[60] * 6)])
    assert six is not None and rules(six, "shift") == []
    below = p_chart([BASE, *inspections(*[40] * 8)])
    assert below is not None and [s["direction"] for s in rules(below, "shift")] == ["below"]
    assert len(rules(below, "shift")[0]["points"]) == 8


def test_a_point_on_the_centre_or_across_it_ends_a_run() -> None:
    on_centre = p_chart([BASE, *inspections(60, 60, 60, 50, 60, 60, 60, 60)])
    assert on_centre is not None and rules(on_centre, "shift") == []
    across = p_chart([BASE, *inspections(60, 60, 60, 45, 60, 60, 60, 60)])
    assert across is not None and rules(across, "shift") == []
    # The same share written with another denominator is still exactly on the centre.
    exact = p_chart(
        [
            BASE,
            *inspections(60, 60, 60),
            ChartPoint("Q4", "inspection", "x", 30, 60),
            *inspections(60, 60, 60),
        ]
    )
    assert exact is not None and rules(exact, "shift") == []


def test_a_trend_needs_six_in_a_row_rising_or_falling() -> None:
    rising = p_chart([BASE, *inspections(40, 42, 44, 46, 48, 52)])
    assert rising is not None
    trend = rules(rising, "trend")
    assert len(trend) == 1 and trend[0]["direction"] == "rising"
    assert trend[0]["points"] == ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]
    assert rules(rising, "shift") == [] and rules(rising, "outside_limits") == []
    short = p_chart([BASE, *inspections(43, 42, 44, 46, 48, 52)])  # rising from Q2 only: 5 points
    assert short is not None and rules(short, "trend") == []
    falling = p_chart(
        [BASE, *inspections(58, 56, 54, 52, 48, 46)]
    )  # 50% to 58% rises: the fall starts at Q1
    assert falling is not None
    assert [(s["direction"], len(s["points"])) for s in rules(falling, "trend")] == [("falling", 6)]


def test_an_equal_point_ends_a_trend() -> None:
    flat = p_chart([BASE, *inspections(40, 42, 44, 44, 46, 48, 52)])
    assert flat is not None and rules(flat, "trend") == []


def test_the_baseline_can_start_a_trend() -> None:
    # 30%, 35%, 40%, 45%, 50%, 55%: the baseline is the first of six rising points.
    chart = p_chart(
        [ChartPoint("B", "baseline", "2019-01-01", 30, 100), *inspections(35, 40, 45, 50, 55)]
    )
    assert chart is not None
    assert rules(chart, "trend")[0]["points"] == ["B", "Q1", "Q2", "Q3", "Q4", "Q5"]


def test_rules_that_need_more_points_than_the_chart_has_say_they_cannot_apply() -> None:
    def applies(chart: dict[str, Any] | None) -> dict[str, bool]:
        assert chart is not None
        return {c["rule"]: c["applies"] for c in chart["checks"]}

    assert applies(p_chart([BASE, *inspections(60)])) == {
        "outside_limits": True,
        "shift": False,
        "trend": False,
    }
    assert applies(p_chart([BASE, *inspections(*[60] * 5)])) == {
        "outside_limits": True,
        "shift": False,
        "trend": True,
    }
    assert applies(p_chart([BASE, *inspections(*[60] * 6)]))["shift"] is True
    one = p_chart([BASE, *inspections(60)])
    assert one is not None
    words = next(c["words"] for c in one["checks"] if c["rule"] == "shift")
    assert "cannot apply" in words and "2 points in a row" in words


def test_a_withheld_point_is_a_gap_that_no_signal_rests_on() -> None:
    gap = ChartPoint("Q4", "inspection", "2020-04-28", None, None)
    series = [BASE, *inspections(60, 60, 60), gap, *inspections(60, 60, 60, 60)]
    chart = p_chart(series)
    assert chart is not None
    hidden = chart["points"][4]
    assert hidden["share"] is None and hidden["lower"] is None and hidden["rules"] == []
    assert rules(chart, "shift") == []  # 3 + 4 points, not 7 in a row
    assert {c["rule"]: c["applies"] for c in chart["checks"]}["shift"] is False
    rising = p_chart([BASE, *inspections(40, 42, 44), gap, *inspections(46, 48, 52)])
    assert rising is not None and rules(rising, "trend") == []


def test_the_chart_is_json_and_names_its_method_and_source() -> None:
    chart = p_chart([BASE, *inspections(*[60] * 7)])
    assert chart is not None
    assert json.loads(json.dumps(chart)) == chart
    assert set(chart) >= {"centre", "centre_from", "sigma", "points", "signals", "method"}
    assert set(chart["points"][0]) >= {
        "label",
        "kind",
        "period_end",
        "count",
        "total",
        "share",
        "lower",
        "upper",
        "outside",
        "rules",
    }
    assert "Making data count" in chart["source"] and "2019" in chart["source"]


# -- in the report -------------------------------------------------------------------------------


def graded(concern: int, total: int) -> list[GradedCase]:
    return [
        GradedCase(f"C{i:03d}", "s", "cat", "unit", "inadequate" if i < concern else "good")
        for i in range(total)
    ]


REPORT: dict[str, Any] = {
    "inspection": {"name": "Q3 2026", "body": "Body", "period": ["2026-07-01", "2026-09-30"]},
    "grades": [
        ("good", "Good"),
        ("requires_improvement", "Requires improvement"),
        ("inadequate", "Inadequate"),
    ],
    "areas": [],
    "sample": {"strata": [], "proportional": True, "frame_size": 1000, "replacements": []},
}


def test_the_report_carries_the_chart_with_the_inspection_last() -> None:
    history = [
        HistoryPoint("Q1 2026", "2026-03-31", "inspection", 80, 100),
        HistoryPoint("2016 inspection", "2016-03-31", "baseline", 74, 100),
        HistoryPoint("Empty", "2025-03-31", "inspection", 0, 0),
    ]
    report = build_report(**REPORT, cases=graded(125, 135), history=history)
    chart = report.to_json()["control_chart"]
    assert [p["label"] for p in chart["points"]] == ["2016 inspection", "Q1 2026", "Q3 2026"]
    assert [p["now"] for p in chart["points"]] == [False, False, True]
    assert chart["centre"] == pytest.approx(0.74)
    assert chart["points"][-1]["outside"] == "above"
    assert chart == inspection_chart(
        sorted(history, key=lambda h: h.period_end), (125, 135), REPORT["inspection"]
    )


def test_no_chart_without_graded_cases_or_an_earlier_result() -> None:
    history = [HistoryPoint("2016 inspection", "2016-03-31", "baseline", 74, 100)]
    assert build_report(**REPORT, cases=[], history=history).control_chart is None
    assert build_report(**REPORT, cases=graded(5, 20)).control_chart is None


# -- in the published document -------------------------------------------------------------------

SMALL_EARLIER = [
    HistoryPoint("2016 inspection", "2016-03-31", "baseline", 74, 100),
    HistoryPoint("Tiny", "2020-03-31", "inspection", 2, 40),  # a count of 2: never printed
    *[HistoryPoint(f"Q{i}", f"2021-0{i}-28", "inspection", 80, 100) for i in range(1, 8)],
]


def test_the_published_chart_is_recomputed_from_the_printed_points_only() -> None:
    from casereview.domain.publication import published

    report = build_report(**REPORT, cases=graded(125, 135), history=SMALL_EARLIER)
    chart = published(report)["control_chart"]
    tiny = chart["points"][1]
    assert (tiny["count"], tiny["total"], tiny["share"], tiny["lower"]) == (
        "[c]",
        "[c]",
        None,
        None,
    )
    assert tiny["suppressed"] and tiny["rules"] == []
    assert all("Tiny" not in s["points"] and "Tiny" not in s["words"] for s in chart["signals"])
    now = chart["points"][-1]
    assert (now["count"], now["total"], now["outside"]) == (125, 135, "above")
    assert [s["points"] for s in chart["signals"] if s["rule"] == "shift"] == [
        ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q3 2026"]
    ]
    assert chart["centre"] == pytest.approx(0.74) and "(74 of 100)" in chart["centre_from"]
    # The full report's chart has the small point in it, and a different series of figures.
    assert report.control_chart is not None and report.control_chart["points"][1]["count"] == 2


def test_a_withheld_inspection_is_a_gap_and_the_centre_never_comes_from_a_withheld_point() -> None:
    from casereview.domain.publication import published

    report = build_report(**REPORT, cases=graded(3, 135), history=SMALL_EARLIER)
    document = published(report)
    assert document["requires_improvement_or_inadequate"]["count"] == "[c]"
    chart = document["control_chart"]
    now = chart["points"][-1]
    assert now["count"] == "[c]" and now["share"] is None and now["outside"] is None
    assert now["suppressed"] and now["rules"] == []
    assert all("Q3 2026" not in s["points"] for s in chart["signals"])
    assert [len(s["points"]) for s in chart["signals"]] == [7]  # Q1 to Q7, not the inspection
    # Without the baseline, the only printable earlier points centre it; the tiny one is never pooled.
    no_baseline = build_report(**REPORT, cases=graded(125, 135), history=SMALL_EARLIER[1:])
    centred = published(no_baseline)["control_chart"]
    assert centred["centre"] == pytest.approx(240 / 300)  # Q1 to Q3, not Tiny's 2 of 40
    assert "Tiny" not in centred["centre_from"]
    assert no_baseline.control_chart is not None
    assert no_baseline.control_chart["centre"] == pytest.approx(
        162 / 240
    )  # the full report pools Tiny


def test_no_published_chart_when_no_earlier_point_is_printed() -> None:
    from casereview.domain.publication import published

    report = build_report(**REPORT, cases=graded(125, 135), history=SMALL_EARLIER[1:2])
    assert report.control_chart is not None
    assert published(report)["control_chart"] is None


def test_a_count_above_its_total_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and its total"):
        p_chart([BASE, ChartPoint("Q1", "inspection", "2020-01-01", 60, 40)])
    with pytest.raises(ValueError, match="between 0 and its total"):
        p_chart([BASE, ChartPoint("Q1", "inspection", "2020-01-01", -1, 40)])


def test_effective_design_weighted_numbers_can_be_charted() -> None:
    # A disproportionate sample's point may be its weighted share on an effective number of cases.
    chart = p_chart([BASE, ChartPoint("Q1", "inspection", "2020-01-01", 45.5, 70.25)])
    assert chart is not None
    now = chart["points"][1]
    assert now["share"] == pytest.approx(45.5 / 70.25)
    assert now["upper"] == pytest.approx(0.5 + 3 * math.sqrt(0.25 / 70.25))
