"""The national trend (issue 21): one stratum per body per quarter, design-weighted points, every quarter's
method stated, a test of national change, and a funnel plot.  Each figure is checked against a computation
written here by hand (the formulas, not the module's helpers)."""

from __future__ import annotations

import datetime as dt
import json
import math
from statistics import NormalDist

import pytest
from scipy.stats import binom, t

from casereview.domain import trends
from casereview.domain.funnel import funnel_limits
from casereview.domain.statistics import Stratum, p_words, stratified_share
from casereview.domain.trend_publication import published_trend, restricted_to
from casereview.domain.trend_publication_text import published_rows, published_text
from casereview.domain.trends import (
    NATIONAL_TEST,
    InspectionResult,
    StratumResult,
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


def kg_n(frames_counts: list[tuple[int, int, int]]) -> float:
    """Korn–Graubard's effective n by hand: min(n, p(1 − p)/Var) (n without variance), times (z/t_df)²."""
    share, se = shr(frames_counts)
    sampled = sum(s for _, s, _ in frames_counts)
    n = min(sampled, share * (1 - share) / se**2) if se > 0 else sampled
    df = max(1, sampled - len(frames_counts))
    return n * (NormalDist().inv_cdf(0.025) / t.ppf(0.025, df)) ** 2


def floored(p1: float, se1: float, n1: float, p0: float, se0: float, n0: float) -> float:
    """The Wald test's p value with each variance at least p̄(1 − p̄)/n, p̄ the shares pooled by n."""
    pooled = (n1 * p1 + n0 * p0) / (n1 + n0)
    v1 = max(se1**2, pooled * (1 - pooled) / n1)
    v0 = max(se0**2, pooled * (1 - pooled) / n0)
    return two_sided((p1 - p0) / math.sqrt(v1 + v0))


def bh(ps: list[float]) -> list[float]:
    """Benjamini–Hochberg by hand: q_(i) = min over j ≥ i of p_(j) · m / j, at most 1."""
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    out = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, ps[i] * m / rank)
        out[i] = running
    return out


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
    assert second["effective_n"] == pytest.approx(kg_n([(1000, 50, 45), (9000, 50, 20)]), abs=0.05)
    p = floored(share, se, second["effective_n"], 0.6, se_before, 100)
    assert change["test"] == "Wald test on the difference of design-weighted shares"
    assert change["p_value"] == pytest.approx(p)
    # The only test of the body family: labelled, not adjusted.
    assert change["family"] == "exploratory" and change["family_tests"] == 1
    assert change["adjusted_p_value"] == pytest.approx(p)
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
    before = [(10_000, 100, 50), (30_000, 100, 30)]
    after = [(10_000, 100, 70), (30_000, 100, 45)]
    (p0, se0), (p1, se1) = shr(before), shr(after)
    p = floored(p1, se1, kg_n(after), p0, se0, kg_n(before))
    change = q2["change_from_previous"]
    assert change["test"] == NATIONAL_TEST
    assert change["tested"] is True and change["bodies_in_both"] == ["AAA", "BBB"]
    assert change["p_value"] == pytest.approx(p)
    assert change["difference"] == pytest.approx(p1 - p0)
    # One test in the national family: its own p value decides.
    assert change["family_tests"] == 1 and change["adjusted_p_value"] == pytest.approx(p)
    assert change["direction"] == ("worse" if p < 0.05 else "no significant change")
    assert change["direction"] == "worse"  # 0.35 → 0.5125: z is about 3
    assert "among the 2 bodies inspected in both quarters" in change["wording"]
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


QUARTER_ENDS = [
    dt.date(2024, 3, 31),
    dt.date(2024, 6, 30),
    dt.date(2024, 9, 30),
    dt.date(2024, 12, 31),
]


