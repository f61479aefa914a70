"""Sample size and power (domain.power), checked against R's power.prop.test and the closed-form formula."""

from __future__ import annotations

import json
import math
from statistics import NormalDist
from typing import Any

import pytest

from casereview.domain.power import (
    METHOD,
    PowerError,
    change_words,
    detectable_change,
    minimum_detectable_change,
    power_section,
    power_to_detect,
    published_power,
    rule_of_three,
    size_for_upper_bound,
    size_to_detect,
    upper_bound,
)
from casereview.domain.report_model import Comparison

Z = NormalDist()


def fleiss_n(p1: float, p2: float, power: float, confidence: float = 0.95) -> float:
    """Fleiss, Levin & Paik (2003) eq. 4.14, without continuity correction, written out independently."""
    za = Z.inv_cdf(1 - (1 - confidence) / 2)
    zb = Z.inv_cdf(power)
    pbar = (p1 + p2) / 2
    top = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return (top / (p2 - p1)) ** 2


def test_r_power_prop_test_worked_example() -> None:
    # R, ?power.prop.test: power.prop.test(p1 = .50, p2 = .75, power = .90)  # => n = 76.7
    assert fleiss_n(0.5, 0.75, 0.9) == pytest.approx(76.7, abs=0.05)
    assert size_to_detect(0.5, 0.75, power=0.9) == 77
    # ... and at n = 77 each the power is at least 0.9, at 76 it is not.
    assert power_to_detect(0.5, 0.75, 77, 77) >= 0.9 > power_to_detect(0.5, 0.75, 76, 76)


def test_not_cohens_h() -> None:
    # pwr.2p.test / NormalIndPower with Cohen's h gives 76.65 for the same example: a different method.
    h = 2 * math.asin(math.sqrt(0.75)) - 2 * math.asin(math.sqrt(0.5))
    arcsine = 2 * ((Z.inv_cdf(0.975) + Z.inv_cdf(0.9)) / h) ** 2
    assert arcsine == pytest.approx(76.65, abs=0.01)
    assert fleiss_n(0.5, 0.75, 0.9) - arcsine > 0.04  # the module follows power.prop.test, not this


@pytest.mark.parametrize(
    ("p1", "p2", "power", "confidence"),
    [
        (0.7, 0.6, 0.8, 0.95),
        (0.3, 0.45, 0.9, 0.95),
        (0.926, 0.743, 0.8, 0.99),
        (0.1, 0.05, 0.8, 0.9),
    ],
)
def test_equal_sizes_are_the_closed_form_rounded_up(
    p1: float, p2: float, power: float, confidence: float
) -> None:
    expected = math.ceil(fleiss_n(p1, p2, power, confidence))
    assert size_to_detect(p1, p2, power=power, confidence=confidence) == expected
    # Direction does not matter for equal sizes.
    assert size_to_detect(p2, p1, power=power, confidence=confidence) == expected


def test_with_the_earlier_size_fixed_the_new_size_is_the_smallest_enough() -> None:
    n = size_to_detect(0.7, 0.6, earlier_n=400)
    assert power_to_detect(0.7, 0.6, 400, n) >= 0.8 > power_to_detect(0.7, 0.6, 400, n - 1)
    equal = size_to_detect(0.7, 0.6)
    assert n < equal  # a larger earlier sample lets the new one be smaller...
    assert size_to_detect(0.7, 0.6, earlier_n=equal) in (
        equal,
        equal - 1,
    )  # ...and the same one, the same
    assert size_to_detect(0.7, 0.6, earlier_n=200) > equal


