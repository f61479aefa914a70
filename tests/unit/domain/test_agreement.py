"""Agreement statistics against published worked examples, and the rules around them."""

from __future__ import annotations

import dataclasses
import json
import random
from typing import Any

import numpy as np
import pytest

from casereview.domain.agreement import (
    ANALYTIC,
    ANALYTIC_FROM,
    BOOTSTRAP,
    FEW_PAIRS,
    MarkPair,
    ac1_analytic,
    agreement_by_area,
    agreement_of,
    alpha_ordinal,
    few_pairs_warning,
    kappa_analytic,
    pair_agreement,
    prevalence_and_bias,
    table_of,
)

YES_NO = ["yes", "no"]
GRADES = ["good", "requires_improvement", "inadequate"]


def pairs_of(table: list[list[int]], scale: list[str]) -> list[tuple[str, str]]:
    """The (first, second) pairs of a contingency table: rows the first rater, columns the second."""
    return [
        (scale[i], scale[j])
        for i, row in enumerate(table)
        for j, count in enumerate(row)
        for _ in range(count)
    ]


# -- Cohen's kappa and its analytic interval ---------------------------------------------------------


def test_cohens_kappa_matches_the_textbook_example() -> None:
    # Cohen's kappa worked example (Wikipedia, "Cohen's kappa"): 50 proposals,
    # both yes 20, A yes/B no 5, A no/B yes 10, both no 15 -> p_o = 0.7, p_e = 0.5, kappa = 0.4.
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    result = pair_agreement(pairs, YES_NO, ("A", "B"))
    assert result.agreement == pytest.approx(0.7)
    assert result.kappa == pytest.approx(0.4)


# SAS/STAT User's Guide, PROC FREQ "Agreement study" example (also statsmodels' test data, table10):
# simple kappa 0.4842, ASE 0.1380, 95% limits 0.2137 to 0.7547; weighted kappa with Cicchetti-Allison
# (linear) weights 0.4701, ASE 0.1457, 95% limits 0.1845 to 0.7558.  The ASE is Fleiss, Cohen &
# Everitt's (1969) large-sample standard error.
SAS = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]


def test_kappa_and_its_standard_error_match_the_sas_worked_example() -> None:
    table = np.array(SAS, float)
    plain, linear = kappa_analytic(table, False), kappa_analytic(table, True)
    assert plain is not None and linear is not None
    assert plain == pytest.approx((0.4842, 0.1380), abs=5e-5)
    assert linear == pytest.approx((0.4701, 0.1457), abs=5e-5)


# Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed.: 100 pregnant women classified by two
# abstractors (Ectopic, AIU, NIU); the irrCAC packages ship it as cont3x3abstractors.  Gwet's AC1 0.84933,
# standard error 0.04322, 95% interval 0.76358 to 0.93508; Cohen's kappa 0.796 (0.680 to 0.913), linear
# weighted 0.843 (0.748 to 0.938).
ABSTRACTORS = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
# Gwet's cont4x4diagnosis (223 psychiatric patients, two diagnosis methods): AC1 0.456, s.e. 0.043;
# Cohen's kappa 0.432, s.e. 0.046; linear weighted 0.407, s.e. 0.053.
DIAGNOSIS = [[40, 4, 4, 17], [6, 25, 2, 13], [4, 1, 21, 12], [15, 5, 9, 45]]


def test_kappa_intervals_from_thirty_pairs_up_are_analytic_and_match_gwets_handbook() -> None:
    result = pair_agreement(pairs_of(ABSTRACTORS, GRADES), GRADES, ("a", "b"))
    assert result.cases == 100 and result.interval_method == ANALYTIC
    assert result.kappa == pytest.approx(0.796, abs=5e-4)
    assert result.kappa_ci == pytest.approx((0.680, 0.913), abs=1.5e-3)
    assert result.weighted_kappa == pytest.approx(0.843, abs=5e-4)
    assert result.weighted_kappa_ci == pytest.approx((0.748, 0.938), abs=1.5e-3)


def test_the_standard_errors_match_the_four_category_example() -> None:
    table = np.array(DIAGNOSIS, float)
    assert kappa_analytic(table, False) == pytest.approx((0.432, 0.046), abs=5e-4)
    assert kappa_analytic(table, True) == pytest.approx((0.407, 0.053), abs=5e-4)
    assert ac1_analytic(table) == pytest.approx((0.456, 0.043), abs=6e-4)


