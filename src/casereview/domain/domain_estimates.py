"""Design-weighted shares of a part of the sample (a domain: one unit, one category, or every case with a
weakness) when the sample was drawn out of proportion.

In a stratified sample whose strata were not sampled in proportion, a category's or a unit's share of
the cases as sampled over-counts the strata sampled more heavily.  Its design-based estimate weights every
graded case by N_h / n_h (its stratum's frame over its stratum's graded cases) and takes the ratio

    p̂_d = Σ_h (N_h/n_h) Σ_i y_hi·x_hi  /  Σ_h (N_h/n_h) Σ_i x_hi  =  Ŷ_d / X̂_d

where x_hi is 1 for a case in the domain and y_hi 1 for one with the attribute (of concern, or with the
weakness).  Its variance is the Taylor-linearised one of a ratio (Cochran 1977, §§2.13 and 6.11; Lohr,
*Sampling: Design and Analysis*, §§4.5 and 9.1): with z_hi = x_hi (y_hi − p̂_d) / X̂_d for every graded
case (0 for a case outside the domain),

    Var(p̂_d) = Σ_h N_h² (1 − n_h/N_h) s²_zh / n_h,

s²_zh the sample variance of z over all n_h graded cases of stratum h.  The effective sample size is
p̂(1 − p̂)/Var, never more than the domain's graded cases (all of them when the variance is 0).

A stratum with a single graded case has no sample variance.  Where that case is in the domain its s²_z is
taken as the largest a variable with z's range can have: z lies between −p̂/X̂_d and (1 − p̂)/X̂_d (0 between
them), a range of 1/X̂_d, so s²_z ≤ 1/(4 X̂_d²) — for the whole sample as the domain this is exactly the
0.25 that ``statistics.stratified_share`` gives such a stratum.  Where that case is outside the domain, z
is 0 and the stratum adds no variance, as any stratum whose graded cases include none of the domain
(otherwise every small stratum would add variance to every unit's share, whether or not the unit has
cases there).  Strata with no graded case are left out, as in ``stratified_share``: the estimate is for the
frame of the strata with graded cases.

For the whole sample as the domain the estimate and its variance are ``stratified_share``'s; for a domain
lying wholly in one stratum the estimate is its plain share; with proportional allocation (N_h/n_h the same
in every stratum) it is the plain share of the cases as sampled.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .language import gettext_noop, say_word
from .report_model import DomainFigure, DomainStratumCounts
from .statistics import Z95

#: How a domain's interval is made (``wilson_interval``): words of the report, said in its language.
DOMAIN_INTERVAL = gettext_noop("Wilson score on the effective sample size")


@dataclass(frozen=True)
class DomainStratum:
    """One stratum's counts for one domain: its frame N_h, its graded cases n_h, those in the domain, and
    those in the domain with the attribute."""

    frame_size: int
    graded: int
    in_domain: int
    attribute: int


@dataclass(frozen=True)
class DomainEstimate:
    share: float
    standard_error: float
    effective_n: float
    graded: int  # the domain's graded cases (in strata with a frame)
    #: The counts it was computed from, by stratum label (``domain_of``; empty from ``domain_estimate``).
    strata: tuple[DomainStratumCounts, ...] = ()
    #: Strata whose one graded case, in the domain, was given the largest variance.
    single_case_strata: int = 0

    @property
    def as_tuple(self) -> tuple[float, float, float]:
        """(share, standard error, effective size): what ``comparisons.comparison_of`` takes."""
        return (self.share, self.standard_error, self.effective_n)


def domain_estimate(strata: Sequence[DomainStratum]) -> DomainEstimate | None:
    """The domain's design-weighted share, its linearised standard error and its effective size.

    None when no graded case of a stratum with a frame is in the domain.
    """
    used = [s for s in strata if s.graded > 0 and s.frame_size > 0]
    for s in used:
        if not 0 <= s.attribute <= s.in_domain <= s.graded:
            raise ValueError("a stratum needs 0 ≤ attribute ≤ in domain ≤ graded")
    total = sum((s.frame_size / s.graded) * s.in_domain for s in used)  # X̂_d
    if total <= 0:
        return None
    found = sum((s.frame_size / s.graded) * s.attribute for s in used)  # Ŷ_d
    share = min(1.0, max(0.0, found / total))
    variance = 0.0
    singles = 0
    for s in used:
        fpc = max(0.0, 1 - s.graded / s.frame_size)
        if fpc == 0.0:
            continue
        n = s.graded
        if n == 1:
            if s.in_domain:
                singles += 1
                variance += s.frame_size**2 * fpc * 0.25 / (total * total)
            continue
        # z takes (1 − p̂)/X̂ (attribute cases), −p̂/X̂ (other domain cases) and 0 (the rest).
        high, low = (1 - share) / total, -share / total
        sum_z = s.attribute * high + (s.in_domain - s.attribute) * low
        sum_z2 = s.attribute * high * high + (s.in_domain - s.attribute) * low * low
        s2 = max(0.0, (sum_z2 - sum_z * sum_z / n) / (n - 1))
        variance += s.frame_size**2 * fpc * s2 / n
    graded = sum(s.in_domain for s in used)
    if variance > 0:
        effective = min(float(graded), share * (1 - share) / variance)
    else:
        effective = float(graded)
    return DomainEstimate(share, math.sqrt(variance), effective, graded, single_case_strata=singles)


def domain_of(
    cases: Iterable[tuple[str, bool, bool]], frames: Mapping[str, int]
) -> DomainEstimate | None:
    """``domain_estimate`` from graded cases given as (stratum, in the domain, has the attribute).

    Every graded case of a stratum counts towards n_h, whether in the domain or not; cases of a stratum
    with no frame in ``frames`` are left out (as the whole sample's estimate leaves them out).
    """
    graded: dict[str, list[int]] = {label: [0, 0, 0] for label in frames}
    for stratum, in_domain, attribute in cases:
        counts = graded.get(stratum)
        if counts is None:
            continue
        counts[0] += 1
        counts[1] += in_domain
        counts[2] += in_domain and attribute
    found = domain_estimate(
        [DomainStratum(frames[label], *counts) for label, counts in graded.items()]
    )
    if found is None:
        return None
    by_stratum = tuple(DomainStratumCounts(label, *c) for label, c in graded.items() if c[0])
    return replace(found, strata=by_stratum)


def stratum_frames(sample: Mapping[str, Any]) -> dict[str, int] | None:
    """{stratum label: frame size} of a sample drawn out of proportion; None for a proportional one (or a
    sample without strata), whose shares need no weights."""
    strata = list(sample.get("strata") or [])
    if sample.get("proportional", True) or not strata:
        return None
    return {str(s["label"]): int(s["frame_size"]) for s in strata}


def wilson_interval(share: float, effective_n: float, *, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``share`` as if from ``effective_n`` simple random cases (which need not
    be a whole number); [0, 1] with no effective size."""
    if effective_n <= 0:
        return 0.0, 1.0
    z2n = z * z / effective_n
    centre = (share + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(share * (1 - share) / effective_n + z2n / (4 * effective_n))
    low = 0.0 if share <= 0 else max(0.0, centre - half)  # exact at the ends, not a rounding off
    high = 1.0 if share >= 1 else min(1.0, centre + half)
    return low, high


def figure_of(estimate: DomainEstimate) -> DomainFigure:
    """A row's ``design_weighted`` figure: the estimate with its Wilson interval on the effective size."""
    low, high = wilson_interval(estimate.share, estimate.effective_n)
    return DomainFigure(
        estimate.share,
        estimate.standard_error,
        estimate.effective_n,
        low,
        high,
        interval=say_word(DOMAIN_INTERVAL),
        strata=estimate.strata,
    )


def hidden_cells(figure: DomainFigure, concern: Mapping[str, int] | None = None) -> list[int]:
    """The counts a row's design-weighted share and its standard error can give back, though no published
    table shows them: by stratum, the row's cases with and without the attribute, the stratum's cases
    outside the row and, given the stratum's cases of concern (``concern``, for a breakdown by grade), those
    outside the row with and without concern.  A published version prints the figure only when none of
    them is a small count (nor, being complements within the stratum, works one out)."""
    cells = []
    for s in figure.strata:
        cells += [s.attribute, s.in_domain - s.attribute, s.graded - s.in_domain]
        if concern is not None and s.label in concern:
            outside = concern[s.label] - s.attribute
            cells += [outside, s.graded - s.in_domain - outside]
    return cells
