"""Calibration statistics checked against published figures and independent computations.

Stuart–Maxwell and Bowker against statsmodels' ``SquareTable`` (and Stuart's 1955 vision data);
McNemar against statsmodels' ``mcnemar``; kappa against scikit-learn; Newcombe's method 10 against the
examples printed in Newcombe (1998) and a second computation from the formula; the two-phase estimator
against simulation; and the issue's scenario (the body's audit about 80% good, the inspectorate 25%).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.contingency_tables import SquareTable
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from statsmodels.stats.multitest import multipletests

from casereview.domain import statistics
from casereview.domain.agreement import ANALYTIC_FROM, FEW_PAIRS
from casereview.domain.calibration import (
    BOWKER,
    CHANGED_SIDES,
    CLOSER,
    EXPLORATORY,
    FURTHER_APART,
    HEADLINE,
    LESS_FAVOURABLE,
    MCNEMAR_CHI2,
    MCNEMAR_EXACT,
    MCNEMAR_EXACT_BELOW,
    MORE_FAVOURABLE,
    NO_CHANGE,
    NO_SIGNIFICANT_DIFFERENCE,
    OVERALL,
    STUART_MAXWELL,
    CalibrationError,
    bowker,
    calibrate,
    calibrate_area,
    change_p,
    corrected_figure,
    drift,
    drift_direction,
    mcnemar,
    mover_difference,
    newcombe_paired,
    sentence,
    shift,
    stuart_maxwell,
    two_phase,
)
from casereview.domain.errors import Refused

GRADES = ["good", "requires_improvement", "inadequate"]
Z = 1.959963984540054


def pairs_of(table: list[list[int]], scale: list[str] = GRADES) -> list[tuple[str, str]]:
    """(body, inspectorate) pairs of a table: rows the body's grade, columns the inspectorate's."""
    return [
        (scale[i], scale[j])
        for i, row in enumerate(table)
        for j, n in enumerate(row)
        for _ in range(n)
    ]


def square_tables(max_k: int = 4, max_count: int = 30) -> st.SearchStrategy[np.ndarray]:
    return st.integers(2, max_k).flatmap(
        lambda k: st.lists(
            st.lists(st.integers(0, max_count), min_size=k, max_size=k), min_size=k, max_size=k
        ).map(lambda rows: np.array(rows, dtype=float))
    )


# -- Newcombe (1998) method 10 -----------------------------------------------------------------------


def wilson_by_hand(x: int, n: int) -> tuple[float, float]:
    """Wilson's score interval from its closed form (not statsmodels)."""
    p = x / n
    centre = (2 * n * p + Z * Z) / (2 * (n + Z * Z))
    half = Z * math.sqrt(Z * Z + 4 * n * p * (1 - p)) / (2 * (n + Z * Z))
    return centre - half, centre + half


def newcombe_by_hand(a: int, b: int, c: int, d: int) -> tuple[float, float]:
    """Method 10 written out again from Newcombe's paper, term by term."""
    n = a + b + c + d
    p2, p3 = (a + b) / n, (a + c) / n  # Newcombe's notation: the two marginal proportions
    l2, u2 = wilson_by_hand(a + b, n)
    l3, u3 = wilson_by_hand(a + c, n)
    product = (a + b) * (c + d) * (a + c) * (b + d)
    if product == 0:
        phi = 0.0
    elif a * d > b * c:
        phi = max(a * d - b * c - n / 2, 0) / math.sqrt(product)
    else:
        phi = (a * d - b * c) / math.sqrt(product)
    dl2, du2, dl3, du3 = p2 - l2, u2 - p2, p3 - l3, u3 - p3
    delta = math.sqrt(dl2**2 - 2 * phi * dl2 * du3 + du3**2)
    epsilon = math.sqrt(du2**2 - 2 * phi * du2 * dl3 + dl3**2)
    theta = (b - c) / n
    return max(-1.0, theta - delta), min(1.0, theta + epsilon)


# Newcombe (1998), Statistics in Medicine 17:2635-2650, Table II, method 10 (the examples the paper
# works through; the same four figures are reproduced by the R package propint's tests).
NEWCOMBE_TABLE_II = [
    ((36, 12, 2, 0), (0.0569, 0.3404)),
    ((18, 12, 2, 18), (0.0562, 0.3290)),
    ((53, 0, 0, 1), (-0.0729, 0.0729)),
    ((0, 30, 0, 0), (0.8395, 1.0)),
]


@pytest.mark.parametrize(("cells", "published"), NEWCOMBE_TABLE_II)
def test_newcombe_reproduces_the_published_examples(
    cells: tuple[int, int, int, int], published: tuple[float, float]
) -> None:
    a, b, c, d = cells
    diff, (low, high) = newcombe_paired(a, b, c, d)
    assert diff == pytest.approx((b - c) / (a + b + c + d))
    assert round(low, 4) == pytest.approx(published[0], abs=1e-12)
    assert round(high, 4) == pytest.approx(published[1], abs=1e-12)
    assert (low, high) == pytest.approx(newcombe_by_hand(a, b, c, d), abs=1e-12)