def test_quarters_with_no_body_in_common_test_no_national_change() -> None:
    """Body A, always 30%, inspected in Q1 and Q3; body B, always 60%, in Q2 and Q4.  Comparing each
    quarter's own figure said Q2 "worse (p < 0.001)", Q3 "better", Q4 "worse": a change of who was
    inspected, not of anything.  No body is in two consecutive quarters, so nothing is tested."""
    results = [
        InspectionResult(
            *(
                ("AAA", f"A {i}", day, 30, 100, 5000)
                if i % 2 == 0
                else ("BBB", f"B {i}", day, 60, 100, 5000)
            )
        )
        for i, day in enumerate(QUARTER_ENDS)
    ]
    trend = national_trend(results)
    assert [q["share"] for q in trend["quarters"]] == pytest.approx([0.3, 0.6, 0.3, 0.6])
    for q in trend["quarters"]:
        assert q["covers"] == "1 body inspected this quarter"
        assert "the figure of the 1 body inspected this quarter, not of every body" in q["method"]
    for q in trend["quarters"][1:]:
        change = q["change_from_previous"]
        assert change["tested"] is False and change["bodies_in_both"] == []
        assert change["p_value"] is None and change["direction"] is None
        assert change["wording"] == trends.NOT_TESTED
        assert change["covers"] == "no body inspected in both quarters"
    # The published version says the same, in its text and rows too.
    document, audit = published_trend(trend)
    assert audit.passed
    assert [q["change_from_previous"] for q in document["quarters"]] == [
        q["change_from_previous"] for q in trend["quarters"]
    ]
    assert "against 2024-Q1: " + trends.NOT_TESTED in published_text(document)
    assert ("national", "2024-06-30", "change_wording", trends.NOT_TESTED) in published_rows(
        document
    )
    # Each body's own points keep their test: A 30% against 30%, no change.
    a = next(b for b in trend["bodies"] if b["body"] == "AAA")
    assert a["series"][1]["change_from_previous"]["direction"] == "no significant change"


def test_the_national_change_is_over_the_bodies_inspected_in_both_quarters() -> None:
    """A and B in Q1; B and C in Q2 (C far worse, with the largest frame).  The quarters' own figures
    differ by C's arrival; the change is B's alone, at its frame in each quarter."""
    trend = national_trend(
        [
            InspectionResult("AAA", "A 1", Q1, 10, 100, 4000),
            InspectionResult("BBB", "B 1", Q1, 40, 100, 6000),
            InspectionResult("BBB", "B 2", Q2, 44, 100, 6000),
            InspectionResult("CCC", "C 2", Q2, 90, 100, 20_000),
        ]
    )
    q1, q2 = trend["quarters"]
    assert q2["share"] - q1["share"] > 0.4  # 0.28 → 0.785: the quarters' own figures
    change = q2["change_from_previous"]
    assert change["tested"] is True and change["bodies_in_both"] == ["BBB"]
    assert change["covers"] == "1 body inspected in both quarters"
    (p0, se0), (p1, se1) = shr([(6000, 100, 40)]), shr([(6000, 100, 44)])
    assert (change["share_then"], change["share_now"]) == pytest.approx((0.40, 0.44))
    p = floored(p1, se1, kg_n([(6000, 100, 44)]), p0, se0, kg_n([(6000, 100, 40)]))
    assert change["p_value"] == pytest.approx(p) and p > 0.5
    assert change["direction"] == "no significant change"
    assert change["wording"].startswith(
        "no statistically significant change among the 1 body inspected in both quarters"
    )


def test_the_common_bodies_keep_their_frames_and_an_imported_one_the_quarter_s_rate() -> None:
    trend = national_trend(
        [
            InspectionResult("AAA", "A 1", Q1, 20, 100, 2000),
            InspectionResult("BBB", "B 1", Q1, 50, 100, 8000),
            InspectionResult("CCC", "C 1", Q1, 30, 50, None),  # imported
            InspectionResult("DDD", "D 1", Q1, 5, 100, 90_000),  # only in Q1
            InspectionResult("AAA", "A 2", Q2, 30, 100, 2000),
            InspectionResult("BBB", "B 2", Q2, 60, 100, 8000),
            InspectionResult("CCC", "C 2", Q2, 40, 50, None),
        ]
    )
    change = trend["quarters"][1]["change_from_previous"]
    assert change["bodies_in_both"] == ["AAA", "BBB", "CCC"]
    # Q1's rate (frame cases per graded case) is (2,000 + 8,000 + 90,000) / 300; Q2's 10,000 / 200.
    before = [(2000, 100, 20), (8000, 100, 50), (round(50 * 100_000 / 300), 50, 30)]
    after = [(2000, 100, 30), (8000, 100, 60), (round(50 * 10_000 / 200), 50, 40)]
    assert change["share_then"] == pytest.approx(shr(before)[0])
    assert change["share_now"] == pytest.approx(shr(after)[0])
    p = floored(*shr(after), kg_n(after), *shr(before), kg_n(before))
    assert change["p_value"] == pytest.approx(p)


