"""Statistics against published worked examples and the domain brief's rules."""

from __future__ import annotations

import pytest

from casereview.domain.statistics import Stratum, compare, stratified_share, wilson


def test_the_wilson_interval_matches_the_worked_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857-872, table I: 81/263 -> 0.2553 to 0.3662.
    share = wilson(81, 263)
    assert share.share == pytest.approx(0.3080, abs=1e-4)
    assert (share.low, share.high) == (
        pytest.approx(0.2553, abs=1e-4),
        pytest.approx(0.3662, abs=1e-4),
    )


def test_the_brief_s_quarterly_example_has_an_honest_interval() -> None:
    # 135 cases: 64 requires improvement + 61 inadequate = 125 (93%).
    share = wilson(125, 135)
    z, n, p = 1.959963984540054, 135, 125 / 135
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    assert share.share == pytest.approx(0.926, abs=1e-3)
    assert (share.low, share.high) == (pytest.approx(centre - half), pytest.approx(centre + half))
    assert (round(share.low, 3), round(share.high, 3)) == (0.869, 0.959)


def test_a_large_rise_is_worse_and_a_small_one_is_not_significant() -> None:
    worse = compare(125, 135, 90, 135)
    assert (
        worse.direction == "worse"
        and worse.test == "two-proportion z-test"
        and worse.p_value < 0.05
    )
    same = compare(125, 135, 122, 135)
    assert same.direction == "no significant change" and same.p_value >= 0.05
    assert same.wording.startswith(
        "no statistically significant change (two-proportion z-test, p = "
    )
    better = compare(60, 135, 100, 135)
    assert better.direction == "better"


def test_small_expected_counts_use_fishers_exact_test() -> None:
    # Fisher's tea-tasting table: 3/4 v 1/4 -> two-sided p = 0.486 (Fisher 1935).
    result = compare(3, 4, 1, 4)
    assert result.test == "Fisher's exact test"
    assert result.p_value == pytest.approx(0.4857, abs=1e-3)
    assert result.direction == "no significant change"


def test_stratified_estimates_weight_each_stratum_by_its_frame() -> None:
    # Equal allocation over unequal strata: the unweighted share would be 0.5; weighted 0.28.
    strata = [
        Stratum(frame_size=900, sampled=50, count=10),
        Stratum(frame_size=100, sampled=50, count=40),
    ]
    estimate = stratified_share(strata)
    assert estimate.share == pytest.approx(0.9 * 0.2 + 0.1 * 0.8)
    expected_var = 0.81 * (1 - 50 / 900) * 0.16 / 49 + 0.01 * (1 - 0.5) * 0.16 / 49
    assert estimate.standard_error == pytest.approx(expected_var**0.5)
    assert estimate.low < estimate.share < estimate.high


def test_a_census_stratum_adds_no_variance() -> None:
    estimate = stratified_share([Stratum(frame_size=10, sampled=10, count=3)])
    assert estimate.standard_error == 0 and estimate.share == 0.3


# -- issue 21: wording, weighted intervals, design-based comparisons ---------------------------------

from casereview.domain.statistics import (  # noqa: E402
    adjusted,
    p_words,
    wald_difference,
)


@pytest.mark.parametrize(
    ("p", "printed"),
    [
        (0.0312, "p = 0.031"),
        (0.05, "p = 0.050"),
        (0.4123, "p = 0.41"),
        (0.00099, "p < 0.001"),
        (0.049962, "p = 0.04996"),  # 2 figures would print 0.050 beside "worse"
        (0.0500001, "p = 0.050"),
        (1.0, "p = 1.0"),
    ],
)
def test_p_is_printed_with_two_significant_figures_never_at_odds_with_the_decision(
    p: float, printed: str
) -> None:
    assert p_words(p) == printed
    value = float(printed.split()[-1]) if "=" in printed else 0.0
    assert (value < 0.05) == (p < 0.05)


