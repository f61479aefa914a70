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
