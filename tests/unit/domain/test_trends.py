"""The national trend (issue 21): one stratum per body per quarter, design-weighted points, every quarter's
method stated, a test of national change, and a funnel plot.  Each figure is checked against a computation
written here by hand (the formulas, not the module's helpers)."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from scipy.stats import binom

from casereview.domain import trends
from casereview.domain.statistics import Stratum, p_words, stratified_share
from casereview.domain.trend_publication import (
    published_rows,
    published_text,
    published_trend,
    restricted_to,
)
from casereview.domain.trends import (
    NATIONAL_TEST,
    InspectionResult,
    StratumResult,
    funnel_limits,
    national_trend,
)

Q1, Q2 = dt.date(2024, 3, 31), dt.date(2024, 6, 30)


def shr(frames_counts: list[tuple[int, int, int]]) -> tuple[float, float]:
    """A stratified share and its standard error by hand: Σ W_h p_h, Σ W_h² (1 − n_h/N_h) p_h(1 − p_h)/(n_h − 1)."""
    total = sum(n for n, _, _ in frames_counts)
    share = sum(n / total * c / s for n, s, c in frames_counts)
    var = sum(
        (n / total) ** 2 * (1 - s / n) * (c / s) * (1 - c / s) / (s - 1)
        for n, s, c in frames_counts
    )
    return share, math.sqrt(var)


def two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def test_a_body_inspected_twice_in_a_quarter_is_one_stratum() -> None:
    trend = national_trend(
        [
            InspectionResult("AAA", "A early", dt.date(2024, 2, 29), 30, 50, 1000),
            InspectionResult("AAA", "A late", Q1, 40, 50, 800),
            InspectionResult("BBB", "B", Q1, 20, 100, 4000),
        ]
    )
    (q,) = trend["quarters"]
    assert (q["bodies"], q["inspections"], q["reviews"], q["count"]) == (2, 3, 200, 90)
    # AAA: 70 of 100 graded, frame the largest of its two (1,000); BBB: 20 of 100 of 4,000.
    share, se = shr([(1000, 100, 70), (4000, 100, 20)])
    assert q["share"] == pytest.approx(share) and q["standard_error"] == pytest.approx(se)
    # Two strata for AAA (the old way) would have given another figure.
    two = shr([(1000, 50, 30), (800, 50, 40), (4000, 100, 20)])[0]
    assert abs(q["share"] - two) > 0.01
    assert q["pooled_inspections"] == {"AAA": ["A early", "A late"]}
    assert (
        "AAA's 2 inspections in the quarter (A early, A late) pooled as one stratum" in q["method"]
    )
    assert q["method_code"] == trends.STRATIFIED
    # Each inspection keeps its own point in the body's series.
    (a,) = (b for b in trend["bodies"] if b["body"] == "AAA")
    assert [p["inspection"] for p in a["series"]] == ["A early", "A late"]


def test_an_imported_sample_is_stated_and_the_quarter_is_weighted_among_the_bodies_with_frames() -> (
    None
):
    trend = national_trend(
        [
            InspectionResult("AAA", "A", Q1, 50, 100, 10_000),
            InspectionResult("BBB", "B", Q1, 20, 50, 20_000),
            InspectionResult("CCC", "C (imported)", Q1, 20, 30, None),
        ]
    )
    (q,) = trend["quarters"]
    assert q["method_code"] == trends.STRATIFIED_WITH_POOLED
    assert q["weighted_bodies"] == ["AAA", "BBB"] and q["pooled_without_frame"] == ["CCC"]
    assert "CCC (frame unknown: imported sample) pooled into one more stratum" in q["method"]
    # CCC is sampled, by assumption, at the others' rate: 30,000 frame cases for 150 graded, 200 a case.
    assert q["imputed_frame"] == 6000
    share, se = shr([(10_000, 100, 50), (20_000, 50, 20), (6000, 30, 20)])
    assert q["share"] == pytest.approx(share) and q["standard_error"] == pytest.approx(se)
    (c,) = (b for b in trend["bodies"] if b["body"] == "CCC")
    assert "imported" in c["series"][0]["method"]

    assert ("national", "2024-03-31", "method", q["method"]) in trends.quarter_rows(q)
    document, audit = published_trend(trend)
    assert audit.passed and document["quarters"][0]["method"] == q["method"]
    assert "imputed_frame" not in document["quarters"][0]  # worked from frames: never printed
    assert ("national", "2024-03-31", "method", q["method"]) in published_rows(document)


def test_a_quarter_with_no_frame_known_is_the_pooled_share_and_says_so() -> None:
    trend = national_trend(
        [
            InspectionResult("AAA", "A", Q1, 5, 10, None),
            InspectionResult("BBB", "B", Q1, 80, 100, None),
        ]
    )
    (q,) = trend["quarters"]
    assert q["method_code"] == trends.POOLED and q["share"] == pytest.approx(85 / 110)
    assert "no body's frame size is known (imported samples: AAA, BBB)" in q["method"]


def disproportionate(
    body: str, name: str, day: dt.date, strata: list[tuple[str, int, int, int]]
) -> InspectionResult:
    return InspectionResult(
        body,
        name,
        day,
        sum(c for _, _, _, c in strata),
        sum(g for _, _, g, _ in strata),
        sum(n for _, n, _, _ in strata),
        tuple(StratumResult(label, n, g, c) for label, n, g, c in strata),
        proportional=False,
    )


def test_a_disproportionate_inspection_s_point_is_the_stratified_estimate() -> None:
    # Equal allocation: 50 cases from each of a small and a large stratum.
    before = InspectionResult("AAA", "A 1", Q1, 60, 100, 10_000)
    now = disproportionate("AAA", "A 2", Q2, [("cse", 1000, 50, 45), ("missing", 9000, 50, 20)])
    trend = national_trend([before, now])
    first, second = trend["bodies"][0]["series"]
    assert first["design_weighted"] is False and first["method_code"] == trends.PLAIN
    share, se = shr([(1000, 50, 45), (9000, 50, 20)])
    assert second["design_weighted"] is True and second["method_code"] == trends.WEIGHTED
    assert second["share"] == pytest.approx(share) == pytest.approx(0.1 * 0.9 + 0.9 * 0.4)
    assert second["unweighted_share"] == pytest.approx(0.65)  # what the old trend printed
    assert second["standard_error"] == pytest.approx(se)
    e = stratified_share([Stratum(1000, 50, 45), Stratum(9000, 50, 20)])
    assert (second["ci_low"], second["ci_high"]) == pytest.approx((e.low, e.high))
    # The comparison is the Wald test on the weighted share against the plain one.
    change = second["change_from_previous"]
    se_before = math.sqrt(0.6 * 0.4 / 100)
    p = two_sided((share - 0.6) / math.sqrt(se**2 + se_before**2))
    assert change["test"] == "Wald test on the difference of design-weighted shares"
    assert change["p_value"] == pytest.approx(p)
    assert change["share_now"] == pytest.approx(share) and change["share_then"] == 0.6
    # The quarter uses the body's strata (its weighted share): one body, so the same figure.
    q2 = trend["quarters"][1]
    assert q2["share"] == pytest.approx(share) and q2["design_weighted_bodies"] == ["AAA"]
    assert "design-weighted within AAA" in q2["method"]


def test_proportional_points_keep_the_exact_tests() -> None:
    trend = national_trend(
        [
            InspectionResult("AAA", "A 1", Q1, 1, 10, 500),
            InspectionResult("AAA", "A 2", Q2, 9, 12, 500),
        ]
    )
    change = trend["bodies"][0]["series"][1]["change_from_previous"]
    assert change["test"] == "Fisher's exact test"


def test_a_national_quarter_with_a_disproportionate_body_weights_within_it() -> None:
    trend = national_trend(
        [
            disproportionate("AAA", "A", Q1, [("x", 1000, 50, 45), ("y", 9000, 50, 20)]),
            InspectionResult("BBB", "B", Q1, 30, 100, 5000),
        ]
    )
    (q,) = trend["quarters"]
    share, se = shr([(1000, 50, 45), (9000, 50, 20), (5000, 100, 30)])
    assert q["share"] == pytest.approx(share)
    assert q["share"] == pytest.approx((10_000 * 0.45 + 5000 * 0.3) / 15_000)
    assert q["standard_error"] == pytest.approx(se)


def test_national_change_between_quarters_is_a_wald_test_on_the_two_estimates() -> None:
    trend = national_trend(
        [
            InspectionResult("AAA", "A 1", Q1, 50, 100, 10_000),
            InspectionResult("BBB", "B 1", Q1, 30, 100, 30_000),
            InspectionResult("AAA", "A 2", Q2, 70, 100, 10_000),
            InspectionResult("BBB", "B 2", Q2, 45, 100, 30_000),
        ]
    )
    q1, q2 = trend["quarters"]
    assert q1["change_from_previous"] is None
    p0, se0 = shr([(10_000, 100, 50), (30_000, 100, 30)])
    p1, se1 = shr([(10_000, 100, 70), (30_000, 100, 45)])
    z = (p1 - p0) / math.sqrt(se0**2 + se1**2)
    change = q2["change_from_previous"]
    assert change["test"] == NATIONAL_TEST
    assert change["p_value"] == pytest.approx(two_sided(z))
    assert change["difference"] == pytest.approx(p1 - p0)
    assert change["direction"] == ("worse" if two_sided(z) < 0.05 else "no significant change")
    assert change["direction"] == "worse"  # 0.35 → 0.5125: z is about 3.2
    assert p_words(change["p_value"]) in change["wording"] and change["against"] == "2024-Q1"
    # Shown in the published version (nothing small here) and in its text and rows.
    document, audit = published_trend(trend)
    assert audit.passed and document["quarters"][1]["change_from_previous"] == change
    assert change["wording"] in published_text(document)
    assert ("national", "2024-06-30", "change_p_value", change["p_value"]) in published_rows(
        document
    )


def limit_by_search(n: int, p0: float, tail: float) -> float:
    """Spiegelhalter's exact limit found by walking the binomial distribution count by count."""
    r = 0
    while binom.cdf(r, n, p0) < tail:
        r += 1
    below = binom.cdf(r - 1, n, p0) if r > 0 else 0.0
    at = binom.cdf(r, n, p0)
    return (r - (at - tail) / (at - below)) / n


