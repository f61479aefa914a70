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
    CalibrationError,
    Corrected,
    Stratum,
    audit_phrase,
    body_audit,
    capitalised,
    points_phrase,
    signed_points,
)
from .calibration_tests import favourable_side
from .language import Phrase, gettext_lazy, ngettext_lazy
from .report_words import concern_phrase, percent
from .words import count, number, plain


def _cases(n: int) -> Phrase:
    return ngettext_lazy("%(shown)s case", "%(shown)s cases", n, shown=number(n))


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
    words = concern_phrase([named.get(g, plain(g)) for g in scale if g in side])
    body_share_all = sum(r.all_cases for r in rows if r.grade in side) / all_cases
    left = sum(r.all_cases for r in rows if r.grade in uncovered)
    bias_significant = bias_ci[0] > 0 or bias_ci[1] < 0
    if math.isclose(bias, 0.0, abs_tol=1e-12) or not bias_significant:
        found = NO_SIGNIFICANT_DIFFERENCE
    else:
        found = MORE_FAVOURABLE if bias > 0 else LESS_FAVOURABLE
    low_ci, high_ci = (bias_ci[0], bias_ci[1]) if bias >= 0 else (-bias_ci[1], -bias_ci[0])
    difference_ci = gettext_lazy(
        "95%% CI of the difference %(low)s to %(high)s percentage points",
        low=signed_points(low_ci),
        high=signed_points(high_ci),
    )
    apart = {"points": points_phrase(abs(bias)), "ci": difference_ci}
    difference: Phrase
    if found == NO_SIGNIFICANT_DIFFERENCE:
        difference = (
            gettext_lazy(
                "no statistically significant difference from its own figure (%(points)s fewer; "
                "%(ci)s)",
                **apart,
            )
            if bias >= 0
            else gettext_lazy(
                "no statistically significant difference from its own figure (%(points)s more; "
                "%(ci)s)",
                **apart,
            )
        )
    else:
        difference = (
            gettext_lazy("%(points)s fewer (%(ci)s)", **apart)
            if bias >= 0
            else gettext_lazy("%(points)s more (%(ci)s)", **apart)
        )
    corrected_words = gettext_lazy(
        "corrected for its bias, the inspectorate would grade %(share)s of them %(favourable)s "
        "(95%% CI %(low)s to %(high)s): %(difference)s.",
        share=percent(share_est.estimate),
        favourable=words,
        low=percent(low),
        high=percent(high),
        difference=difference,
    )
    whole = (
        gettext_lazy(
            "%(audit)s graded %(share)s of all %(cases)s it graded %(favourable)s",
            audit=audit_phrase(body, first=True),
            share=percent(body_share_all),
            cases=_cases(all_cases),
            favourable=words,
        )
        if all_cases > 1
        else gettext_lazy(
            "%(audit)s graded %(share)s of the one case it graded %(favourable)s",
            audit=audit_phrase(body, first=True),
            share=percent(body_share_all),
            favourable=words,
        )
    )
    bounds_all: tuple[float, float] | None = None
    text: Phrase
    if uncovered:
        bounds_all = (low * first / all_cases, (high * first + left) / all_cases)
        missing = concern_phrase([named.get(g, plain(g)) for g in uncovered])
        text = gettext_lazy(
            "%(whole)s. No re-graded case was one it graded %(missing)s (%(left)s), so the correction "
            "covers the other %(covered)s only: of those it graded %(body_share)s %(favourable)s; "
            "%(corrected)s Over all %(cases)s the inspectorate's share %(favourable)s would be "
            "between %(low)s and %(high)s (the interval's ends, with the %(left)s counted as none or "
            "all %(favourable)s).",
            whole=whole,
            missing=missing,
            left=_cases(left),
            covered=_cases(first),
            body_share=percent(body_share),
            favourable=words,
            corrected=corrected_words,
            cases=_cases(all_cases),
            low=percent(bounds_all[0]),
            high=percent(bounds_all[1]),
        )
    else:
        text = gettext_lazy("%(whole)s; %(corrected)s", whole=whole, corrected=corrected_words)
    notes: list[Phrase] = []
    if uncovered:
        notes.append(
            gettext_lazy(
                "No re-graded case was one the body graded %(grades)s: the estimate is for the other "
                "%(covered)s of %(all)s cases only, leaving out %(left)s.",
                grades=", ".join(grade_words(g) for g in uncovered),
                covered=number(first),
                all=number(all_cases),
                left=_cases(left),
            )
        )
    if share_est.single_case_strata:
        notes.append(
            gettext_lazy(
                "Only one re-graded case was one the body graded %(grades)s: its variance is taken "
                "as the largest a share can have.",
                grades=", ".join(plain(g).lower() for g in share_est.single_case_strata),
            )
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
        note=None
        if not notes
        else (
            notes[0]
            if len(notes) == 1
            else gettext_lazy("%(first)s %(then)s", first=notes[0], then=notes[1])
        ),
        body_share_all=body_share_all,
        share_bounds_all=bounds_all,
        verdict=found,
    )