def test_the_published_examples_need_the_corrected_phi() -> None:
    # The second example tells the two readings of phi apart: with (ad - bc) uncorrected the limits
    # would be 0.0618 to 0.3239, not the published 0.0562 to 0.3290.
    a, b, c, d = 18, 12, 2, 18
    n = a + b + c + d
    l2, u2 = wilson_by_hand(a + b, n)
    l3, u3 = wilson_by_hand(a + c, n)
    p2, p3 = (a + b) / n, (a + c) / n
    phi = (a * d - b * c) / math.sqrt((a + b) * (c + d) * (a + c) * (b + d))
    low = (b - c) / n - math.sqrt((p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u3 - p3) + (u3 - p3) ** 2)
    assert round(low, 4) != 0.0562
    assert round(newcombe_paired(a, b, c, d)[1][0], 4) == 0.0562


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60), st.integers(0, 60))
def test_newcombe_agrees_with_a_second_computation(a: int, b: int, c: int, d: int) -> None:
    assume(a + b + c + d > 0)
    diff, (low, high) = newcombe_paired(a, b, c, d)
    assert (low, high) == pytest.approx(newcombe_by_hand(a, b, c, d), abs=1e-9)
    assert -1 <= low <= diff <= high <= 1


# -- Stuart–Maxwell and Bowker against statsmodels -----------------------------------------------------

# Stuart (1955): unaided distance vision of 7,477 women, right eye (rows) by left eye, grades best first.
# Published: Stuart–Maxwell chi-square 11.96 on 3 df; Bowker 19.11 on 6 df (Agresti, Categorical Data
# Analysis, the same data).
STUART_1955 = [
    [1520, 266, 124, 66],
    [234, 1512, 432, 78],
    [117, 362, 1772, 205],
    [36, 82, 179, 492],
]


def test_stuart_maxwell_and_bowker_reproduce_stuarts_vision_data() -> None:
    table = np.array(STUART_1955, dtype=float)
    sm = stuart_maxwell(table)
    bw = bowker(table)
    assert (round(sm.statistic or 0, 2), sm.df) == (11.96, 3)
    assert (round(bw.statistic or 0, 2), bw.df) == (19.11, 6)
    reference = SquareTable(table, shift_zeros=False)
    assert sm.statistic == pytest.approx(reference.homogeneity().statistic, rel=1e-10)
    assert sm.p_value == pytest.approx(reference.homogeneity().pvalue, rel=1e-8)
    assert bw.statistic == pytest.approx(reference.symmetry().statistic, rel=1e-10)
    assert bw.p_value == pytest.approx(reference.symmetry().pvalue, rel=1e-8)


def _reference_homogeneity(table: np.ndarray) -> tuple[float, int]:
    """statsmodels' Stuart–Maxwell on the part of the table the test can use: categories with a
    discordant pair, each group of categories linked by discordant pairs tested on its own and summed."""
    k = table.shape[0]
    discordant = table + table.T
    np.fill_diagonal(discordant, 0)
    keep = [i for i in range(k) if discordant[i].sum() > 0]
    # groups by repeated merging (a different algorithm from the module's search)
    group = {i: i for i in keep}
    changed = True
    while changed:
        changed = False
        for i in keep:
            for j in keep:
                if discordant[i, j] > 0 and group[i] != group[j]:
                    low = min(group[i], group[j])
                    for m in keep:
                        if group[m] in (group[i], group[j]):
                            group[m] = low
                    changed = True
    statistic, df = 0.0, 0
    for label in sorted(set(group.values())):
        members = [i for i in keep if group[i] == label]
        result = SquareTable(table[np.ix_(members, members)], shift_zeros=False).homogeneity()
        statistic += float(result.statistic)
        df += int(result.df)
    return statistic, df


@pytest.mark.parametrize(
    "table",
    [
        [[22, 30, 28], [2, 6, 4], [1, 2, 5]],
        [[10, 5, 1], [2, 12, 4], [0, 1, 9]],
        [[3, 1], [9, 4]],
        [[40, 9, 3, 0], [2, 31, 8, 1], [1, 4, 22, 6], [0, 0, 3, 11]],
    ],
)
def test_stuart_maxwell_and_bowker_match_statsmodels_on_worked_tables(
    table: list[list[int]],
) -> None:
    t = np.array(table, dtype=float)
    reference = SquareTable(t, shift_zeros=False)
    assert stuart_maxwell(t).statistic == pytest.approx(reference.homogeneity().statistic, rel=1e-9)
    assert stuart_maxwell(t).df == reference.homogeneity().df
    assert bowker(t).statistic == pytest.approx(reference.symmetry().statistic, rel=1e-9)
    assert bowker(t).p_value == pytest.approx(reference.symmetry().pvalue, rel=1e-9)


@settings(max_examples=120, deadline=None)
@given(square_tables())
def test_stuart_maxwell_matches_statsmodels_on_random_tables(table: np.ndarray) -> None:
    assume(table.sum() > 0)
    ours = stuart_maxwell(table)
    statistic, df = _reference_homogeneity(table)
    assert ours.df == df
    assert ours.statistic == pytest.approx(statistic, rel=1e-8, abs=1e-9)
    if df:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from scipy.stats import chi2

            assert ours.p_value == pytest.approx(float(chi2.sf(statistic, df)), rel=1e-8, abs=1e-12)
    else:
        assert ours.p_value == 1.0


@settings(max_examples=120, deadline=None)
@given(square_tables())
def test_bowker_matches_statsmodels_on_random_tables(table: np.ndarray) -> None:
    used = [i for i in range(table.shape[0]) if table[i].sum() + table[:, i].sum() > 0]
    assume(len(used) >= 2)
    ours = bowker(table)
    reference = SquareTable(table[np.ix_(used, used)], shift_zeros=False).symmetry()
    assert ours.df == reference.df
    assert ours.statistic == pytest.approx(reference.statistic, rel=1e-9, abs=1e-12)
    assert ours.p_value == pytest.approx(reference.pvalue, rel=1e-9, abs=1e-12)