# -- Gwet's AC1 --------------------------------------------------------------------------------------


def test_gwets_ac1_and_its_interval_match_the_handbook() -> None:
    ac1 = ac1_analytic(np.array(ABSTRACTORS, float))
    assert ac1 == pytest.approx((0.84933, 0.04322), abs=5e-6)
    result = pair_agreement(pairs_of(ABSTRACTORS, GRADES), GRADES, ("a", "b"))
    assert result.ac1 == pytest.approx(0.84933, abs=5e-6)
    assert result.ac1_ci == pytest.approx((0.76358, 0.93508), abs=5e-6)


def test_ac1_stays_high_where_kappa_reads_low_because_one_grade_is_rare() -> None:
    # 100 cases, 96 agreed "inadequate": kappa is dragged down by prevalence, AC1 is not.
    table = [[1, 0, 2], [0, 0, 0], [2, 0, 95]]
    result = pair_agreement(pairs_of(table, GRADES), GRADES, ("a", "b"))
    assert result.agreement == pytest.approx(0.96)
    assert result.kappa is not None and result.ac1 is not None
    assert result.kappa < 0.5 < 0.9 < result.ac1
    # 95 cases both of concern, 1 both good: PI = (95 - 1) / 100; the 2 + 2 disagreements balance.
    assert result.prevalence_index == pytest.approx(0.94)
    assert result.bias_index == pytest.approx(0.0)


# -- Krippendorff's alpha ------------------------------------------------------------------------------


def test_krippendorffs_alpha_matches_his_two_observer_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example A: binary data, two
    # observers, ten units, no missing data -> alpha = 0.095.  (With two values the ordinal metric is
    # the nominal one, so the ordinal alpha is the same.)
    first = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    second = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    pairs = [(str(a), str(b)) for a, b in zip(first, second, strict=True)]
    value = alpha_ordinal(table_of(pairs, ["0", "1"]))
    assert value == pytest.approx(0.095, abs=5e-4)


def test_the_ordinal_alpha_credits_near_misses_and_is_undefined_on_one_grade() -> None:
    near = pairs_of([[4, 2, 0], [0, 0, 0], [0, 0, 4]], GRADES)
    far = pairs_of([[4, 0, 2], [0, 0, 0], [0, 0, 4]], GRADES)
    a, b = alpha_ordinal(table_of(near, GRADES)), alpha_ordinal(table_of(far, GRADES))
    assert a is not None and b is not None and a > b
    assert alpha_ordinal(table_of([("good", "good")] * 5, GRADES)) is None


def test_the_library_still_gives_krippendorffs_own_ordinal_example() -> None:
    # Krippendorff (2011), example C: four observers, twelve units, values 1-5 with missing ones:
    # ordinal alpha 0.815 (the krippendorff package's documentation cites the same figure).
    import krippendorff

    nan = np.nan
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    value = krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal")
    assert value == pytest.approx(0.815, abs=5e-4)


# -- prevalence and bias indices -------------------------------------------------------------------


def test_prevalence_and_bias_indices_satisfy_byrt_bishop_and_carlins_identity() -> None:
    # Byrt, Bishop & Carlin (1993): on a 2 x 2 table, with PABAK = 2 p_o - 1,
    # kappa = (PABAK - PI^2 + BI^2) / (1 - PI^2 + BI^2).
    rng = random.Random(1993)
    for _ in range(50):
        a, b, c, d = (rng.randint(0, 30) for _ in range(4))
        table = [[a, b], [c, d]]  # rows the first mark: concern, good
        pairs = pairs_of(table, ["concern", "good"])
        if not pairs:
            continue
        result = pair_agreement(pairs, ["good", "concern"], ("x", "y"))
        pi, bi = prevalence_and_bias(pairs, {"concern"}) or (0.0, 0.0)
        assert pi == pytest.approx((a - d) / (a + b + c + d))
        assert bi == pytest.approx((b - c) / (a + b + c + d))
        if result.kappa is None:
            continue
        pabak = 2 * result.agreement - 1
        assert result.kappa == pytest.approx(
            (pabak - pi**2 + bi**2) / (1 - pi**2 + bi**2), abs=1e-9
        )