def test_the_quarter_to_quarter_and_point_to_point_tests_are_each_one_benjamini_hochberg_family() -> (
    None
):
    shares = [(30, 40), (45, 30), (50, 20), (52, 33)]  # AAA and BBB, each quarter
    results = [
        InspectionResult(body, f"{body} {i}", day, count, 100, 5000)
        for i, (day, pair) in enumerate(zip(QUARTER_ENDS, shares, strict=True))
        for body, count in zip(("AAA", "BBB"), pair, strict=True)
    ]
    trend = national_trend(results)
    national = [q["change_from_previous"] for q in trend["quarters"][1:]]
    raw = [c["p_value"] for c in national]
    assert [c["adjusted_p_value"] for c in national] == pytest.approx(bh(raw))
    for c in national:
        assert (c["family"], c["adjustment"], c["family_tests"]) == (
            "exploratory",
            "Benjamini–Hochberg",
            3,
        )
        expected = "no significant change"
        if c["adjusted_p_value"] < 0.05:
            expected = "worse" if c["share_now"] > c["share_then"] else "better"
        assert c["direction"] == expected
        assert (
            f"Benjamini–Hochberg-adjusted over the 3 exploratory comparisons of {trends.NATIONAL_FAMILY}"
            in c["wording"]
        )
        assert (
            p_words(c["p_value"]) in c["wording"] and p_words(c["adjusted_p_value"]) in c["wording"]
        )
    # Every body's point-to-point tests are the other family (6 tests), adjusted together.
    points = [p["change_from_previous"] for b in trend["bodies"] for p in b["series"][1:]]
    assert len(points) == 6 and {c["family_tests"] for c in points} == {6}
    assert [c["adjusted_p_value"] for c in points] == pytest.approx(
        bh([c["p_value"] for c in points])
    )
    # AAA's 30% → 45% alone was "worse" (p = 0.028); one of 6 exploratory tests, it is not.
    assert points[0]["p_value"] < 0.05 < points[0]["adjusted_p_value"]
    assert points[0]["direction"] == "no significant change"
    # In the CSV rows too.
    rows = trends.quarter_rows(trend["quarters"][1])
    assert (
        "national",
        "2024-06-30",
        "change_adjusted_p_value",
        national[0]["adjusted_p_value"],
    ) in rows
    assert ("national", "2024-06-30", "change_family_tests", 3) in rows


def test_the_published_trend_adjusts_each_family_with_hidden_tests_at_p_1() -> None:
    trend = national_trend(
        [
            InspectionResult("AAA", "A 1", Q1, 22, 24, 400),  # 2 good: hidden
            InspectionResult("BBB", "B 1", Q1, 57, 60, 900),
            InspectionResult("AAA", "A 2", Q2, 60, 100, 400),
            InspectionResult("BBB", "B 2", Q2, 70, 120, 900),
            InspectionResult("AAA", "A 3", QUARTER_ENDS[2], 40, 100, 400),
            InspectionResult("BBB", "B 3", QUARTER_ENDS[2], 90, 120, 900),
        ]
    )
    document, audit = published_trend(trend)
    assert audit.passed
    first, second = (q["change_from_previous"] for q in document["quarters"][1:])
    assert first["suppressed"] is True and first["p_value"] is None
    assert first["adjusted_p_value"] is None and first["family_tests"] == 2
    assert first["covers"] == "2 bodies inspected in both quarters"
    # The shown test is adjusted as if the hidden one had p = 1, over the family of 2: min(1, 2p).
    full = trend["quarters"][2]["change_from_previous"]
    assert second["p_value"] == full["p_value"]
    assert second["adjusted_p_value"] == pytest.approx(bh([1.0, full["p_value"]])[1])
    assert second["adjusted_p_value"] == pytest.approx(min(1.0, 2 * full["p_value"]))
    # AAA's first point is hidden: its change to A 2 is, and the body family is adjusted over 4 with it at 1.
    a = next(b for b in document["bodies"] if b["body"] == "AAA")
    hidden = a["series"][1]["change_from_previous"]
    assert hidden["suppressed"] is True and hidden["adjusted_p_value"] is None
    shown = [p["change_from_previous"] for b in document["bodies"] for p in b["series"][1:]]
    ps = [1.0 if c.get("suppressed") else c["p_value"] for c in shown]
    assert [c["adjusted_p_value"] for c in shown if not c.get("suppressed")] == pytest.approx(
        [q for q, c in zip(bh(ps), shown, strict=True) if not c.get("suppressed")]
    )


