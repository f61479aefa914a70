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
from statistics import NormalDist

import numpy as np

from .language import gettext_lazy, gettext_noop, say, say_word
from .words import DIRECTION_WORDS, TEST_WORDS

ALPHA = 0.05
NO_CHANGE = "no significant change"
#: How a comparison's wording says "no significant change" (the JSON's code) to people.
NO_CHANGE_WORDS = gettext_noop("no statistically significant change")
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
        """How a person reads it: "no statistically significant change (two-proportion z-test, p = 0.41)"."""
        return comparison_words(self.direction, self.test, self.p_value)


def p_words(p: float, *, alpha: float = ALPHA) -> str:
    """A p value as printed: 2 significant figures ("p = 0.031", "p = 0.050"), "p < 0.001" below that.

    The decision is taken on the unrounded value; where 2 figures would put the printed value on the other
    side of ``alpha`` from it (0.04996 would print as 0.050), more figures are given until it agrees.
    """
    if p < 0.001:
        return "p < 0.001"
    significant = p < alpha
    for figures in range(2, 8):
        text = f"{p:#.{figures}g}"
        if (float(text) < alpha) == significant:
            return f"p = {text}"
    return f"p = {p!r}"


def said_direction(direction: str) -> str:
    """A comparison's direction (a code) as its wording says it, in the document's language: "worse",
    "better", "no statistically significant change"; a code the tables do not know, as it is."""
    if direction == NO_CHANGE:
        return say_word(NO_CHANGE_WORDS)
    found = DIRECTION_WORDS.get(direction)
    return direction if found is None else say_word(found)


def said_test(test: str) -> str:
    """A comparison's test (a code) in the document's language; a test the table does not know, as it is."""
    found = TEST_WORDS.get(test)
    return test if found is None else say_word(found)


def comparison_words(direction: str, test: str, p_value: float, *, alpha: float = ALPHA) -> str:
    """ "worse (two-proportion z-test, p = 0.031)"; the direction in words for people, in the document's
    language (``domain.language.say``)."""
    return say(
        gettext_lazy(
            "%(direction)s (%(test)s, %(p)s)",
            direction=said_direction(direction),
            test=said_test(test),
            p=p_words(p_value, alpha=alpha),
        )
    )


def direction_of(
    p_value: float, rose: bool, *, higher_is_worse: bool = True, alpha: float = ALPHA
) -> str:
    """ "worse", "better" or "no significant change": significant only when p < alpha (unrounded)."""
    if p_value < alpha:
        return "worse" if rose == higher_is_worse else "better"
    return NO_CHANGE


def adjusted(p_values: Sequence[float | None], method: str) -> list[float | None]:
    """Adjusted p values of one family of tests: ``"holm"`` (Holm 1979) or ``"fdr_bh"`` (Benjamini–Hochberg).

    None is a test of the family that is not printed (its p value rests on hidden counts): it counts as
    p = 1, which can only raise the others' adjusted values, and its own stays None.  An empty family
    gives an empty list; a family of one is its own p value.
    """
    if not p_values:
        return []
    from statsmodels.stats.multitest import multipletests  # deferred: see the module's note

    given = [1.0 if p is None else p for p in p_values]
    _, corrected, _, _ = multipletests(given, alpha=ALPHA, method=method)
    return [
        None if p is None else float(min(1.0, v)) for p, v in zip(p_values, corrected, strict=True)
    ]


WALD_TEST = "Wald test on the difference of design-weighted shares"


def wald_difference(
    now_share: float,
    now_se: float,
    before_share: float,
    before_se: float,
    *,
    higher_is_worse: bool = True,
    now_n: float | None = None,
    before_n: float | None = None,
) -> Comparison:
    """Two independent estimates compared by a Wald test: z = (p₁ − p₀) / √(v₁ + v₀), two-sided.

    Used where a share is design-weighted (a disproportionate sample): its standard error is the stratified
    one, not the binomial.  Given each side's (effective) sample size n*, each side's variance is at least
    p̄(1 − p̄)/n* with p̄ the two sides' shares pooled by n*: a stratum where every case (or none) gave
    concern has no variance of its own, and without the floor a handful of cases could give "p < 0.001".
    With no variance on either side (and no sizes), equal shares give p = 1 and different ones 0.
    """
    now_var, before_var = now_se * now_se, before_se * before_se
    if now_n and before_n:
        pooled = (now_n * now_share + before_n * before_share) / (now_n + before_n)
        now_var = max(now_var, pooled * (1 - pooled) / now_n)
        before_var = max(before_var, pooled * (1 - pooled) / before_n)
    se = math.sqrt(now_var + before_var)
    diff = now_share - before_share
    if se == 0:
        p = 1.0 if math.isclose(diff, 0.0, abs_tol=1e-12) else 0.0
    else:
        p = 2 * NormalDist().cdf(-abs(diff) / se)
    return Comparison(WALD_TEST, p, direction_of(p, diff > 0, higher_is_worse=higher_is_worse))