def test_the_bias_index_says_which_marker_calls_more_cases_of_concern() -> None:
    harsher_first = [("inadequate", "good")] * 6 + [("good", "good")] * 10
    result = pair_agreement(harsher_first, GRADES, ("x", "y"))
    assert result.bias_index == pytest.approx(6 / 16)
    swapped = pair_agreement([(b, a) for a, b in harsher_first], GRADES, ("x", "y"))
    assert swapped.bias_index == pytest.approx(-6 / 16)
    assert swapped.kappa == pytest.approx(result.kappa or 0.0)


# -- the bootstrap below thirty pairs --------------------------------------------------------------


def test_few_pairs_get_a_seeded_bootstrap_interval_that_is_reproducible_and_covers_the_estimate() -> (
    None
):
    pairs = pairs_of(SAS, GRADES)  # 19 pairs
    one = pair_agreement(pairs, GRADES, ("a", "b"))
    two = pair_agreement(list(reversed(pairs)), GRADES, ("a", "b"))
    assert one.interval_method == BOOTSTRAP and len(pairs) < ANALYTIC_FROM
    assert one.kappa_ci == two.kappa_ci and one.ac1_ci == two.ac1_ci  # same pairs, same interval
    for value, ci in (
        (one.kappa, one.kappa_ci),
        (one.weighted_kappa, one.weighted_kappa_ci),
        (one.ac1, one.ac1_ci),
    ):
        assert value is not None and ci is not None
        assert -1 <= ci[0] < value < ci[1] <= 1
    # The percentile interval is close to the analytic one the SAS example prints (0.2137 to 0.7547).
    assert one.kappa_ci == pytest.approx((0.2137, 0.7547), abs=0.06)


def test_an_interval_changes_method_at_thirty_pairs() -> None:
    rng = random.Random(7)
    pairs = [(rng.choice(GRADES), rng.choice(GRADES)) for _ in range(ANALYTIC_FROM)]
    assert pair_agreement(pairs, GRADES, ("a", "b")).interval_method == ANALYTIC
    assert pair_agreement(pairs[:-1], GRADES, ("a", "b")).interval_method == BOOTSTRAP


# -- the team's figure from (first, second) pairs -----------------------------------------------------


def marked(spec: list[tuple[str, str, str, str]]) -> list[MarkPair]:
    return [MarkPair(f"c{i}", g1, g2, r1, r2) for i, (r1, g1, r2, g2) in enumerate(spec)]


def test_the_team_figure_rests_on_first_and_second_marks_not_on_names() -> None:
    rng = random.Random(21)
    names = ["ann", "bob", "cat", "dan"]
    spec = []
    for _ in range(60):
        first, second = rng.sample(names, 2)
        spec.append((first, rng.choice(GRADES), second, rng.choice(GRADES)))
    team = agreement_of(marked(spec), GRADES)[0]
    assert team.raters == ("team", "") and team.cases == 60
    # Rename every inspector (the order of names changes too) and swap who marked first, keeping each
    # case's (first grade, second grade): the team's figure is the same.
    renamed = {"ann": "zed", "bob": "amy", "cat": "mo", "dan": "bea"}
    spec2 = [(renamed[r2], g1, renamed[r1], g2) for r1, g1, r2, g2 in spec]
    again = agreement_of(marked(spec2), GRADES)[0]
    assert dataclasses.astuple(again) == dataclasses.astuple(team)


def test_the_old_username_pooling_would_have_changed_with_a_rename() -> None:
    # The finding: pairs ordered by username.  With (first, second) pairs a rename changes nothing,
    # while ordering by name changes the kappa here.
    spec = [("ann", "inadequate", "bob", "good")] * 5 + [("ann", "good", "bob", "good")] * 5
    spec += [("bob", "requires_improvement", "cy", "inadequate")] * 5
    spec += [("bob", "inadequate", "cy", "inadequate")] * 5
    by_name = [tuple(sorted([(r1, g1), (r2, g2)])) for r1, g1, r2, g2 in spec]
    renamed = [
        tuple(sorted([(("zz" if r1 == "bob" else r1), g1), (("zz" if r2 == "bob" else r2), g2)]))
        for r1, g1, r2, g2 in spec
    ]
    old = pair_agreement([(a[1], b[1]) for a, b in by_name], GRADES, ("team", "")).kappa
    old_renamed = pair_agreement([(a[1], b[1]) for a, b in renamed], GRADES, ("team", "")).kappa
    assert old != pytest.approx(old_renamed)
    new = agreement_of(marked(spec), GRADES)[0].kappa
    spec_renamed = [(("zz" if r1 == "bob" else r1), g1, r2, g2) for r1, g1, r2, g2 in spec]
    assert agreement_of(marked(spec_renamed), GRADES)[0].kappa == pytest.approx(new)


