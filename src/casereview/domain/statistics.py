"""Honest figures from samples: intervals, comparisons and their wording, design-weighted estimates.

* A share is shown with its 95% Wilson interval.
* A change between two results is "better" or "worse" only when a
  two-proportion z-test (Fisher's exact test when an expected count is under
  5) gives p < 0.05; otherwise "no significant change" (worded "no
  statistically significant change" for people), always with the p value.
* Where strata were not sampled in proportion, body-wide shares use design
  weights (N_h / n_h) with the stratified variance (finite population
  correction per stratum).

The arithmetic is statsmodels' and scipy's; this module decides which test
applies and how the result is worded.

Imports of statsmodels and scipy are deferred to the functions that use them: together they take about
1.4 s to import, which every `casereview` command would otherwise pay (the CLI imports its services at
start-up), while only reports and agreement figures need them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ALPHA = 0.05
NO_CHANGE = "no significant change"
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Share:
    count: int
    total: int
    share: float
    low: float
    high: float


def wilson(count: int, total: int, *, alpha: float = ALPHA) -> Share:
    """The share count/total with its Wilson score interval."""
    if total <= 0:
        raise ValueError("a share needs at least one case")
    if not 0 <= count <= total:
        raise ValueError("count must be between 0 and total")
    from statsmodels.stats.proportion import proportion_confint  # deferred: see the module's note

    low, high = proportion_confint(count, total, alpha=alpha, method="wilson")
    return Share(count, total, count / total, float(low), float(high))


@dataclass(frozen=True)
class Comparison:
    test: str  # "two-proportion z-test" or "Fisher's exact test"
    p_value: float
    direction: str  # "worse", "better" or "no significant change" (the JSON value)

    @property
    def wording(self) -> str:
        """How a person reads it: "no statistically significant change (two-proportion z-test, p = 0.412)"."""
        p = "p < 0.001" if self.p_value < 0.001 else f"p = {self.p_value:.3f}"
        said = (
            "no statistically significant change" if self.direction == NO_CHANGE else self.direction
        )
        return f"{said} ({self.test}, {p})"


def compare(
    now_count: int,
    now_total: int,
    before_count: int,
    before_total: int,
    *,
    higher_is_worse: bool = True,
) -> Comparison:
    """Compare a share now with one before (e.g. requires improvement or inadequate)."""
    if min(now_total, before_total) <= 0:
        raise ValueError("both results need at least one case")
    table = np.array(
        [[now_count, now_total - now_count], [before_count, before_total - before_count]],
        dtype=float,
    )
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    if (expected < 5).any():
        from scipy.stats import fisher_exact  # deferred: see the module's note

        test = "Fisher's exact test"
        _, p = fisher_exact(table.astype(int), alternative="two-sided")
    else:
        test = "two-proportion z-test"
        pooled = (now_count + before_count) / (now_total + before_total)
        if pooled in (0.0, 1.0):
            p = 1.0  # identical all-or-nothing results: no evidence of change
        else:
            from statsmodels.stats.proportion import proportions_ztest  # deferred: as above

            _, p = proportions_ztest([now_count, before_count], [now_total, before_total])
    p = float(p)
    if p < ALPHA:
        rose = now_count / now_total > before_count / before_total
        direction = "worse" if rose == higher_is_worse else "better"
    else:
        direction = NO_CHANGE
    return Comparison(test, p, direction)


@dataclass(frozen=True)
class Stratum:
    frame_size: int  # N_h
    sampled: int  # n_h
    count: int  # cases with the attribute among the sampled


@dataclass(frozen=True)
class Estimate:
    share: float
    low: float
    high: float
    standard_error: float


def stratified_share(strata: Sequence[Stratum]) -> Estimate:
    """The body-wide share from a stratified sample: design weights and the stratified variance.

    p = Σ W_h p_h with W_h = N_h / N;  Var = Σ W_h² (1 − n_h/N_h) p_h (1 − p_h) / (n_h − 1).
    The interval is the normal one, clipped to [0, 1].
    """
    used = [s for s in strata if s.sampled > 0]
    total = sum(s.frame_size for s in used)
    if total <= 0:
        raise ValueError("no stratum has sampled cases")
    share = 0.0
    variance = 0.0
    for s in used:
        weight = s.frame_size / total
        p = s.count / s.sampled
        share += weight * p
        if s.sampled > 1:
            fpc = 1 - s.sampled / s.frame_size if s.frame_size else 0.0
            variance += weight * weight * fpc * p * (1 - p) / (s.sampled - 1)
    se = math.sqrt(variance)
    return Estimate(share, max(0.0, share - Z95 * se), min(1.0, share + Z95 * se), se)