def binomial_se(count: int, total: int) -> float:
    """The standard error of a simple share count/total: √(p(1 − p)/n)."""
    if total <= 0:
        raise ValueError("a share needs at least one case")
    p = count / total
    return math.sqrt(p * (1 - p) / total)


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
    rose = now_count / now_total > before_count / before_total
    return Comparison(test, p, direction_of(p, rose, higher_is_worse=higher_is_worse))


@dataclass(frozen=True)
class Stratum:
    frame_size: int  # N_h
    sampled: int  # n_h
    count: int  # cases with the attribute among the sampled


@dataclass(frozen=True)
class Estimate:
    """A design-weighted share with its standard error and its Korn–Graubard 95% interval.

    ``covered_frame`` of ``frame`` cases are in strata with a graded case: the estimate is for them alone,
    and ``strata_ungraded`` strata are left out (never silently called the whole body).
    """

    share: float
    low: float
    high: float
    standard_error: float
    effective_n: float = 0.0
    covered_frame: int = 0
    frame: int = 0
    strata_ungraded: int = 0
    single_case_strata: int = 0


#: The design-weighted interval's method: words of the report (``say_word`` where it is written).
KORN_GRAUBARD = gettext_noop(
    "Korn–Graubard: Clopper–Pearson on the effective sample size, with degrees of freedom "
    "(sampled cases less strata)"
)
#: A stratum with one sampled case has no variance of its own: it is given the largest a share can have.
SINGLE_CASE_VARIANCE = 0.25


def stratified_share(strata: Sequence[Stratum], *, alpha: float = ALPHA) -> Estimate:
    """The share over the strata with a graded case: design weights, stratified variance, Korn–Graubard.

    p = Σ W_h p_h with W_h = N_h / N over the covered strata;
    Var = Σ W_h² (1 − n_h/N_h) s_h² / n_h with s_h² = n_h p_h (1 − p_h) / (n_h − 1), and s_h² = 0.25 (the
    largest possible) for a stratum with a single sampled case.
    The interval is Korn and Graubard's (1998): the effective sample size n* = p(1 − p)/Var (at most the
    cases sampled), shrunk by
    (z/t_df)² with df = sampled cases − covered strata, and the Clopper–Pearson interval of p·n* in n*.
    With no variance it is that of the cases sampled (a census of every stratum gives the share itself).
    """
    used = [s for s in strata if s.sampled > 0]
    total = sum(s.frame_size for s in used)
    if total <= 0:
        raise ValueError("no stratum has sampled cases")
    share = 0.0
    variance = 0.0
    census = True
    singles = 0
    for s in used:
        weight = s.frame_size / total
        p = s.count / s.sampled
        share += weight * p
        fpc = max(0.0, 1 - s.sampled / s.frame_size) if s.frame_size else 0.0
        census = census and fpc == 0.0
        if s.sampled > 1:
            variance += weight * weight * fpc * p * (1 - p) / (s.sampled - 1)
        elif fpc > 0:
            singles += 1
            variance += weight * weight * fpc * SINGLE_CASE_VARIANCE
    se = math.sqrt(variance)
    sampled = sum(s.sampled for s in used)
    low, high, n_eff = korn_graubard(share, variance, sampled, len(used), census, alpha)
    return Estimate(
        share,
        low,
        high,
        se,
        effective_n=n_eff,
        covered_frame=total,
        frame=sum(s.frame_size for s in strata),
        strata_ungraded=len(strata) - len(used),
        single_case_strata=singles,
    )


def korn_graubard(
    share: float, variance: float, sampled: int, strata: int, census: bool, alpha: float
) -> tuple[float, float, float]:
    """Korn and Graubard's interval for a share estimated from a complex sample: (low, high, effective size),
    the Clopper-Pearson interval on the effective sample size (the design's, capped at the cases sampled,
    times the squared ratio of the normal to the t quantile on ``sampled - strata`` degrees of freedom).
    A census with no variance is exact."""
    from scipy.stats import beta, t  # deferred: see the module's note

    if variance <= 0 and census:
        return share, share, float("inf")
    # Never more than the cases sampled: a stratum where every case (or none) gave concern adds no variance,
    # which would otherwise make a share like 1 in 100 look known to a tenth of a point.
    n_eff = min(float(sampled), share * (1 - share) / variance) if variance > 0 else float(sampled)
    df = max(1, sampled - strata)
    n_eff *= (NormalDist().inv_cdf(alpha / 2) / float(t.ppf(alpha / 2, df))) ** 2
    x = share * n_eff
    low = 0.0 if x <= 0 else float(beta.ppf(alpha / 2, x, n_eff - x + 1))
    high = 1.0 if x >= n_eff else float(beta.ppf(1 - alpha / 2, x + 1, n_eff - x))
    return low, high, n_eff