def test_pairs_of_inspectors_are_listed_after_the_team_and_undefined_kappa_is_none() -> None:
    pairs = [
        MarkPair("c1", "good", "good", "al", "bea"),
        MarkPair("c2", "good", "good", "cy", "al"),
        MarkPair("c3", "good", "good", "bea", "al"),
    ]
    results = agreement_of(pairs, GRADES)
    assert [r.raters for r in results] == [("team", ""), ("al", "bea"), ("al", "cy")]
    assert [r.cases for r in results] == [3, 2, 1]
    assert results[0].agreement == 1.0
    assert results[0].kappa is None and results[0].kappa_ci is None  # undefined, not 1
    assert results[0].ac1 == 1.0  # AC1 is defined where every mark is the same grade


def test_marks_off_the_scale_are_left_out() -> None:
    pairs = [MarkPair("c1", "good", "", "a", "b"), MarkPair("c2", "good", "inadequate", "a", "b")]
    assert [r.cases for r in agreement_of(pairs, GRADES)] == [1, 1]
    assert agreement_of([MarkPair("c1", "", "good", "a", "b")], GRADES) == []


# -- each area ---------------------------------------------------------------------------------------


def test_each_area_counts_its_graded_pairs_and_says_how_many_it_skipped() -> None:
    cases = [
        ({"initial": "good", "custody": "not_applicable"}, {"initial": "good", "custody": "good"}),
        (
            {"initial": "inadequate", "custody": "good"},
            {"initial": "inadequate", "custody": "good"},
        ),
        ({"initial": "good"}, {"initial": "requires_improvement"}),
        ({"initial": "not_applicable"}, {"initial": "good"}),
    ]
    areas = agreement_by_area(cases, [("initial", "Initial"), ("custody", "Custody")], GRADES)
    initial, custody = areas
    assert (initial.area, initial.title) == ("initial", "Initial")
    assert initial.figures.cases == 3 and initial.skipped == 1
    assert initial.figures.agreement == pytest.approx(2 / 3)
    assert custody.figures.cases == 1 and custody.skipped == 3


# -- the warning under twenty pairs -------------------------------------------------------------------


def test_a_warning_below_twenty_pairs_and_none_from_twenty() -> None:
    assert few_pairs_warning(0) is None
    assert few_pairs_warning(FEW_PAIRS) is None
    words = few_pairs_warning(FEW_PAIRS - 1)
    assert words is not None and "19 cases" in words and "20" in words
    assert "1 case was" in (few_pairs_warning(1) or "")


# -- the report, its document and its published version ---------------------------------------------


def _report(pairs: list[MarkPair], area_cases: list[tuple[dict[str, str], dict[str, str]]]) -> Any:
    from casereview.domain.report import GradedCase, build_report

    cases = [
        GradedCase(f"c{i}", "t", "missing_child", "North", GRADES[i % 3], {"a": GRADES[i % 3]})
        for i in range(90)
    ]
    return build_report(
        inspection={"id": 1, "name": "Q", "period": ["2024-01-01", "2024-03-31"]},
        grades=[(g, g) for g in GRADES],
        areas=[("a", "Area A")],
        cases=cases,
        sample={"strata": [{"label": "t", "frame_size": 900, "sampled": 90}], "proportional": True},
        agreement=agreement_of(pairs, GRADES),
        agreement_by_area=agreement_by_area(area_cases, [("a", "Area A")], GRADES),
    )


def _pairs(n: int, seed: int = 3) -> list[MarkPair]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        g = rng.choice(GRADES)
        second = g if rng.random() < 0.7 else rng.choice(GRADES)
        out.append(MarkPair(f"c{i}", g, second, rng.choice(["ann", "bob"]), "cyd"))
    return out


