"""Calibration, corrected figure: the body's own figure over all its cases, corrected for its bias.

The rule held here: with ``body_all`` (the body's overall grade counts over ALL the cases its audit
graded) ``calibrate`` gives the body's figure **corrected for its bias**, by **double sampling for
stratification** (Cochran 1977, *Sampling Techniques*, 3rd ed., ch. 12 "Double sampling", §12.2, with
the unbiased estimator of its variance Cochran gives in that chapter):
the body's grade stratifies its n′ cases into n′_h per grade (w_h = n′_h / n′); n_h of them were
re-graded, ȳ_h of those the inspectorate called favourable, s_h² = n_h ȳ_h (1 − ȳ_h)/(n_h − 1):

    ȳ = Σ w_h ȳ_h
    v(ȳ) = (N − 1)/N · Σ_h [(n′_h − 1)/(n′ − 1) − (n_h − 1)/(N − 1)] · w_h s_h² / n_h
           + (N − n′)/(N (n′ − 1)) · Σ_h w_h (ȳ_h − ȳ)²

N is the number of cases the estimate is for: by default the cases the body graded (N = n′: the second
term vanishes and v is the stratified variance with each stratum's finite-population correction,
Σ w_h² (1 − n_h/n′_h) s_h²/n_h); ``population`` N > n′ when the body's audit was itself a simple random
sample of N cases and the figure is wanted for all of them.  A stratum with one re-graded case is given
s_h² = 0.25 (``statistics.SINGLE_CASE_VARIANCE``, the largest a share can have); a grade the body gave
but no re-graded case had is left out and named (the estimate is then for the other cases only, and a
given N is scaled down in proportion).  The interval is Korn and Graubard's, by the same rule as
``statistics.stratified_share``: the effective sample size n* = ȳ(1 − ȳ)/v (at most the cases
re-graded) shrunk by (z/t_df)², df = cases re-graded − strata, and the Clopper–Pearson interval of ȳn*
in n*.  The corrected bias is the body's own share less ȳ (for N = n′ the body's share is exact
and the interval is ȳ's, reflected; for N > n′ the same estimator on y = body favourable − inspectorate
favourable, with a normal interval).

Refusals (inconsistent or negative grade counts, a caseload smaller than the audit) raise
``CalibrationError``.

Imports of scipy and statsmodels are deferred to the functions that use them (see ``domain.agreement``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import statistics
from .calibration_results import (
    ALPHA,
    LESS_FAVOURABLE,
    MORE_FAVOURABLE,
    NO_SIGNIFICANT_DIFFERENCE,
    VERDICT_WORDS,
    CalibrationError,
    Corrected,
    Stratum,
    body_audit,
    capitalised,
    signed_points,
)
from .calibration_tests import favourable_side
from .report_words import concern_words, percent
from .words import count, number, percentage_points, plain


@dataclass(frozen=True)
class TwoPhase:
    """Cochran's two-phase estimate: ``estimate`` with its variance over the covered strata."""

    estimate: float
    variance: float
    first_phase: int  # n′ over the covered strata
    sampled: int
    strata: int
    single_case_strata: tuple[str, ...]


def two_phase(
    strata: Sequence[tuple[str, int, int, float, float]], population: int | None = None
) -> TwoPhase:
    """The double-sampling-for-stratification estimate of a mean and its unbiased variance estimate.

    ``strata``: (name, n′_h cases in the first phase, n_h sampled, ȳ_h the mean of y among them, s_h²
    their variance with divisor n_h − 1) for the strata with a sampled case; ``population`` N (default
    n′: the first phase is the population).  See the module's note.
    """
    first = sum(s[1] for s in strata)
    if first <= 0 or not strata:
        raise ValueError("no stratum has a sampled case")
    big_n = first if population is None else population
    if big_n < first:
        raise CalibrationError(
            f"The caseload given ({number(big_n)} cases) is smaller than the {number(first)} cases the "
            "body's audit graded: give the number of cases its audit was drawn from, or none"
        )
    estimate = sum(s[1] / first * s[3] for s in strata)
    within, singles = 0.0, []
    for name, n1_h, n_h, _, var_h in strata:
        w = n1_h / first
        if n_h == 1 and n1_h > 1:
            var_h = statistics.SINGLE_CASE_VARIANCE
            singles.append(name)
        elif n_h == 1:
            var_h = 0.0
        coefficient = (n1_h - 1) / (first - 1) if first > 1 else 0.0
        if big_n > 1:
            coefficient -= (n_h - 1) / (big_n - 1)
        within += max(0.0, coefficient) * w * var_h / n_h
    within *= (big_n - 1) / big_n
    between = 0.0
    if big_n > first and first > 1:
        between = (
            (big_n - first)
            / (big_n * (first - 1))
            * sum(s[1] / first * (s[3] - estimate) ** 2 for s in strata)
        )
    return TwoPhase(
        estimate,
        within + between,
        first,
        sum(s[2] for s in strata),
        len(strata),
        tuple(singles),
    )