def test_a_comparison_either_side_of_five_percent_prints_a_p_that_agrees_with_its_words() -> None:
    from statistics import NormalDist

    for target in (0.0499999, 0.0500001):
        z = NormalDist().inv_cdf(1 - target / 2)
        result = wald_difference(0.5 + z * 0.05 * 2**0.5, 0.05, 0.5, 0.05)
        assert result.p_value == pytest.approx(target)
        significant = result.direction == "worse"
        assert significant == (target < 0.05)
        printed = float(result.wording.split("p = ")[1].rstrip(")"))
        assert (printed < 0.05) == significant


def test_the_wald_test_on_weighted_shares_matches_a_hand_computation() -> None:
    from statistics import NormalDist

    result = wald_difference(0.30, 0.04, 0.20, 0.03)
    z = 0.10 / (0.04**2 + 0.03**2) ** 0.5
    assert result.p_value == pytest.approx(2 * (1 - NormalDist().cdf(z)))
    assert result.direction == "worse" and result.test.startswith("Wald test")
    assert wald_difference(0.2, 0.0, 0.2, 0.0).p_value == 1.0


def test_adjusted_p_values_come_from_statsmodels_multipletests() -> None:
    assert adjusted([0.01, 0.04, 0.03], "holm") == pytest.approx([0.03, 0.06, 0.06])
    assert adjusted([0.01, 0.04, 0.03], "fdr_bh") == pytest.approx([0.03, 0.04, 0.04])
    assert adjusted([], "holm") == []


def test_every_case_of_concern_does_not_give_an_interval_of_100_to_100() -> None:
    # The finding: the clipped normal interval was [100%, 100%].
    estimate = stratified_share([Stratum(900, 50, 50), Stratum(100, 50, 50)])
    assert estimate.share == 1.0 and estimate.high == 1.0
    assert 0.9 < estimate.low < 0.99


def test_one_case_in_many_does_not_give_an_interval_of_0_to_1_percent() -> None:
    # The finding: [0%, 1.1%] when one case in many was of concern.
    estimate = stratified_share([Stratum(900, 50, 0), Stratum(100, 50, 1)])
    assert estimate.share == pytest.approx(0.002)
    assert estimate.low > 0 and estimate.high > 0.03
    assert estimate.effective_n <= 100


def test_korn_graubard_tends_to_clopper_pearson_for_a_large_simple_random_sample() -> None:
    from statsmodels.stats.proportion import proportion_confint

    # One stratum from a very large frame: n* = n - 1 and t ~ z, so the interval is Clopper–Pearson's.
    estimate = stratified_share([Stratum(10**9, 4001, 801)])
    low, high = proportion_confint(801, 4001, alpha=0.05, method="beta")
    assert (estimate.low, estimate.high) == (
        pytest.approx(low, abs=2e-4),
        pytest.approx(high, abs=2e-4),
    )


def test_korn_graubard_is_the_clopper_pearson_interval_on_the_shrunk_effective_size() -> None:
    from scipy.stats import beta, t

    strata = [Stratum(900, 50, 10), Stratum(100, 50, 40)]
    estimate = stratified_share(strata)
    n_star = estimate.share * (1 - estimate.share) / estimate.standard_error**2
    n_star *= (1.959963984540054 / t.ppf(0.975, 100 - 2)) ** 2
    x = estimate.share * n_star
    assert estimate.effective_n == pytest.approx(n_star)
    assert estimate.low == pytest.approx(beta.ppf(0.025, x, n_star - x + 1))
    assert estimate.high == pytest.approx(beta.ppf(0.975, x + 1, n_star - x))


def test_a_stratum_with_one_sampled_case_adds_the_largest_variance_a_share_can_have() -> None:
    with_single = stratified_share([Stratum(900, 50, 10), Stratum(100, 1, 1)])
    assert with_single.single_case_strata == 1
    w = 0.1
    floor = w * w * (1 - 1 / 100) * 0.25
    assert with_single.standard_error**2 >= floor


def test_strata_with_no_graded_case_are_named_never_folded_into_the_whole_body() -> None:
    estimate = stratified_share(
        [Stratum(500, 20, 5), Stratum(450, 20, 8), Stratum(1000, 0, 0), Stratum(2000, 0, 0)]
    )
    assert (estimate.covered_frame, estimate.frame, estimate.strata_ungraded) == (950, 3950, 2)