def test_no_size_is_enough_is_refused_with_how_far_it_gets() -> None:
    with pytest.raises(PowerError, match=r"no size of the new one is enough.*only 0\.\d\d"):
        size_to_detect(0.7, 0.6, earlier_n=50)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"p1": 0.0, "p2": 0.1}, "between 0 and 1"),
        ({"p1": 0.5, "p2": 1.0}, "between 0 and 1"),
        ({"p1": 0.5, "p2": 0.5}, "no change to detect"),
        ({"p1": 0.5, "p2": 0.6, "power": 0.3}, "power must be"),
        ({"p1": 0.5, "p2": 0.6, "confidence": 1.0}, "confidence must be"),
        ({"p1": 0.5, "p2": 0.6, "earlier_n": 0}, "at least 1"),
    ],
)
def test_size_refusals(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(PowerError, match=message):
        size_to_detect(**kwargs)  # type: ignore[arg-type]


def test_the_issue_example_and_its_direction() -> None:
    found = detectable_change(0.7, 135, 135)
    assert found.direction == "fall"  # towards 50%: harder to see
    assert 0.16 < found.change < 0.17
    # The change it names is detected with the power asked for (to the root finder's precision)...
    assert power_to_detect(0.7, 0.7 - found.change, 135, 135) == pytest.approx(0.8, abs=1e-6)
    # ... a rise of the same size more often, a smaller fall less often.
    assert power_to_detect(0.7, 0.7 + found.change, 135, 135) > 0.8
    assert power_to_detect(0.7, 0.7 - found.change + 0.01, 135, 135) < 0.8
    assert change_words(0.7, 135, 135) == (
        "From 70% with 135 cases before and 135 now, a change of about 17 percentage points "
        "would be caught four times in five, and a smaller one could well go unnoticed."
    )


def test_the_detectable_change_is_consistent_with_the_size_to_detect() -> None:
    n = size_to_detect(0.6, 0.45)  # a fall of 15 points towards... past 50%
    assert minimum_detectable_change(0.6, n, n) <= 0.15 + 1e-9
    assert minimum_detectable_change(0.6, n - 1, n - 1) > 0.15 - 0.005


def test_below_half_the_harder_direction_is_a_rise() -> None:
    assert detectable_change(0.3, 135, 135).direction == "rise"
    assert detectable_change(0.5, 100, 100).direction == "either"
    # Symmetric: 30% is 70% seen from the other side.
    assert minimum_detectable_change(0.3, 135, 135) == pytest.approx(
        minimum_detectable_change(0.7, 135, 135), abs=1e-7
    )


def test_more_cases_see_smaller_changes() -> None:
    changes = [minimum_detectable_change(0.7, n, n) for n in (30, 60, 135, 500, 2000)]
    assert changes == sorted(changes, reverse=True)
    assert minimum_detectable_change(0.7, 135, 135, power=0.9) > changes[2]


def test_an_extreme_earlier_share_can_still_be_measured_from() -> None:
    assert detectable_change(0.0, 30, 30).direction == "rise"
    assert detectable_change(1.0, 30, 30).direction == "fall"


def test_a_tiny_sample_sees_no_change_at_all() -> None:
    with pytest.raises(PowerError, match="no change from 70%"):
        minimum_detectable_change(0.7, 2, 2)
    assert change_words(0.7, 2, 2) == (
        "From 70% with 2 cases before and 2 now, even the largest possible change could "
        "well go unnoticed."
    )


def test_words_round_points_and_print_thousands() -> None:
    words = change_words(0.743, 1200, 2500)
    assert words.startswith("From 74.3% with 1,200 cases before and 2,500 now, a change of about")
    points = round(minimum_detectable_change(0.743, 1200, 2500) * 100)
    assert f"about {points} percentage points" in words


def test_rare_events_clopper_pearson_and_the_rule_of_three() -> None:
    # No case in n: the exact one-sided 95% bound is 1 - 0.05^(1/n); below 5% from n = 59.
    assert size_for_upper_bound(0.05) == 59
    assert upper_bound(0, 59) < 0.05 <= upper_bound(0, 58)
    assert upper_bound(0, 59) == pytest.approx(1 - 0.05 ** (1 / 59))
    assert rule_of_three(0.05) == 60  # 3/B, the approximation
    assert size_for_upper_bound(0.01) == 299 and rule_of_three(0.01) == 300
    # With 1% expected to show it, more cases are needed for a 5% bound.
    n = size_for_upper_bound(0.05, expected=0.01)
    assert n > 59
    assert upper_bound(0.01 * n, n) < 0.05 <= upper_bound(0.01 * (n - 1), n - 1)


def test_rare_events_refusals() -> None:
    with pytest.raises(PowerError, match="can never give an upper bound below"):
        size_for_upper_bound(0.05, expected=0.05)
    with pytest.raises(PowerError, match="between 0 and 1"):
        size_for_upper_bound(0.0)


def comparison(against: str, count: int, total: int, now: tuple[int, int]) -> Comparison:
    return Comparison(
        against=against,
        kind="inspection",
        period_end="2024-03-31",
        count_then=count,
        total_then=total,
        share_then=count / total,
        count_now=now[0],
        total_now=now[1],
        share_now=now[0] / now[1],
        test="two-proportion z-test",
        p_value=0.5,
        direction="no significant change",
        wording="no statistically significant change",
    )


def test_power_section_for_the_report() -> None:
    earlier = [
        comparison("2022 inspection", 84, 120, (90, 135)),
    ]
    section = power_section(135, earlier)
    assert section is not None
    assert section["power"] == 0.8 and section["confidence"] == 0.95 and section["method"] == METHOD
    (first,) = section["against"]
    assert first["against"] == "2022 inspection"
    assert first["total_then"] == 120 and first["total_now"] == 135 and first["share_then"] == 0.7
    assert first["minimum_detectable_change"] == pytest.approx(
        minimum_detectable_change(0.7, 120, 135), abs=1e-6
    )
    assert first["direction"] == "fall"
    assert first["words"] == change_words(0.7, 120, 135)
    tiny = power_section(2, [comparison("Tiny", 1, 2, (1, 2))])
    assert tiny is not None and tiny["against"][0]["minimum_detectable_change"] is None
    assert "largest possible" in tiny["against"][0]["words"]
    assert (
        power_section(135, earlier, power=0.9)["against"][0]["minimum_detectable_change"]
        > first[  # type: ignore[index]
            "minimum_detectable_change"
        ]
    )
    assert power_section(0, earlier) is None
    assert power_section(135, []) is None


def test_published_power_keeps_only_printable_earlier_results() -> None:
    section = power_section(
        135, [comparison("A", 84, 120, (90, 135)), comparison("B", 3, 40, (90, 135))]
    )
    published = published_power(section, {"A"})
    assert published is not None and [a["against"] for a in published["against"]] == ["A"]
    assert published_power(section, set()) is None
    assert published_power(None, {"A"}) is None


def test_build_report_states_the_minimum_detectable_change_for_each_comparison() -> None:
    from casereview.domain.report import GradedCase, HistoryPoint, build_report

    grades = [("good", "Good"), ("requires_improvement", "RI"), ("inadequate", "Inadequate")]
    graded = ["good"] * 10 + ["requires_improvement"] * 64 + ["inadequate"] * 61
    cases = [GradedCase(f"C{i:03d}", "s", "c", "North", g) for i, g in enumerate(graded)]
    history = [
        HistoryPoint("2016 inspection", "2016-06-30", "baseline", 84, 120),
        HistoryPoint("2023 Q4", "2023-12-31", "inspection", 90, 130),
    ]
    report = build_report(
        inspection={"id": 1, "name": "Q", "period": ["2024-01-01", "2024-03-31"]},
        grades=grades,
        areas=[],
        cases=cases,
        sample={"strata": [{"label": "s", "frame_size": 900, "sampled": 135}], "frame_size": 900},
        history=history,
    )
    assert report.power is not None
    assert report.power["power"] == 0.8 and report.power["method"] == METHOD
    entries = {a["against"]: a for a in report.power["against"]}
    assert set(entries) == {c.against for c in report.comparisons}
    for c in report.comparisons:
        entry = entries[c.against]
        tests = c.family_tests or 1
        assert entry["tests_in_family"] == tests
        assert entry["confidence"] == pytest.approx(1 - 0.05 / tests)
        assert entry["total_now"] == 135 and entry["total_then"] == c.total_then
        assert entry["minimum_detectable_change"] == pytest.approx(
            minimum_detectable_change(c.share_then, c.total_then, 135, confidence=1 - 0.05 / tests),
            abs=1e-6,
        )
        # Adjusting for the family never makes the detectable change look smaller.
        assert entry["minimum_detectable_change"] >= minimum_detectable_change(
            c.share_then, c.total_then, 135
        )
    assert json.loads(json.dumps(report.to_json()))["power"] == report.power


def test_a_design_weighted_share_counts_as_its_effective_size() -> None:
    plain = power_section(135, [comparison("A", 84, 120, (90, 135))])
    weighted = power_section(135, [comparison("A", 84, 120, (90, 135))], effective_now=97.6)
    assert plain is not None and weighted is not None
    entry = weighted["against"][0]
    assert entry["effective_now"] == 97 and entry["total_now"] == 135
    assert entry["minimum_detectable_change"] > plain["against"][0]["minimum_detectable_change"]
    assert "and 135 now (as precise as 97 cases sampled in proportion)" in entry["words"]
    # An effective size above the count (it cannot help) is ignored.
    assert power_section(135, [comparison("A", 84, 120, (90, 135))], effective_now=140) == plain


def _report(graded: list[str], history: list[Any]) -> Any:
    from casereview.domain.report import GradedCase, build_report

    grades = [("good", "Good"), ("requires_improvement", "RI"), ("inadequate", "Inadequate")]
    cases = [GradedCase(f"C{i:03d}", "s", "c", "North", g) for i, g in enumerate(graded)]
    size = len(graded)
    return build_report(
        inspection={"id": 1, "name": "Q", "period": ["2024-01-01", "2024-03-31"]},
        grades=grades,
        areas=[],
        cases=cases,
        sample={"strata": [{"label": "s", "frame_size": 900, "sampled": size}], "frame_size": 900},
        history=history,
    )


def test_the_published_document_states_it_only_against_printable_results() -> None:
    from casereview.domain.publication import published
    from casereview.domain.report import HistoryPoint

    graded = ["good"] * 10 + ["requires_improvement"] * 64 + ["inadequate"] * 61
    history = [
        HistoryPoint("2016 inspection", "2016-06-30", "baseline", 84, 120),
        HistoryPoint(
            "Small", "2023-12-31", "inspection", 3, 40
        ),  # 3 is a small count: not printable
    ]
    report = _report(graded, history)
    assert report.power is not None and len(report.power["against"]) == 2
    document = published(report)
    assert document["power"] is not None
    assert [a["against"] for a in document["power"]["against"]] == ["2016 inspection"]
    assert document["power"]["against"][0] == report.power["against"][0]


def test_the_published_document_leaves_it_out_when_the_reviews_are_hidden() -> None:
    from casereview.domain.publication import published
    from casereview.domain.report import HistoryPoint

    # Three graded cases: the count of reviews is itself a small number, hidden.
    report = _report(
        ["good", "inadequate", "inadequate"],
        [HistoryPoint("2016 inspection", "2016-06-30", "baseline", 84, 120)],
    )
    assert report.power is not None
    document = published(report)
    assert document["reviews"] != 3
    assert document["power"] is None


def test_planned_against_the_previous_result_or_50_percent() -> None:
    from casereview.domain.power import planned

    against = planned(135, ("the 2016 inspection", 0.7, 135))
    assert against["words"] == (
        "Against the 2016 inspection: from 70% with 135 cases before and 135 now, a change of "
        "about 17 percentage points would be caught four times in five, and a smaller one could well go "
        "unnoticed."
    )
    assert against["minimum_detectable_change"] == pytest.approx(
        minimum_detectable_change(0.7, 135, 135), abs=1e-6
    )
    # Two headline comparisons adjusted together (Holm): taken at 0.05/2, a larger change.
    family = planned(135, ("the 2016 inspection", 0.7, 135), tests=2)
    assert family["confidence"] == 0.975
    assert family["minimum_detectable_change"] == pytest.approx(
        minimum_detectable_change(0.7, 135, 135, confidence=0.975), abs=1e-6
    )
    assert family["minimum_detectable_change"] > against["minimum_detectable_change"]
    nothing = planned(200, None)
    assert nothing["against"] is None and nothing["total_then"] == 200
    assert nothing["words"].startswith("There is no earlier inspection or baseline")
    assert "From 50% with 200 cases before and 200 now" in nothing["words"]
    with pytest.raises(PowerError):
        planned(0, None)