@pytest.mark.parametrize(("n", "centre"), [(10, 0.3), (57, 0.62), (400, 0.85), (1500, 0.5)])
def test_funnel_limits_are_the_exact_binomial_ones(n: int, centre: float) -> None:
    limits = funnel_limits(n, centre)
    for key, tail in (
        ("low_95", 0.025),
        ("high_95", 0.975),
        ("low_99_8", 0.001),
        ("high_99_8", 0.999),
    ):
        assert limits[key] == pytest.approx(min(1.0, max(0.0, limit_by_search(n, centre, tail))))
    assert (
        limits["low_99_8"] <= limits["low_95"] < centre < limits["high_95"] <= limits["high_99_8"]
    )
    # For large n they approach the normal limits p ± z √(p(1 − p)/n).
    if n >= 400:
        half = 1.959964 * math.sqrt(centre * (1 - centre) / n)
        assert limits["high_95"] - limits["low_95"] == pytest.approx(2 * half, rel=0.05)


def test_the_funnel_centres_on_the_latest_points_and_flags_an_outlier() -> None:
    results = [
        InspectionResult("AAA", "A old", Q1, 10, 100, 1000),  # not the latest: left out
        InspectionResult("AAA", "A", Q2, 50, 100, 1000),
        InspectionResult("BBB", "B", Q2, 52, 100, 1000),
        InspectionResult("CCC", "C", Q2, 48, 100, 1000),
        InspectionResult("DDD", "D", Q2, 390, 400, 1000),
    ]
    f = national_trend(results)["funnel"]
    assert f["centre"] == pytest.approx((50 + 52 + 48 + 390) / 700)
    by_body = {p["body"]: p for p in f["points"]}
    assert by_body["DDD"]["position"] == "above the 99.8% limit"
    assert by_body["AAA"]["position"] == "below the 99.8% limit"  # 50% against a centre of 77%
    assert by_body["AAA"]["n"] == 100 and by_body["AAA"]["inspection"] == "A"
    assert by_body["AAA"]["low_95"] == pytest.approx(limit_by_search(100, f["centre"], 0.025))
    ns = [row["n"] for row in f["limits"]]
    assert ns == sorted(ns) and ns[0] == 50 and ns[-1] == 440 and len(ns) > 20