def test_stuart_maxwell_leaves_out_a_grade_with_no_discordant_case_and_says_so() -> None:
    # Every case the body graded inadequate the inspectorate graded inadequate too, and the reverse.
    table = np.array([[20, 15, 0], [3, 10, 0], [0, 0, 7]], dtype=float)
    result = stuart_maxwell(table, GRADES)
    assert result.dropped == ("inadequate",)
    assert result.df == 1
    assert result.note is not None and "inadequate" in str(result.note)
    # With two grades left it is McNemar's statistic without correction: (b - c)^2 / (b + c).
    assert result.statistic == pytest.approx((15 - 3) ** 2 / (15 + 3))


def test_stuart_maxwell_with_every_case_agreed_is_no_evidence() -> None:
    result = stuart_maxwell(np.diag([5.0, 6.0, 7.0]), GRADES)
    assert (result.statistic, result.df, result.p_value) == (0.0, 0, 1.0)
    assert result.name == STUART_MAXWELL
    assert bowker(np.diag([5.0, 6.0, 7.0])).p_value == 1.0


# -- McNemar against statsmodels ---------------------------------------------------------------------


@pytest.mark.parametrize("b", [0, 1, 3, 7, 12, 20, 24, 30, 58])
@pytest.mark.parametrize("c", [0, 2, 3, 11, 25])
def test_mcnemar_matches_statsmodels_with_the_stated_rule(b: int, c: int) -> None:
    ours = mcnemar(b, c)
    exact = b + c < MCNEMAR_EXACT_BELOW
    assert ours.name == (MCNEMAR_EXACT if exact else MCNEMAR_CHI2)
    reference = sm_mcnemar(np.array([[5, b], [c, 5]]), exact=exact, correction=True)
    assert ours.p_value == pytest.approx(float(reference.pvalue), rel=1e-9, abs=1e-15)
    assert ours.statistic == pytest.approx(float(reference.statistic), rel=1e-12)


# -- kappa against scikit-learn ----------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(GRADES), st.sampled_from(GRADES)), min_size=2, max_size=60)
)
def test_kappa_matches_scikit_learn(pairs: list[tuple[str, str]]) -> None:
    body = [x for x, _ in pairs]
    insp = [y for _, y in pairs]
    assume(not (len(set(body)) == 1 and set(body) == set(insp)))  # kappa undefined
    result = calibrate({}, pairs, GRADES).overall.agreement
    for weights, ours in ((None, result.kappa), ("linear", result.weighted_kappa)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = cohen_kappa_score(body, insp, labels=GRADES, weights=weights)
        if math.isnan(reference):
            assert ours is None
        else:
            assert ours == pytest.approx(reference, abs=1e-9)


# -- the two-phase (double sampling) estimator --------------------------------------------------------


def test_two_phase_on_all_the_bodys_cases_is_the_stratified_estimate() -> None:
    # N = n': Cochran's variance is the stratified one with each stratum's finite-population correction,
    # which statistics.stratified_share computes independently.
    body_all = {"good": 700, "requires_improvement": 200, "inadequate": 100}
    table = [[9, 20, 21], [2, 12, 6], [0, 3, 12]]
    pairs = pairs_of(table)
    result = corrected_figure(pairs, body_all, GRADES)
    assert result is not None
    reference = statistics.stratified_share(
        [
            statistics.Stratum(700, 50, 9),
            statistics.Stratum(200, 20, 2),
            statistics.Stratum(100, 15, 0),
        ]
    )
    assert result.share == pytest.approx(reference.share)
    assert result.standard_error == pytest.approx(reference.standard_error)
    assert result.ci == pytest.approx((reference.low, reference.high))
    assert result.body_share == pytest.approx(0.7)
    assert result.bias == pytest.approx(0.7 - reference.share)
    assert result.bias_ci == pytest.approx((0.7 - reference.high, 0.7 - reference.low))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(2, 200), st.integers(2, 200), st.floats(0, 1), st.floats(0.01, 0.3)),
        min_size=1,
        max_size=4,
    ),
    st.integers(0, 5000),
)
def test_cochrans_variance_is_the_two_stage_decomposition(
    raw: list[tuple[int, int, float, float]], extra: int
) -> None:
    # Independent derivation: V = (1/n' - 1/N) S^2 + sum w_h^2 (1/n_h - 1/n'_h) s_h^2, with S^2 estimated
    # unbiasedly from the two phases (within plus between, the between corrected for the sampling of
    # the stratum means).
    strata = [(f"s{i}", max(a, b), min(a, b), y, v) for i, (a, b, y, v) in enumerate(raw)]
    first = sum(s[1] for s in strata)
    assume(first > 2)
    big_n = first + extra
    result = two_phase(strata, big_n)
    mean = sum(s[1] / first * s[3] for s in strata)
    within = sum((s[1] - 1) * s[4] for s in strata)
    between = sum(s[1] * (s[3] - mean) ** 2 for s in strata) - sum(
        s[1] * (1 - s[1] / first) * (1 / s[2] - 1 / s[1]) * s[4] for s in strata
    )
    s2 = (within + between) / (first - 1)
    expected = (1 / first - 1 / big_n) * s2 + sum(
        (s[1] / first) ** 2 * (1 / s[2] - 1 / s[1]) * s[4] for s in strata
    )
    assert result.estimate == pytest.approx(mean)
    assert result.variance == pytest.approx(expected, rel=1e-9, abs=1e-15)