def test_the_report_carries_every_statistic_reads_back_and_has_no_fleiss() -> None:
    from casereview.domain.report_model import Report

    pairs = _pairs(12)
    report = _report(pairs, [({"a": p.first}, {"a": p.second}) for p in pairs])
    doc = report.to_json()["agreement"]
    assert "fleiss" not in doc
    assert doc["pairs"] == 12 and doc["interval_method"] == BOOTSTRAP
    assert doc["few_pairs"] is True and doc["warning"] == few_pairs_warning(12)
    assert doc["cohen_kappa_ci_low"] <= doc["cohen_kappa"] <= doc["cohen_kappa_ci_high"]
    assert doc["gwet_ac1"] is not None and doc["krippendorff_alpha_ordinal"] is not None
    assert [a["area"] for a in doc["by_area"]] == ["a"] and doc["by_area"][0]["pairs"] == 12
    assert [p["raters"] for p in doc["by_pair"]] == [["ann", "cyd"], ["bob", "cyd"]]
    again = Report.from_json(json.loads(json.dumps(report.to_json())))
    assert again.to_json() == report.to_json()


def test_a_document_from_before_issue_21_still_reads_with_its_fleiss() -> None:
    from casereview.domain.report_model_agreement import Agreement

    old = {
        "pairs": 6,
        "percent_agreement": 83.3,
        "cohen_kappa": 0.7,
        "weighted_kappa_linear": 0.75,
        "by_pair": [
            {
                "raters": ["ann", "bob"],
                "pairs": 6,
                "percent_agreement": 83.3,
                "cohen_kappa": 0.7,
                "weighted_kappa_linear": 0.75,
            }
        ],
        "fleiss": {"cases": 0, "kappa": None},
    }
    read = Agreement.from_json(old)
    assert read.team.cohen_kappa == 0.7 and read.team.gwet_ac1 is None
    assert read.fleiss is not None and read.by_area == () and read.warning is None
    assert read.to_json()["fleiss"] == {"cases": 0, "kappa": None}


def test_the_published_version_shows_an_areas_figures_only_from_twenty_pairs_and_no_names() -> None:
    from casereview.domain.publication import published

    pairs = _pairs(60)
    # Area A graded in 25 cases by both marks: shown; in a second report only 15: withheld.
    many = [({"a": p.first}, {"a": p.second}) for p in pairs[:25]]
    many += [({"a": "not_applicable"}, {"a": p.second}) for p in pairs[25:]]
    few = [({"a": p.first}, {"a": p.second}) for p in pairs[:15]]
    few += [({"a": "not_applicable"}, {"a": p.second}) for p in pairs[15:]]
    shown = published(_report(pairs, many))["agreement"]
    assert shown["pairs"] == 60 and shown["cohen_kappa"] is not None
    assert shown["gwet_ac1_ci_low"] is not None and shown["interval_method"] == ANALYTIC
    assert shown["few_pairs"] is False and shown["warning"] is None
    area = shown["by_area"][0]
    assert (
        area["pairs"] == 25 and area["skipped"] == 35 and area["weighted_kappa_linear"] is not None
    )
    withheld = published(_report(pairs, few))["agreement"]["by_area"][0]
    assert withheld["area"] == "a"
    assert all(v is None for k, v in withheld.items() if k not in ("area", "title"))
    text = json.dumps(shown)
    assert "ann" not in text and "bob" not in text and "cyd" not in text and "by_pair" not in shown


def test_the_bootstrap_percentiles_are_numpys_linear_quantiles_of_the_defined_resamples() -> None:
    from casereview.domain.agreement import _percentiles

    rng = np.random.default_rng(5)
    for size in (1, 2, 7, 2000):
        values = rng.normal(size=size)
        assert _percentiles(values) == pytest.approx(tuple(np.quantile(values, [0.025, 0.975])))
    half = np.array([np.nan, np.nan, 1.0, 2.0])
    assert _percentiles(half) == pytest.approx(tuple(np.quantile([1.0, 2.0], [0.025, 0.975])))
    assert _percentiles(np.array([np.nan, np.nan, 1.0])) is None  # fewer than half defined