def test_a_change_is_shown_when_its_bodies_are_even_if_a_quarter_s_estimate_is_not() -> None:
    trend = national_trend(
        [
            InspectionResult("AAA", "A 1", Q1, 60, 100, 5000),
            InspectionResult("CCC", "C 1", Q1, 2, 3, 5000),  # hidden; only in Q1
            InspectionResult("DDD", "D 1", Q1, 40, 90, 5000),  # only in Q1
            InspectionResult("AAA", "A 2", Q2, 70, 100, 5000),
            InspectionResult("BBB", "B 2", Q2, 50, 120, 5000),
        ]
    )
    document, audit = published_trend(trend)
    assert audit.passed
    q1, q2 = document["quarters"]
    # Q1's own estimate (it would need C's count) is withheld; the change uses only AAA's points, shown.
    assert q1["method_code"] == "withheld" and q1["share"] is None
    assert [p["count"] for p in document["bodies"][0]["series"]] == [60, 70]
    change = q2["change_from_previous"]
    assert not change.get("suppressed") and change["bodies_in_both"] == ["AAA"]
    assert change["p_value"] == trend["quarters"][1]["change_from_previous"]["p_value"]


def test_two_zero_variance_estimates_from_a_handful_of_cases_do_not_give_p_0() -> None:
    """3 cases in each of two strata, every case (or none) of concern in each: the stratified variance
    is 0 on both sides, and without the floor 10% against 90% gave p = 0."""
    before = disproportionate("AAA", "A 1", Q1, [("x", 1000, 3, 3), ("y", 9000, 3, 0)])
    now = disproportionate("AAA", "A 2", Q2, [("x", 1000, 3, 0), ("y", 9000, 3, 3)])
    trend = national_trend([before, now])
    first, second = trend["bodies"][0]["series"]
    assert (first["share"], second["share"]) == pytest.approx((0.1, 0.9))
    assert first["standard_error"] == second["standard_error"] == 0
    n = kg_n([(1000, 3, 3), (9000, 3, 0)])  # 6 cases, df 4: about 3
    assert first["effective_n"] == pytest.approx(n, abs=0.05)
    change = second["change_from_previous"]
    assert change["p_value"] == pytest.approx(
        floored(0.9, 0, second["effective_n"], 0.1, 0, first["effective_n"])
    )
    assert change["p_value"] > 0.01
    # The quarters too: one body, the same strata.
    national = trend["quarters"][1]["change_from_previous"]
    assert national["p_value"] > 0.01


def test_the_funnel_centres_on_the_points_as_plotted() -> None:
    """A weighted point is plotted at its design-weighted share and effective n: the centre is Σ n·p / Σ n
    over the plotted points, not its raw counts."""
    weighted = disproportionate("AAA", "A", Q2, [("x", 1000, 50, 45), ("y", 9000, 50, 5)])
    trend = national_trend([weighted, InspectionResult("BBB", "B", Q2, 60, 100, 5000)])
    f = trend["funnel"]
    a, b = (next(p for p in f["points"] if p["body"] == body) for body in ("AAA", "BBB"))
    point = trend["bodies"][0]["series"][0]
    assert a["n"] == round(point["effective_n"]) and a["share"] == pytest.approx(
        0.1 * 0.9 + 0.9 * 0.1
    )
    assert f["centre"] == pytest.approx((a["n"] * a["share"] + 100 * 0.6) / (a["n"] + 100))
    raw = (50 + 60) / 200  # what the counts would have given
    assert abs(f["centre"] - raw) > 0.05
    assert "Σ n·p / Σ n" in f["centre_rule"]


def test_a_weighted_census_has_no_infinite_figure_in_the_trend() -> None:
    """Every stratum wholly graded: no sampling variance, an infinite effective n.  Nothing in the trend
    (or its published version) is inf or NaN; the funnel plots it at its cases graded."""
    census = disproportionate("AAA", "A 1", Q1, [("x", 10, 10, 4), ("y", 30, 30, 9)])
    again = disproportionate("AAA", "A 2", Q2, [("x", 10, 10, 6), ("y", 30, 30, 9)])
    trend = national_trend([census, again, InspectionResult("BBB", "B 1", Q1, 20, 60, 500)])
    point = trend["bodies"][0]["series"][0]
    assert point["design_weighted"] is True and point["effective_n"] is None
    assert trend["quarters"][1]["effective_n"] is None
    json.dumps(trend, allow_nan=False)
    (a,) = (p for p in trend["funnel"]["points"] if p["body"] == "AAA")
    assert a["n"] == 40
    change = trend["bodies"][0]["series"][1]["change_from_previous"]
    assert change["p_value"] is not None and math.isfinite(change["p_value"])
    document, audit = published_trend(trend)
    assert audit.passed
    json.dumps(document, allow_nan=False)