def test_the_published_funnel_shows_only_bodies_whose_latest_point_is_shown() -> None:
    trend = national_trend(
        [
            InspectionResult("AAA", "A", Q2, 60, 100, 5000),
            InspectionResult("BBB", "B", Q2, 70, 120, 5000),
            InspectionResult("CCC", "C", Q2, 2, 3, 5000),  # small: hidden
        ]
    )
    document, audit = published_trend(trend)
    assert audit.passed
    (c,) = (b for b in document["bodies"] if b["body"] == "CCC")
    assert c["series"][0]["share"] is None
    assert [p["body"] for p in document["funnel"]["points"]] == ["AAA", "BBB"]
    assert [p["body"] for p in trend["funnel"]["points"]] == ["AAA", "BBB", "CCC"]
    assert [b["series"][-1]["count"] for b in document["bodies"]] == [60, 70, "[c]"]
    assert document["funnel"]["centre"] == pytest.approx(130 / 220)  # the shown points' alone


def test_a_withheld_quarter_estimate_withholds_its_national_change() -> None:
    trend = national_trend(
        [
            InspectionResult("AAA", "A 1", Q1, 22, 24, 400),
            InspectionResult("BBB", "B 1", Q1, 57, 60, 900),
            InspectionResult("AAA", "A 2", Q2, 60, 100, 400),
            InspectionResult("BBB", "B 2", Q2, 70, 120, 900),
        ]
    )
    document, audit = published_trend(trend)
    assert audit.passed
    q1, q2 = document["quarters"]
    change = q2["change_from_previous"]
    # AAA's 2 good of 24 hide Q1's weighted estimate (with frames it would solve for them): the pooled
    # share is published in its place, and the change, worked from the weighted one, is not.
    assert q1["method_code"] == "pooled_weighted_withheld" and q1["share"] is not None
    assert trend["quarters"][1]["change_from_previous"]["p_value"] is not None
    assert change["suppressed"] is True and change["p_value"] is None and change["wording"] is None
    assert change["test"] == NATIONAL_TEST
    assert "against 2024-Q1: not published" in published_text(document)