def _simulate(
    rng: np.random.Generator,
    grades: np.ndarray,
    favourable: np.ndarray,
    n: int,
    reps: int,
    audit: int | None,
) -> tuple[float, list[float], list[float], list[bool]]:
    """Draw ``reps`` calibrations: (truth, estimates, variances, interval covers the truth)."""
    truth = float(favourable.mean())
    estimates, variances, covers = [], [], []
    for _ in range(reps):
        if audit is None:  # the body graded every case: N = n'
            first_g, first_f = grades, favourable
        else:  # the body's audit was a simple random sample of the population
            pick = rng.choice(len(grades), size=audit, replace=False)
            first_g, first_f = grades[pick], favourable[pick]
        chosen = rng.choice(len(first_g), size=n, replace=False)
        pairs = [(GRADES[int(first_g[i])], "good" if first_f[i] else "inadequate") for i in chosen]
        body_all = {g: int((first_g == k).sum()) for k, g in enumerate(GRADES)}
        result = corrected_figure(
            pairs, body_all, GRADES, population=None if audit is None else len(grades)
        )
        assert result is not None and not result.uncovered
        estimates.append(result.share)
        variances.append(result.standard_error**2)
        covers.append(result.ci[0] <= truth <= result.ci[1])
    return truth, estimates, variances, covers