def corrected_figure(
    pairs: Sequence[tuple[str, str]],
    body_all: Mapping[str, int],
    scale: Sequence[str],
    *,
    favourable: str = "good",
    population: int | None = None,
    body: str = "the body",
    labels: Mapping[str, str] | None = None,
) -> Corrected | None:
    """The share the inspectorate would call favourable over all the cases the body graded, estimated
    from the re-graded sample stratified by the body's grade (None when no pair is on the scale)."""
    from scipy import stats  # deferred: see the module's note

    side = set(favourable_side(scale, favourable))
    on_scale = [(x, y) for x, y in pairs if x in scale and y in scale]
    if not on_scale:
        return None
    named = labels or {}

    def grade_words(grade: str) -> str:
        return named.get(grade, plain(grade)).lower()

    audit = body_audit(body)
    rows = []
    for grade in scale:
        sampled = [y for x, y in on_scale if x == grade]
        all_cases = int(body_all.get(grade, 0))
        if all_cases < 0:
            raise CalibrationError(
                f"{capitalised(audit)} cannot have graded {number(all_cases)} cases "
                f"{grade_words(grade)}: correct its grade counts (each is a number of cases, 0 or more)"
            )
        if len(sampled) > all_cases:
            raise CalibrationError(
                f"{count(len(sampled), 'case')} re-graded by the inspectorate "
                f"{'was' if len(sampled) == 1 else 'were'} graded {grade_words(grade)} by {audit}, "
                f"but its grade counts say it graded only {count(all_cases, 'case')} "
                f"{grade_words(grade)}: the counts must cover every case its audit graded, the "
                "re-graded ones included; correct them"
            )
        rows.append(Stratum(grade, all_cases, len(sampled), sum(y in side for y in sampled)))
    if population is not None and population < 0:
        raise CalibrationError("The caseload cannot be a negative number of cases: correct it")
    uncovered = tuple(r.grade for r in rows if r.all_cases > 0 and r.sampled == 0)
    covered = [r for r in rows if r.sampled > 0]
    all_cases = sum(r.all_cases for r in rows)
    first = sum(r.all_cases for r in covered)
    if population is not None and uncovered:
        population = max(first, round(population * first / all_cases))

    def spec(r: Stratum, body_value: float | None) -> tuple[str, int, int, float, float]:
        """The stratum for ``two_phase``: y the inspectorate's favourable call (``body_value`` None) or
        the body's (constant within the stratum) less it; their within-stratum variance is the same."""
        p = r.favourable / r.sampled
        var = r.sampled * p * (1 - p) / (r.sampled - 1) if r.sampled > 1 else 0.0
        return (r.grade, r.all_cases, r.sampled, p if body_value is None else body_value - p, var)

    share_est = two_phase([spec(r, None) for r in covered], population)
    body_share = sum(r.all_cases for r in covered if r.grade in side) / first
    census = population in (None, first) and all(r.sampled == r.all_cases for r in covered)
    low, high, _ = statistics.korn_graubard(
        share_est.estimate,
        share_est.variance,
        share_est.sampled,
        share_est.strata,
        census,
        ALPHA,
    )
    bias = body_share - share_est.estimate
    if population is None or population == first:
        bias_var = share_est.variance
        bias_ci = (body_share - high, body_share - low)
    else:
        diff_est = two_phase(
            [spec(r, 1.0 if r.grade in side else 0.0) for r in covered], population
        )
        bias_var = diff_est.variance
        z = float(stats.norm.ppf(1 - ALPHA / 2))
        half = z * math.sqrt(bias_var)
        bias_ci = (max(-1.0, bias - half), min(1.0, bias + half))
    words = concern_words([named.get(g, plain(g)) for g in scale if g in side])
    body_share_all = sum(r.all_cases for r in rows if r.grade in side) / all_cases
    left = sum(r.all_cases for r in rows if r.grade in uncovered)
    bias_significant = bias_ci[0] > 0 or bias_ci[1] < 0
    if math.isclose(bias, 0.0, abs_tol=1e-12) or not bias_significant:
        found = NO_SIGNIFICANT_DIFFERENCE
    else:
        found = MORE_FAVOURABLE if bias > 0 else LESS_FAVOURABLE
    fewer = "fewer" if bias >= 0 else "more"
    difference_ci = (
        f"95% CI of the difference {signed_points(bias_ci[0])} to {signed_points(bias_ci[1])} "
        "percentage points"
        if bias >= 0
        else f"95% CI of the difference {signed_points(-bias_ci[1])} to {signed_points(-bias_ci[0])} "
        "percentage points"
    )
    if found == NO_SIGNIFICANT_DIFFERENCE:
        difference = (
            f"{VERDICT_WORDS[NO_SIGNIFICANT_DIFFERENCE]} from its own figure "
            f"({percentage_points(abs(bias))} {fewer}; {difference_ci})"
        )
    else:
        difference = f"{percentage_points(abs(bias))} {fewer} ({difference_ci})"
    corrected_words = (
        f"corrected for its bias, the inspectorate would grade {percent(share_est.estimate)} of them "
        f"{words} (95% CI {percent(low)} to {percent(high)}): {difference}."
    )
    whole = f"{capitalised(audit)} graded {percent(body_share_all)} of " + (
        f"all {count(all_cases, 'case')} it graded {words}"
        if all_cases > 1
        else f"the one case it graded {words}"
    )
    bounds_all: tuple[float, float] | None = None
    if uncovered:
        bounds_all = (low * first / all_cases, (high * first + left) / all_cases)
        missing = concern_words([named.get(g, plain(g)) for g in uncovered])
        text = (
            f"{whole}. No re-graded case was one it graded {missing} ({count(left, 'case')}), so the "
            f"correction covers the other {count(first, 'case')} only: of those it graded "
            f"{percent(body_share)} {words}; {corrected_words} Over all {count(all_cases, 'case')} the "
            f"inspectorate's share {words} would be between {percent(bounds_all[0])} and "
            f"{percent(bounds_all[1])} (the interval's ends, with the {count(left, 'case')} counted as "
            f"none or all {words})."
        )
    else:
        text = f"{whole}; {corrected_words}"
    notes = []
    if uncovered:
        notes.append(
            f"No re-graded case was one the body graded {', '.join(grade_words(g) for g in uncovered)}: "
            f"the estimate is for the other {number(first)} of {number(all_cases)} cases only, leaving out "
            f"{count(left, 'case')}."
        )
    if share_est.single_case_strata:
        notes.append(
            "Only one re-graded case was one the body graded "
            f"{', '.join(plain(g).lower() for g in share_est.single_case_strata)}: its variance is taken "
            "as the largest a share can have."
        )
    return Corrected(
        share=share_est.estimate,
        standard_error=math.sqrt(share_est.variance),
        ci=(low, high),
        body_share=body_share,
        bias=bias,
        bias_ci=bias_ci,
        bias_standard_error=math.sqrt(bias_var),
        strata=tuple(rows),
        all_cases=all_cases,
        covered_cases=first,
        population=first if population is None else population,
        uncovered=uncovered,
        single_case_strata=share_est.single_case_strata,
        sentence=text,
        note=" ".join(notes) or None,
        body_share_all=body_share_all,
        share_bounds_all=bounds_all,
        verdict=found,
    )