def test_a_design_weighted_point_publishes_no_frame_and_no_strata() -> None:
    trend = national_trend(
        [disproportionate("AAA", "A", Q1, [("x", 1000, 50, 30), ("y", 9000, 50, 20)])]
    )
    document, audit = published_trend(trend)
    assert audit.passed
    point = document["bodies"][0]["series"][0]
    assert not {"strata", "frame", "covered_frame"} & set(point)
    assert point["share"] == pytest.approx(trend["bodies"][0]["series"][0]["share"])
    assert point["design_weighted"] is True


def test_funnel_limits_at_a_centre_of_0_or_1_are_the_centre() -> None:
    for centre in (0.0, 1.0):
        assert set(funnel_limits(7, centre).values()) == {centre}


def test_a_published_trend_for_some_bodies_keeps_their_funnel_points_and_the_whole_centre() -> None:
    trend = national_trend(
        [
            InspectionResult("AAA", "A", Q2, 60, 100, 5000),
            InspectionResult("BBB", "B", Q2, 70, 120, 5000),
            InspectionResult("CCC", "C", Q2, 30, 90, 5000),
        ]
    )
    document, audit = published_trend(trend)
    assert audit.passed
    only = restricted_to(document, {"BBB"})
    assert [p["body"] for p in only["funnel"]["points"]] == ["BBB"]
    assert only["funnel"]["centre"] == document["funnel"]["centre"] == pytest.approx(160 / 310)
    text = published_text(only)
    assert "Funnel plot" in text and "BBB (2024-06-30): 58.3% of n = 120" in text
    assert "AAA (2024-06-30)" not in text


def test_a_weighted_and_a_plain_inspection_of_a_body_in_a_quarter_average_by_cases_graded() -> None:
    trend = national_trend(
        [
            disproportionate("AAA", "A equal", Q1, [("x", 1000, 50, 45), ("y", 9000, 50, 20)]),
            InspectionResult("AAA", "A plain", dt.date(2024, 2, 1), 50, 100, 8000),
        ]
    )
    (q,) = trend["quarters"]
    assert (q["bodies"], q["inspections"]) == (1, 2)
    # Weighted 45% (0.1 · 0.9 + 0.9 · 0.4) and plain 50%, 100 cases each: 47.5%.
    assert q["share"] == pytest.approx(0.5 * 0.45 + 0.5 * 0.5)
    # The frame is the largest, 10,000: each inspection half of it, the weighted one's split 1:9.
    assert q["standard_error"] == pytest.approx(
        shr([(500, 50, 45), (4500, 50, 20), (5000, 100, 50)])[1]
    )


def test_a_small_stratum_withholds_the_weighted_point_and_the_trend_still_publishes() -> None:
    """3 of 10 in one stratum: the weighted share (which uses it) is withheld, and the audit of an attacker
    who also reads the body's report (which hides that stratum's count and one more, as its own rule
    does) passes; an attacker model that let the report show the other stratum and the headline failed."""
    trend = national_trend(
        [
            disproportionate("AAA", "A", Q1, [("x", 1000, 10, 3), ("y", 9000, 50, 30)]),
            InspectionResult("BBB", "B", Q1, 40, 80, 5000),
        ]
    )
    document, audit = published_trend(trend)
    assert audit.passed, audit.reasons()
    a = document["bodies"][0]["series"][0]
    assert a["design_weighted"] is True and a["share"] is None and a["band"] is None
    assert a["reviews"] == 60 and not {"strata", "frame", "covered_frame"} & set(a)
    assert document["bodies"][1]["series"][0]["share"] == 0.5