def _population(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    grades = rng.choice(3, size=size, p=[0.7, 0.2, 0.1])
    favourable = rng.random(size) < np.array([0.35, 0.12, 0.03])[grades]
    return grades, favourable


def test_two_phase_simulation_on_the_cases_the_body_graded() -> None:
    rng = np.random.Generator(np.random.PCG64(2401))
    grades, favourable = _population(rng, 1000)
    reps = 1000
    truth, estimates, variances, covers = _simulate(rng, grades, favourable, 120, reps, None)
    spread = float(np.std(estimates))
    assert abs(float(np.mean(estimates)) - truth) < 3 * spread / math.sqrt(reps)
    assert float(np.mean(variances)) == pytest.approx(spread**2, rel=0.15)
    assert 0.925 <= float(np.mean(covers)) <= 0.99


def test_two_phase_simulation_when_the_bodys_audit_was_itself_a_sample() -> None:
    rng = np.random.Generator(np.random.PCG64(2402))
    grades, favourable = _population(rng, 4000)
    reps = 1000
    truth, estimates, variances, covers = _simulate(rng, grades, favourable, 100, reps, 400)
    spread = float(np.std(estimates))
    assert abs(float(np.mean(estimates)) - truth) < 3 * spread / math.sqrt(reps)
    assert float(np.mean(variances)) == pytest.approx(spread**2, rel=0.15)
    assert 0.925 <= float(np.mean(covers)) <= 0.99


def test_a_grade_with_no_regraded_case_is_left_out_and_named() -> None:
    pairs = pairs_of([[10, 10, 5], [2, 8, 5], [0, 0, 0]])
    result = corrected_figure(
        pairs, {"good": 500, "requires_improvement": 300, "inadequate": 200}, GRADES
    )
    assert result is not None
    assert result.uncovered == ("inadequate",)
    assert result.covered_cases == 800 and result.all_cases == 1000
    assert result.share == pytest.approx(500 / 800 * 10 / 25 + 300 / 800 * 2 / 15)
    assert (
        result.note is not None
        and "inadequate" in str(result.note)
        and "200 cases" in str(result.note)
    )


def test_a_census_of_the_bodys_cases_has_no_uncertainty() -> None:
    pairs = pairs_of([[3, 4, 1], [1, 2, 0], [0, 1, 3]])
    result = corrected_figure(
        pairs, {"good": 8, "requires_improvement": 3, "inadequate": 4}, GRADES
    )
    assert result is not None
    assert result.standard_error == 0.0
    assert result.ci == pytest.approx((4 / 15, 4 / 15))


def test_more_regraded_cases_than_the_body_graded_is_refused() -> None:
    with pytest.raises(ValueError, match="graded only 1"):
        corrected_figure(pairs_of([[2, 0, 0], [0, 0, 0], [0, 0, 0]]), {"good": 1}, GRADES)


def test_inconsistent_grade_counts_are_refused_in_words() -> None:
    pairs = pairs_of([[2, 0, 0], [0, 3, 0], [0, 0, 0]])
    with pytest.raises(CalibrationError) as caught:
        corrected_figure(pairs, {"good": 5, "requires_improvement": 1}, GRADES, body="Kent Police")
    assert isinstance(caught.value, Refused)
    message = str(caught.value)
    assert "requires_improvement" not in message
    assert message.startswith(
        "3 cases re-graded by the inspectorate were graded requires improvement by Kent Police's audit, "
        "but its grade counts say it graded only 1 case requires improvement"
    )
    with pytest.raises(CalibrationError, match="cannot have graded -3 cases inadequate"):
        corrected_figure(pairs, {"good": 5, "requires_improvement": 3, "inadequate": -3}, GRADES)
    with pytest.raises(CalibrationError, match="not one of the framework's grades"):
        calibrate({}, pairs, GRADES, favourable="outstanding")
    with pytest.raises(CalibrationError, match="smaller than the 8 cases"):
        corrected_figure(pairs, {"good": 5, "requires_improvement": 3}, GRADES, population=7)


def test_with_an_uncovered_grade_the_sentence_gives_the_bodys_figure_over_all_its_cases() -> None:
    # The body graded 1,000 cases, 500 good: 50.0%; no re-graded case was one it graded inadequate.
    pairs = pairs_of([[10, 10, 5], [2, 8, 5], [0, 0, 0]])
    result = corrected_figure(
        pairs, {"good": 500, "requires_improvement": 300, "inadequate": 200}, GRADES
    )
    assert result is not None
    text = str(result.sentence)
    assert result.body_share_all == pytest.approx(0.5)
    assert result.body_share == pytest.approx(500 / 800)
    assert text.startswith("The body's audit graded 50.0% of all 1,000 cases it graded good. ")
    assert "all 800" not in text
    assert "No re-graded case was one it graded inadequate (200 cases)" in text
    assert "covers the other 800 cases only: of those it graded 62.5% good;" in text
    low, high = result.ci
    assert result.share_bounds_all == pytest.approx((low * 0.8, high * 0.8 + 0.2))
    assert result.share_bounds_all is not None
    assert (
        f"between {100 * result.share_bounds_all[0]:.1f}% and {100 * result.share_bounds_all[1]:.1f}%"
    ) in text
    covered = corrected_figure(
        pairs_of(SCENARIO), {"good": 800, "requires_improvement": 120, "inadequate": 80}, GRADES
    )
    assert covered is not None and covered.share_bounds_all is None
    assert str(covered.sentence).startswith(
        "The body's audit graded 80.0% of all 1,000 cases it graded good;"
    )


# -- the issue's scenario ----------------------------------------------------------------------------

# The force's own audit graded 80% of the cases good; on the same cases the inspectorate found a quarter
# good and three quarters requiring improvement or inadequate.
SCENARIO = [[22, 30, 28], [2, 6, 4], [1, 2, 5]]


def test_the_published_80_against_25_case() -> None:
    pairs = pairs_of(SCENARIO)
    result = calibrate(
        {},
        pairs,
        GRADES,
        body="the force",
        body_all={"good": 1600, "requires_improvement": 240, "inadequate": 160},
    )
    overall = result.overall
    bias = overall.bias
    assert bias is not None and overall.pairs == 100
    assert bias.body_share == pytest.approx(0.80)
    assert bias.inspectorate_share == pytest.approx(0.25)
    assert 1 - bias.inspectorate_share == pytest.approx(0.75)  # three quarters RI or inadequate
    assert bias.difference == pytest.approx(0.55)
    assert bias.ci[0] > 0 and bias.ci[0] < 0.55 < bias.ci[1]
    assert bias.ci == pytest.approx(newcombe_by_hand(22, 58, 3, 17), abs=1e-12)
    assert overall.stuart_maxwell is not None and overall.stuart_maxwell.p_value < 0.001
    assert overall.mcnemar is not None and overall.mcnemar.p_value < 0.001
    assert overall.mcnemar.name == MCNEMAR_CHI2  # 58 + 3 discordant pairs
    assert overall.bowker is not None and overall.bowker.name == BOWKER
    low, high = (f"{100 * x:.1f}" for x in bias.ci)
    assert str(overall.sentence) == (
        "The force's audit graded 80.0% good; on the same 100 cases the inspectorate found 25.0%; "
        f"the force's audit is 55 percentage points more favourable (95% CI {low} to {high} "
        "percentage points)."
    )
    corrected = result.corrected
    assert corrected is not None
    assert corrected.body_share == pytest.approx(0.80)
    # strata: 22/80 of the body's good, 2/12 of its requires improvement, 1/8 of its inadequate
    assert corrected.share == pytest.approx(0.8 * 22 / 80 + 0.12 * 2 / 12 + 0.08 * 1 / 8)
    assert corrected.bias_ci[0] > 0


def test_the_issues_sentence_78_against_31() -> None:
    # "the force's audit graded 78% good; on the same cases the inspectorate found 31%; the force's
    # audit is 47 points more favourable"
    pairs = pairs_of([[28, 30, 20], [2, 8, 4], [1, 2, 5]])
    result = calibrate({}, pairs, GRADES, body="Kent Police")
    text = str(result.overall.sentence)
    assert result.overall.sentence is not None
    assert text.startswith("Kent Police's audit graded 78.0% good; on the same 100 cases ")
    assert "the inspectorate found 31.0%;" in text
    assert "Kent Police's audit is 47 percentage points more favourable (95% CI " in text


def test_a_body_harsher_than_the_inspectorate_by_chance_is_no_significant_difference() -> None:
    pairs = pairs_of([[10, 1, 0], [3, 5, 1], [0, 1, 4]])
    bias = calibrate({}, pairs, GRADES).overall
    assert bias.bias is not None and bias.bias.difference < 0
    assert bias.sentence is not None and bias.verdict == NO_SIGNIFICANT_DIFFERENCE
    assert "less favourable" not in str(bias.sentence)
    assert (
        "no statistically significant difference between the body's audit and the inspectorate's"
        in str(bias.sentence)
    )
    assert "8 percentage points fewer of these cases good; 95% CI −" in str(bias.sentence)


def test_a_significantly_harsher_body_is_less_favourable() -> None:
    pairs = pairs_of([[10, 0, 0], [20, 5, 0], [0, 0, 5]])
    overall = calibrate({}, pairs, GRADES).overall
    assert overall.verdict == LESS_FAVOURABLE
    assert overall.sentence is not None
    assert "the body's audit is 50 percentage points less favourable (95% CI " in str(
        overall.sentence
    )


# -- one rule for the words (review items 3 and 4) ------------------------------------------------------


def test_a_non_significant_difference_is_not_called_more_favourable() -> None:
    # 30 pairs: the body 13.3 points more favourable, 95% CI -3.1 to 28.4: no significant difference.
    result = calibrate(
        {},
        pairs_of([[10, 4, 1], [1, 6, 1], [0, 1, 6]]),
        GRADES,
        body="Kent Police",
        body_all={"good": 150, "requires_improvement": 80, "inadequate": 70},
    )
    text = str(result.overall.sentence)
    assert result.overall.sentence is not None and "more favourable" not in text
    assert (
        "no statistically significant difference between Kent Police's audit and the inspectorate's "
        "(Kent Police's audit graded 13.3 percentage points more of these cases good; 95% CI −3.1 to "
        "28.4 percentage points; McNemar's test (exact binomial), p = "
    ) in text
    corrected = result.corrected
    assert corrected is not None
    assert corrected.bias_ci[0] < 0 < corrected.bias_ci[1]
    assert corrected.verdict == NO_SIGNIFICANT_DIFFERENCE
    assert "no statistically significant difference from its own figure (" in str(
        corrected.sentence
    )
    low, high = (f"{100 * x:.1f}".replace("-", "−") for x in corrected.bias_ci)
    assert f"95% CI of the difference {low} to {high} percentage points" in str(corrected.sentence)


def test_the_verdict_follows_mcnemar_where_the_interval_disagrees() -> None:
    # 50 pairs, b = 5, c = 0: Newcombe's interval 0.9 to 18.7 points excludes 0, McNemar p = 0.0625.
    overall = calibrate({}, pairs_of([[20, 5, 0], [0, 20, 0], [0, 0, 5]]), GRADES).overall
    assert overall.bias is not None and overall.bias.ci[0] > 0
    assert overall.mcnemar is not None and overall.mcnemar.p_value == pytest.approx(0.0625)
    assert overall.verdict == NO_SIGNIFICANT_DIFFERENCE
    assert overall.sentence is not None and "more favourable" not in str(overall.sentence)
    assert str(overall.sentence).endswith(
        "The interval excludes no difference, but McNemar's test (exact binomial), which decides, "
        "does not reach significance (p = 0.062)."
    )


def test_the_sentence_and_mcnemars_test_never_disagree() -> None:
    # Every 2 x 2 split of n = 8 ... 40 pairs (b body only, c inspectorate only, the rest agreed).
    for n in range(8, 61, 4):
        for b in range(n + 1):
            for c in range(n + 1 - b):
                a = (n - b - c) // 2
                pairs = (
                    [("good", "good")] * a
                    + [("good", "inadequate")] * b
                    + [("inadequate", "good")] * c
                    + [("inadequate", "inadequate")] * (n - a - b - c)
                )
                s = shift(pairs, ("good",), "good")
                assert s is not None
                significant = mcnemar(b, c).p_value < 0.05
                said = str(sentence(s, "the body", "good"))
                assert ("more favourable" in said) == (significant and b > c), (n, b, c)
                assert ("less favourable" in said) == (significant and c > b), (n, b, c)
                assert ("no statistically significant difference" in said) == (
                    not significant and b != c
                ), (n, b, c)


# -- the result's shape ------------------------------------------------------------------------------


def test_not_applicable_pairs_are_dropped_per_area_and_counted() -> None:
    area_pairs = [("good", "good"), ("good", "not_applicable"), ("not_applicable", "inadequate")]
    area_pairs += [("requires_improvement", "inadequate")] * 5
    result = calibrate({"police_detention": area_pairs}, pairs_of(SCENARIO), GRADES)
    area = result.area("police_detention")
    assert (area.pairs, area.skipped) == (6, 2)
    assert sum(map(sum, area.table)) == 6
    assert area.warning is not None and f"fewer than {FEW_PAIRS}" in str(area.warning)
    assert "6 cases were re-graded" in str(area.warning)
    assert area.warning in result.warnings
    assert result.overall.warning is None
    assert result.area(OVERALL) is result.overall


def test_an_area_with_no_pair_has_no_figures() -> None:
    result = calibrate({"police_detention": [("not_applicable", "not_applicable")]}, [], GRADES)
    area = result.area("police_detention")
    assert area.pairs == 0 and area.bias is None and area.sentence is None
    assert area.stuart_maxwell is None and area.mcnemar is None
    assert result.corrected is None


def test_every_cut_of_the_scale_and_a_wider_favourable_side() -> None:
    pairs = pairs_of(SCENARIO)
    wide = calibrate({}, pairs, GRADES, favourable="requires_improvement").overall
    assert [s.cut for s in wide.shifts] == ["good", "requires_improvement"]
    assert wide.bias is wide.shifts[1]
    assert wide.bias.grades == ("good", "requires_improvement")
    assert wide.bias.body_share == pytest.approx(0.92)
    assert wide.bias.inspectorate_share == pytest.approx(0.63)
    assert wide.sentence is not None and "92.0% good or requires improvement" in str(wide.sentence)
    with pytest.raises(ValueError):
        calibrate({}, pairs, GRADES, favourable="inadequate")
    with pytest.raises(ValueError):
        calibrate({}, pairs, GRADES, favourable="outstanding")


def test_as_dict_is_json_with_codes_as_keys_and_the_results_are_frozen() -> None:
    result = calibrate(
        {"initial_contact": pairs_of([[5, 2, 0], [0, 3, 1], [0, 0, 2]])},
        pairs_of(SCENARIO),
        GRADES,
        body_all={"good": 800, "requires_improvement": 120, "inadequate": 80},
    )
    data: dict[str, Any] = json.loads(json.dumps(result.as_dict(), allow_nan=False))
    assert list(data["overall"]["table"]) == GRADES
    assert data["overall"]["table"]["good"]["inadequate"] == 28
    assert list(data["areas"]) == ["initial_contact"]
    assert data["overall"]["bias"]["difference"] == pytest.approx(0.55)
    assert data["overall"]["mcnemar"]["name"] == MCNEMAR_CHI2
    assert data["areas"]["initial_contact"]["mcnemar"]["name"] == MCNEMAR_EXACT
    assert set(data["corrected"]["strata"]) == set(GRADES)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.overall.pairs = 3  # type: ignore[misc]


# -- drift -------------------------------------------------------------------------------------------


def _wald_var(a: int, b: int, c: int, d: int) -> float:
    n = a + b + c + d
    return ((b + c) - (b - c) ** 2 / n) / n**2


def _mover_by_hand(first: tuple[int, ...], latest: tuple[int, ...]) -> tuple[float, float]:
    """Zou & Donner's MOVER for latest - first from Newcombe intervals written out again by hand."""
    n1, n2 = sum(first), sum(latest)
    d1 = (first[1] - first[2]) / n1
    d2 = (latest[1] - latest[2]) / n2
    l1, u1 = newcombe_by_hand(*first)
    l2, u2 = newcombe_by_hand(*latest)
    d = d2 - d1
    return d - math.sqrt((d2 - l2) ** 2 + (u1 - d1) ** 2), d + math.sqrt(
        (u2 - d2) ** 2 + (d1 - l1) ** 2
    )


def test_drift_closer_by_the_mover_interval_of_two_independent_biases() -> None:
    before = calibrate({}, pairs_of(SCENARIO), GRADES)
    after = calibrate({}, pairs_of([[30, 6, 4], [5, 30, 5], [1, 4, 15]]), GRADES)
    result = drift([(dt.date(2026, 9, 1), after), (dt.date(2026, 3, 1), before)])
    assert [p.on for p in result.points] == [dt.date(2026, 3, 1), dt.date(2026, 9, 1)]
    b2 = after.overall.bias
    assert b2 is not None
    expected = _mover_by_hand(
        (22, 58, 3, 17), (b2.both, b2.body_only, b2.inspectorate_only, b2.neither)
    )
    assert result.change_ci == pytest.approx(expected, abs=1e-12)
    assert result.change_ci is not None and result.change_ci[1] < 0
    assert result.p_value is not None and result.p_value < 0.05
    assert result.direction == CLOSER
    assert "came closer to the inspectorate's grades" in str(result.words)
    assert result.points[0].kappa == before.overall.agreement.kappa
    assert json.loads(json.dumps(result.as_dict(), allow_nan=False))["direction"] == CLOSER


def test_drift_further_apart_and_no_change() -> None:
    close = calibrate({}, pairs_of([[30, 6, 4], [5, 30, 5], [1, 4, 15]]), GRADES)
    far = calibrate({}, pairs_of(SCENARIO), GRADES)
    assert drift([(dt.date(2026, 1, 1), close), (dt.date(2026, 6, 1), far)]).direction == (
        FURTHER_APART
    )
    same = drift([(dt.date(2026, 1, 1), far), (dt.date(2026, 6, 1), far)])
    assert same.direction == NO_CHANGE and same.p_value == pytest.approx(1.0)
    assert "no statistically significant change" in str(same.words)
    single = drift([(dt.date(2026, 1, 1), far)])
    assert single.direction is None and single.change is None and len(single.points) == 1


def _two_by_two(a: int, b: int, c: int, d: int) -> list[tuple[str, str]]:
    return (
        [("good", "good")] * a
        + [("good", "inadequate")] * b
        + [("inadequate", "good")] * c
        + [("inadequate", "inadequate")] * d
    )


def test_drift_claims_nothing_from_zero_variance() -> None:
    # Five pairs all (good, inadequate), then five all (good, good): the Wald variances are both 0.
    first = calibrate({}, _two_by_two(0, 5, 0, 0), GRADES)
    latest = calibrate({}, _two_by_two(5, 0, 0, 0), GRADES)
    result = drift([(dt.date(2026, 1, 1), first), (dt.date(2026, 6, 1), latest)])
    assert result.p_value is not None and result.p_value > 0.001
    assert "p < 0.001" not in str(result.words)
    assert result.change_ci is not None and result.change_ci[1] > -1.0
    # The reviewer's example: 9 of 10 then 5 of 10 one-way discordant: the intervals overlap widely.
    wide = drift(
        [
            (dt.date(2026, 1, 1), calibrate({}, _two_by_two(1, 9, 0, 0), GRADES)),
            (dt.date(2026, 6, 1), calibrate({}, _two_by_two(5, 5, 0, 0), GRADES)),
        ]
    )
    assert wide.direction == NO_CHANGE and wide.p_value is not None and wide.p_value >= 0.05


@settings(max_examples=40, deadline=None)
@given(st.tuples(*[st.integers(0, 12)] * 4), st.tuples(*[st.integers(0, 12)] * 4))
def test_drifts_p_value_agrees_with_its_interval(
    first: tuple[int, int, int, int], latest: tuple[int, int, int, int]
) -> None:
    assume(sum(first) > 0 and sum(latest) > 0)
    one = shift(_two_by_two(*first), ("good",), "good")
    two = shift(_two_by_two(*latest), ("good",), "good")
    assert one is not None and two is not None
    _, ci = mover_difference((one.difference, one.ci), (two.difference, two.ci))
    excludes = ci[0] > 0 or ci[1] < 0
    p = change_p(one, two)
    if abs(p - 0.05) > 1e-6:
        assert (p < 0.05) == excludes


@pytest.mark.parametrize("pairs", [10, 15, 20])
def test_drift_holds_its_size_at_small_samples(pairs: int) -> None:
    # Two calibrations with the same true cell probabilities (so the same true bias), simulated: how often
    # does drift call any change?  Wald's z did so 8.7% of the time at 10 pairs; MOVER keeps it near 5%.
    rng = np.random.Generator(np.random.PCG64(2424 + pairs))
    reps = 8000
    cache: dict[tuple[int, ...], tuple[float, tuple[float, float]]] = {}

    def estimate(cells: tuple[int, ...]) -> tuple[float, tuple[float, float]]:
        if cells not in cache:
            cache[cells] = newcombe_paired(*cells)
        return cache[cells]

    for probabilities in ((0.25, 0.25, 0.25, 0.25), (0.3, 0.3, 0.1, 0.3), (0.05, 0.45, 0.45, 0.05)):
        draws = rng.multinomial(pairs, probabilities, size=(reps, 2))
        called = sum(
            drift_direction(estimate(tuple(map(int, one))), estimate(tuple(map(int, two))))
            != NO_CHANGE
            for one, two in draws
        )
        rate = called / reps
        assert rate <= 0.065, (pairs, probabilities, rate)  # about 6% at most (nominal 5%)


def test_drift_says_a_change_of_sides_and_not_closer() -> None:
    first = calibrate({}, pairs_of([[40, 12, 0], [2, 30, 0], [0, 0, 14]]), GRADES)
    latest = calibrate({}, pairs_of([[40, 2, 0], [11, 30, 0], [0, 0, 15]]), GRADES)
    result = drift([(dt.date(2026, 1, 1), first), (dt.date(2026, 6, 1), latest)])
    assert result.direction == CHANGED_SIDES
    assert "closer" not in str(result.words).split(". That")[0]
    assert "moved from more favourable than the inspectorate to less favourable" in str(
        result.words
    )
    assert "is not shown" in str(result.words)


def test_drift_skips_a_calibration_without_the_area_or_with_another_favourable_side() -> None:
    with_area = calibrate({"initial_contact": pairs_of(SCENARIO)}, pairs_of(SCENARIO), GRADES)
    without = calibrate({}, pairs_of(SCENARIO), GRADES)
    result = drift(
        [(dt.date(2026, 1, 1), without), (dt.date(2026, 6, 1), with_area)], area="initial_contact"
    )
    assert len(result.points) == 1 and result.direction is None
    note = str(result.notes[0]) if result.notes else ""
    assert "1 January 2026" in note and "left out" in note
    assert note in str(result.words)
    wide = calibrate({}, pairs_of(SCENARIO), GRADES, favourable="requires_improvement")
    mixed = drift([(dt.date(2026, 1, 1), wide), (dt.date(2026, 6, 1), without)])
    assert len(mixed.points) == 1 and mixed.direction is None
    assert "good or requires improvement as favourable" in str(mixed.notes[0])


# -- how many tests, and adjusted (review item 6) --------------------------------------------------------


def test_the_tests_are_counted_and_the_areas_adjusted_with_holm() -> None:
    areas = {
        "initial_contact": pairs_of([[8, 6, 0], [0, 6, 0], [0, 0, 5]]),  # b = 6, c = 0: p = 0.031
        "assessment": pairs_of([[8, 2, 0], [1, 8, 1], [0, 1, 6]]),
        "planning": pairs_of(SCENARIO),
    }
    result = calibrate(areas, pairs_of(SCENARIO), GRADES)
    assert result.multiplicity["tests"] == 1 + 2 + 3 * 3
    assert [f["tests"] for f in result.multiplicity["families"]] == [1, 11]
    assert "ran 12 tests" in result.multiplicity["words"]
    headline = result.overall.mcnemar
    assert headline is not None and headline.family == HEADLINE and headline.family_tests == 1
    assert headline.adjusted_p_value == headline.p_value
    tests = [result.overall.stuart_maxwell, result.overall.bowker]
    for a in result.areas:
        tests += [a.stuart_maxwell, a.bowker, a.mcnemar]
    raw = [t.p_value for t in tests if t is not None]
    expected = multipletests(raw, method="holm")[1]
    adjusted = [t.adjusted_p_value for t in tests if t is not None]
    assert adjusted == pytest.approx(list(expected), rel=1e-12)
    assert all(t is not None and t.family == EXPLORATORY for t in tests)
    contact = result.area("initial_contact")
    assert contact.mcnemar is not None and contact.mcnemar.p_value < 0.05
    assert contact.mcnemar.deciding_p >= 0.05  # raw significant, adjusted not
    assert contact.verdict == NO_SIGNIFICANT_DIFFERENCE
    assert contact.sentence is not None and "Holm-adjusted over 11 exploratory tests" in str(
        contact.sentence
    )
    assert contact.mcnemar.note is not None and "Holm-adjusted over 11" in str(contact.mcnemar.note)
    assert result.area("planning").verdict == MORE_FAVOURABLE
    data = json.loads(json.dumps(result.as_dict(), allow_nan=False))
    assert data["areas"]["initial_contact"]["mcnemar"]["family"] == EXPLORATORY
    assert data["multiplicity"]["tests"] == 12


# -- zero-width agreement intervals (review item 7) ------------------------------------------------------


def test_a_bootstrap_interval_of_zero_width_is_dropped_and_explained() -> None:
    pairs = [("good", "good")] * 8 + [("inadequate", "inadequate")]
    area = calibrate({"police_detention": pairs}, pairs_of(SCENARIO), GRADES).area(
        "police_detention"
    )
    assert area.agreement.kappa == pytest.approx(1.0)
    assert area.agreement.kappa_ci is None and area.agreement.ac1_ci is None
    assert area.interval_notes and "every bootstrap resample of these 9 pairs" in str(
        area.interval_notes[0]
    )
    assert area.warning is not None and str(area.interval_notes[0]) in str(area.warning)
    assert area.as_dict()["agreement"]["interval_notes"] == [str(n) for n in area.interval_notes]
    # From ANALYTIC_FROM pairs up the intervals are analytic and left alone.
    many = pairs_of([[20, 2, 0], [3, 10, 1], [0, 1, 5]])
    assert len(many) >= ANALYTIC_FROM
    assert calibrate({}, many, GRADES).overall.interval_notes == ()
    alone = calibrate_area("police_detention", pairs, GRADES)
    assert alone.agreement.kappa_ci is None and alone.verdict == "same_share"
