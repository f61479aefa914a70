"""Design-weighted shares of a domain (a unit, a category, a weakness) in a stratified sample."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casereview.domain.domain_estimates import (
    DomainStratum,
    domain_estimate,
    domain_of,
    stratum_frames,
    wilson_interval,
)
from casereview.domain.statistics import Stratum, stratified_share, wilson


def by_hand(
    frames: dict[str, int], units: list[tuple[str, int, int]]
) -> tuple[float, float] | None:
    """An independent computation, case by case with numpy: weights, the ratio, z and its variances."""
    strata = sorted({s for s, _, _ in units if s in frames})
    n = {h: sum(1 for s, _, _ in units if s == h) for h in strata}
    rows = [(h, x, y) for h, x, y in units if h in frames]
    w = np.array([frames[h] / n[h] for h, _, _ in rows])
    x = np.array([x for _, x, _ in rows], dtype=float)
    y = np.array([y for _, _, y in rows], dtype=float)
    total = float(np.sum(w * x))
    if total == 0:
        return None
    p = float(np.sum(w * x * y)) / total
    z = x * (y - p) / total
    var = 0.0
    for h in strata:
        zh = np.array([zi for zi, (s, _, _) in zip(z, rows, strict=True) if s == h])
        fpc = 1 - n[h] / frames[h]
        if n[h] > 1:
            var += frames[h] ** 2 * fpc * float(np.var(zh, ddof=1)) / n[h]
        elif zh.size and any(xi for (s, xi, _) in rows if s == h):
            var += frames[h] ** 2 * fpc * 0.25 / total**2
    return p, math.sqrt(var)


def test_a_two_stratum_example_worked_on_paper() -> None:
    # Stratum a: N 1000, 4 graded: two in the domain (one with the attribute).  Stratum b: N 100, 2
    # graded, both in the domain, both with it.  Weights 250 and 50.
    # X̂ = 250·2 + 50·2 = 600, Ŷ = 250·1 + 50·2 = 350, p̂ = 350/600 = 7/12.
    # z in a: (1 − 7/12)/600, (−7/12)/600, 0, 0 → sum = (5/12 − 7/12)/600 = −(1/6)/600,
    #   sum of squares = ((5/12)² + (7/12)²)/600² = (74/144)/600²;
    #   s² = (74/144 − (1/36)/4) / 3 / 600² = (74/144 − 1/144)/3/600² = (73/432)/600².
    #   Var_a = 1000² · (1 − 4/1000) · s² / 4.
    # z in b: both (5/12)/600 → s² = 0, Var_b = 0.
    var = 1000**2 * (1 - 4 / 1000) * (73 / 432) / 600**2 / 4
    e = domain_estimate([DomainStratum(1000, 4, 2, 1), DomainStratum(100, 2, 2, 2)])
    assert e is not None
    assert e.share == pytest.approx(7 / 12)
    assert e.standard_error == pytest.approx(math.sqrt(var))
    assert e.effective_n == pytest.approx(min(4, (7 / 12) * (5 / 12) / var))
    assert e.graded == 4


# Reference values from samplics 0.6 (TaylorEstimator, PopParam.mean, each case its own PSU, design
# weights N_h/n_h, fpc 1 − n_h/N_h, the domain given as ``domain=``), computed once outside the project
# (it is not one of its dependencies): (strata as (N_h, n_h, in domain, with the attribute), share, SE).
SAMPLICS = [
    ([(1000, 4, 2, 1), (100, 2, 2, 2)], 0.5833333333333334, 0.3418755007670064),
    ([(3000, 60, 60, 18), (300, 60, 60, 48)], 0.34545454545454546, 0.05385802048571916),
    (
        [(1200, 30, 9, 1), (350, 30, 19, 3), (90, 30, 18, 11)],
        0.16990036706869427,
        0.06730126915079075,
    ),
]


@pytest.mark.parametrize(("strata", "share", "se"), SAMPLICS)
def test_it_agrees_with_samplics_taylor_domain_estimates(
    strata: list[tuple[int, int, int, int]], share: float, se: float
) -> None:
    e = domain_estimate([DomainStratum(*s) for s in strata])
    assert e is not None
    assert e.share == pytest.approx(share, rel=1e-12)
    assert e.standard_error == pytest.approx(se, rel=1e-9)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_it_agrees_with_a_case_by_case_computation(seed: int) -> None:
    rng = random.Random(seed)
    frames = {f"s{i}": rng.randint(1, 400) for i in range(rng.randint(1, 5))}
    units = []
    for label, frame in frames.items():
        for _ in range(rng.randint(0, min(frame, 12))):
            inside = int(rng.random() < 0.5)
            units.append((label, inside, int(inside and rng.random() < 0.4)))
    expected = by_hand(frames, units)
    found = domain_of(((s, bool(x), bool(y)) for s, x, y in units), frames)
    if expected is None:
        assert found is None
        return
    assert found is not None
    assert found.share == pytest.approx(expected[0], abs=1e-12)
    assert found.standard_error == pytest.approx(expected[1], rel=1e-9, abs=1e-15)


def test_the_whole_sample_as_the_domain_is_the_stratified_share() -> None:
    strata = [(3000, 60, 18), (300, 60, 48), (50, 1, 1), (80, 5, 0)]
    whole = stratified_share([Stratum(*s) for s in strata])
    e = domain_estimate([DomainStratum(n, k, k, c) for n, k, c in strata])
    assert e is not None
    assert e.share == pytest.approx(whole.share)
    assert e.standard_error == pytest.approx(whole.standard_error)
    assert e.single_case_strata == 1


def test_a_domain_wholly_in_one_stratum_gives_its_plain_share() -> None:
    # Unit North only in stratum a (12 of its 40 graded cases, 5 of them of concern).
    e = domain_estimate([DomainStratum(900, 40, 12, 5), DomainStratum(60, 30, 0, 0)])
    assert e is not None
    assert e.share == pytest.approx(5 / 12)
    # A stratum sampled in full adds nothing; one the domain lies wholly in gives the plain share too.
    whole = domain_estimate([DomainStratum(900, 40, 40, 11), DomainStratum(60, 30, 0, 0)])
    assert whole is not None and whole.share == pytest.approx(11 / 40)
    assert whole.standard_error == pytest.approx(
        stratified_share([Stratum(900, 40, 11)]).standard_error
    )


def test_with_proportional_allocation_the_estimate_is_the_share_as_sampled() -> None:
    # N_h / n_h = 20 everywhere.
    e = domain_estimate(
        [DomainStratum(2000, 100, 30, 12), DomainStratum(400, 20, 9, 7), DomainStratum(60, 3, 2, 0)]
    )
    assert e is not None
    assert e.share == pytest.approx(19 / 41)


def test_equal_allocation_of_the_issue_weights_the_shares() -> None:
    # The issue's example: a (3000, 60 graded, 18 of concern), b (300, 60, 48); one unit holds them all.
    e = domain_estimate([DomainStratum(3000, 60, 60, 18), DomainStratum(300, 60, 60, 48)])
    assert e is not None
    assert e.share == pytest.approx((3000 * 0.3 + 300 * 0.8) / 3300)
    assert e.share == pytest.approx(0.3455, abs=1e-4)
    assert 0 < e.effective_n < 120


def test_a_single_graded_case_in_the_domain_gets_the_largest_variance_and_outside_none() -> None:
    inside = domain_estimate([DomainStratum(500, 1, 1, 1), DomainStratum(500, 10, 4, 2)])
    outside = domain_estimate([DomainStratum(500, 1, 0, 0), DomainStratum(500, 10, 4, 2)])
    alone = domain_estimate([DomainStratum(500, 10, 4, 2)])
    assert inside is not None and outside is not None and alone is not None
    assert inside.single_case_strata == 1 and outside.single_case_strata == 0
    assert outside.standard_error == pytest.approx(alone.standard_error)
    # Inside: X̂ = 500 + 50·4 = 700, p̂ = (500 + 50·2)/700 = 6/7; the single case adds N²(1 − 1/N)/(4X̂²).
    p, total = 6 / 7, 700
    high, low = (1 - p) / total, -p / total
    zs = [high, high, low, low] + [0.0] * 6
    rest = 500**2 * (1 - 10 / 500) * float(np.var(zs, ddof=1)) / 10
    single = 500**2 * (1 - 1 / 500) * 0.25 / total**2
    assert inside.share == pytest.approx(p)
    assert inside.standard_error == pytest.approx(math.sqrt(rest + single))


def test_no_domain_case_gives_none_and_a_census_gives_no_variance() -> None:
    assert domain_estimate([DomainStratum(100, 10, 0, 0)]) is None
    assert domain_estimate([]) is None
    census = domain_estimate([DomainStratum(10, 10, 4, 1), DomainStratum(5, 5, 5, 5)])
    assert census is not None
    assert census.standard_error == 0.0 and census.effective_n == 9.0
    with pytest.raises(ValueError):
        domain_estimate([DomainStratum(100, 10, 3, 4)])


def test_the_frames_are_given_only_for_a_disproportionate_sample() -> None:
    strata = [{"label": "a", "frame_size": 30, "sampled": 3}]
    assert stratum_frames({"strata": strata, "proportional": False}) == {"a": 30}
    assert stratum_frames({"strata": strata, "proportional": True}) is None
    assert stratum_frames({"strata": strata}) is None
    assert stratum_frames({"strata": [], "proportional": False}) is None


def test_the_interval_on_a_whole_effective_size_is_wilson_s() -> None:
    low, high = wilson_interval(18 / 60, 60.0)
    expected = wilson(18, 60)
    assert (low, high) == pytest.approx((expected.low, expected.high))
    assert wilson_interval(0.3, 0.0) == (0.0, 1.0)
    low, high = wilson_interval(0.0, 12.5)
    assert low == 0.0 and 0 < high < 1
