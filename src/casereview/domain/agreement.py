"""How consistently a team grades: agreement statistics on ordinal grades, each with its uncertainty.

Every figure rests on **(first mark, second mark) pairs**: the grade of a case's first review against
the grade its moderator (the blind second marker) gave.  The team's figure pools every such pair, so
it does not depend on who the markers were or how they are named; the figure of two named inspectors
pools the cases one first-marked and the other moderated (either way round).

For a set of pairs on an ordinal scale (Good < Requires improvement < Inadequate):

- **percent agreement**: the share of cases given the same grade by both marks;
- **Cohen's kappa**, unweighted and linear-weighted (a near miss, one grade apart, earns partial
  credit ``1 - |i - j| / (k - 1)``), each with a 95% interval:

  - from ``ANALYTIC_FROM`` pairs up, the analytic one: kappa ± 1.96 × its large-sample standard
    error (Fleiss, Cohen & Everitt 1969, as statsmodels' ``cohens_kappa`` and SAS PROC FREQ give it);
  - below that, a percentile bootstrap: ``BOOTSTRAP_RESAMPLES`` resamples of the pairs, drawn with
    replacement from a generator seeded with ``BOOTSTRAP_SEED`` (numpy PCG64; the same pairs always
    give the same interval), the 2.5th and 97.5th percentiles (numpy's default, linear) of the
    statistic over the resamples where it is defined; no interval when fewer than half are;

- **Gwet's AC1** (Gwet 2008), which does not read low when almost every case has the same grade, with
  its 95% interval: Gwet's analytic standard error and a t interval on n − 1 degrees of freedom (as his
  *Handbook of Inter-Rater Reliability* gives it) from ``ANALYTIC_FROM`` pairs up, the bootstrap below;
- **Krippendorff's alpha** with the ordinal metric (the ``krippendorff`` package);
- the **prevalence index** and **bias index** of Byrt, Bishop & Carlin (1993) on the report's own
  split of the scale, the best grade against the rest ("requires improvement or inadequate"): with
  ``a`` cases both marks of concern, ``d`` both the best grade, ``b`` first of concern and second not,
  ``c`` the reverse, PI = (a − d) / n and BI = (b − c) / n.  PI far from 0 means one side of the split
  is rare, which pulls kappa down however well the marks agree; BI above 0 means first reviewers called
  more cases of concern than moderators, below 0 fewer.

A figure from fewer than ``FEW_PAIRS`` pairs carries a warning: its interval is wide, and it says
little about the team.

Imports of statsmodels, scipy and krippendorff are deferred to the functions that use them: together
they take over a second to import, which every `casereview` command would otherwise pay (the CLI imports
its services at start-up), while only reports and agreement figures need them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .language import Phrase, ngettext_lazy, say

#: From this many pairs up the intervals are analytic; below, bootstrapped.
ANALYTIC_FROM = 30
#: Resamples of the bootstrap, and the seed of its generator (numpy PCG64): documented, never changed
#: silently, so a report regenerated from the same marks gives the same intervals.
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20210021
#: Below this many pairs a figure carries a warning.
FEW_PAIRS = 20
Z95 = 1.959963984540054

ANALYTIC = "analytic"
BOOTSTRAP = "bootstrap"


@dataclass(frozen=True)
class Mark:
    """One submitted mark of a case (the agreement-over-time table uses these)."""

    case: str
    rater: str
    grade: str


@dataclass(frozen=True)
class MarkPair:
    """One case marked twice: the first review's grade and the moderator's (second) grade."""

    case: str
    first: str
    second: str
    first_rater: str = ""
    second_rater: str = ""


@dataclass(frozen=True)
class PairAgreement:
    """Agreement of a set of (first, second) pairs: every statistic with its 95% interval.

    ``raters`` is ("team", "") for the team's figure.  Intervals are (low, high) or None when the
    statistic (or its interval) is not defined; ``interval_method`` says how they were made.
    """

    raters: tuple[str, str]
    cases: int
    agreement: float  # share of cases with the same grade
    kappa: float | None  # None when undefined (e.g. every mark the same grade)
    weighted_kappa: float | None
    kappa_ci: tuple[float, float] | None = None
    weighted_kappa_ci: tuple[float, float] | None = None
    ac1: float | None = None
    ac1_ci: tuple[float, float] | None = None
    alpha_ordinal: float | None = None
    prevalence_index: float | None = None
    bias_index: float | None = None
    interval_method: str | None = None


@dataclass(frozen=True)
class AreaAgreement:
    """Agreement on one framework area's grades: the pairs where both marks graded it."""

    area: str
    title: str
    figures: PairAgreement
    #: pairs left out because either mark was "not applicable" or left the area ungraded
    skipped: int


# -- the statistics of contingency tables, one table or a stack of them (the bootstrap) ------------


def _weights(k: int, weighted: bool) -> np.ndarray:
    if not weighted or k < 2:
        return np.eye(k)
    i = np.arange(k)
    out: np.ndarray = 1 - np.abs(i[:, None] - i[None, :]) / (k - 1)
    return out


def _kappas(tables: np.ndarray, weighted: bool) -> np.ndarray:
    """Cohen's kappa of each table of a (B, k, k) stack (nan where undefined)."""
    w = _weights(tables.shape[-1], weighted)
    n = tables.sum(axis=(1, 2))
    p = tables / n[:, None, None]
    rows, cols = p.sum(axis=2), p.sum(axis=1)
    observed = (p * w).sum(axis=(1, 2))
    chance = ((rows @ w) * cols).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: np.ndarray = (observed - chance) / (1 - chance)
    out[np.isclose(chance, 1.0)] = np.nan
    return out


def _ac1s(tables: np.ndarray) -> np.ndarray:
    """Gwet's AC1 of each table of a (B, k, k) stack (always defined for k ≥ 2)."""
    k = tables.shape[-1]
    n = tables.sum(axis=(1, 2))
    p = tables / n[:, None, None]
    pi = (p.sum(axis=2) + p.sum(axis=1)) / 2
    observed = np.trace(p, axis1=1, axis2=2)
    chance = (pi * (1 - pi)).sum(axis=1) / (k - 1)
    out: np.ndarray = (observed - chance) / (1 - chance)
    return out


def table_of(pairs: Sequence[tuple[str, str]], scale: Sequence[str]) -> np.ndarray:
    """The k × k table of (first, second) pairs: rows the first mark, columns the second."""
    index = {g: i for i, g in enumerate(scale)}
    table = np.zeros((len(scale), len(scale)))
    for a, b in pairs:
        table[index[a], index[b]] += 1
    return table


def kappa_analytic(
    table: np.ndarray, weighted: bool, *, standard_error: bool = True
) -> tuple[float, float | None] | None:
    """(kappa, its large-sample standard error) by statsmodels, or None when kappa is undefined (the
    standard error None when it is, or when not asked for: statsmodels' full results cost ~10 ms)."""
    if table.sum() == 0:
        return None
    from statsmodels.stats.inter_rater import cohens_kappa  # deferred: see the module's note

    wt = "linear" if weighted else None
    try:
        with np.errstate(invalid="raise", divide="raise"):
            value = float(cohens_kappa(table, wt=wt, return_results=False))
    except (ZeroDivisionError, FloatingPointError, ValueError):
        return None  # undefined, e.g. when every mark is the same grade
    if math.isnan(value):
        return None
    if not standard_error:
        return value, None
    try:
        with np.errstate(invalid="raise", divide="raise"):
            se = float(cohens_kappa(table, wt=wt).std_kappa)
    except (ZeroDivisionError, FloatingPointError, ValueError):
        se = math.nan
    return value, None if math.isnan(se) else se


def ac1_analytic(table: np.ndarray) -> tuple[float, float] | None:
    """(Gwet's AC1, its standard error) for two raters (Gwet 2008; Handbook, 4th ed., ch. 2)."""
    n, k = table.sum(), table.shape[0]
    if n == 0 or k < 2:
        return None
    p = table / n
    pi = (p.sum(axis=1) + p.sum(axis=0)) / 2
    observed = float(np.trace(p))
    chance = float((pi * (1 - pi)).sum() / (k - 1))
    ac1 = (observed - chance) / (1 - chance)
    term = np.eye(k) - 2 * (1 - ac1) * (1 - (pi[:, None] + pi[None, :]) / 2) / (k - 1)
    variance = (float((p * term**2).sum()) - (observed - 2 * (1 - ac1) * chance) ** 2) / (
        n * (1 - chance) ** 2
    )
    return ac1, math.sqrt(max(variance, 0.0))


def alpha_ordinal(table: np.ndarray) -> float | None:
    """Krippendorff's alpha, ordinal metric, of the pairs in ``table`` (None when undefined)."""
    n, k = int(table.sum()), table.shape[0]
    if n < 2:
        return None
    counts = np.zeros((n, k))
    row = 0
    for i in range(k):
        for j in range(k):
            for _ in range(int(table[i, j])):
                counts[row, i] += 1
                counts[row, j] += 1
                row += 1
    if np.count_nonzero(counts.sum(axis=0)) < 2:
        return None  # one grade only: no variation to agree on
    import krippendorff  # deferred: see the module's note

    with np.errstate(invalid="ignore", divide="ignore"):
        value = float(
            krippendorff.alpha(
                value_counts=counts, value_domain=list(range(k)), level_of_measurement="ordinal"
            )
        )
    return None if math.isnan(value) else value


def prevalence_and_bias(
    pairs: Sequence[tuple[str, str]], concern: Collection[str]
) -> tuple[float, float] | None:
    """Byrt, Bishop & Carlin's (prevalence index, bias index) on the split concern / not."""
    n = len(pairs)
    if n == 0:
        return None
    a = sum(x in concern and y in concern for x, y in pairs)
    d = sum(x not in concern and y not in concern for x, y in pairs)
    b = sum(x in concern and y not in concern for x, y in pairs)
    c = n - a - d - b
    return (a - d) / n, (b - c) / n


def bootstrap_tables(table: np.ndarray) -> np.ndarray:
    """``BOOTSTRAP_RESAMPLES`` resamples of the pairs as tables: resampling n pairs with replacement
    is drawing the table from the multinomial of its own cell shares."""
    n = int(table.sum())
    rng = np.random.Generator(np.random.PCG64(BOOTSTRAP_SEED))
    draws = rng.multinomial(n, (table / n).ravel(), size=BOOTSTRAP_RESAMPLES)
    return draws.reshape(BOOTSTRAP_RESAMPLES, *table.shape).astype(float)


def _percentiles(values: np.ndarray) -> tuple[float, float] | None:
    """The 2.5th and 97.5th percentiles of the defined values (numpy's default, linear, method: the
    same as ``np.quantile``, without its overhead), or None when fewer than half are defined."""
    defined = np.sort(values[~np.isnan(values)])
    if len(defined) * 2 < len(values):
        return None

    def at(q: float) -> float:
        position = q * (len(defined) - 1)
        below = math.floor(position)
        above = min(below + 1, len(defined) - 1)
        return float(defined[below] + (position - below) * (defined[above] - defined[below]))

    return at(0.025), at(0.975)


def _clip(low: float, high: float) -> tuple[float, float]:
    return max(-1.0, low), min(1.0, high)


def _normal(estimate: tuple[float, float | None] | None) -> tuple[float, float] | None:
    """The 95% normal interval of (value, standard error), within [-1, 1]."""
    if estimate is None:
        return None
    value, se = estimate
    if se is None:
        return None
    return _clip(value - Z95 * se, value + Z95 * se)


def pair_agreement(
    pairs: Sequence[tuple[str, str]],
    scale: Sequence[str],
    raters: tuple[str, str],
    *,
    concern: Collection[str] | None = None,
) -> PairAgreement:
    """Agreement of (grade by first, grade by second) pairs on an ordinal ``scale``, best first.

    ``concern`` is the side of the split the prevalence and bias indices count (default: every grade
    but the best).
    """
    n = len(pairs)
    table = table_of(pairs, scale)
    agree = float(np.trace(table) / n) if n else 0.0
    if n == 0:
        return PairAgreement(raters, 0, 0.0, None, None)
    analytic = n >= ANALYTIC_FROM
    plain = kappa_analytic(table, False, standard_error=analytic)
    linear = kappa_analytic(table, True, standard_error=analytic)
    ac1 = ac1_analytic(table) if len(scale) >= 2 else None
    split = prevalence_and_bias(pairs, set(scale[1:]) if concern is None else set(concern))
    if analytic:
        method = ANALYTIC
        kappa_ci, weighted_ci = _normal(plain), _normal(linear)
        ac1_ci = None
        if ac1 is not None:
            from scipy import stats  # deferred: see the module's note

            t = float(stats.t.ppf(0.975, n - 1))
            ac1_ci = _clip(ac1[0] - t * ac1[1], ac1[0] + t * ac1[1])
    else:
        method = BOOTSTRAP
        resampled = bootstrap_tables(table)
        kappa_ci = None if plain is None else _percentiles(_kappas(resampled, False))
        weighted_ci = None if linear is None else _percentiles(_kappas(resampled, True))
        ac1_ci = None if ac1 is None else _percentiles(_ac1s(resampled))
    return PairAgreement(
        raters,
        n,
        agree,
        None if plain is None else plain[0],
        None if linear is None else linear[0],
        kappa_ci=kappa_ci,
        weighted_kappa_ci=weighted_ci,
        ac1=None if ac1 is None else ac1[0],
        ac1_ci=ac1_ci,
        alpha_ordinal=alpha_ordinal(table),
        prevalence_index=None if split is None else split[0],
        bias_index=None if split is None else split[1],
        interval_method=method,
    )


def agreement_of(pairs: Iterable[MarkPair], scale: Sequence[str]) -> list[PairAgreement]:
    """The team's figure from every (first, second) pair (first), then each pair of inspectors'.

    Pairs whose grades are not on ``scale`` are left out.  Two inspectors' figure pools the cases
    either of them first-marked and the other moderated, each as (first, second).
    """
    on_scale = [p for p in pairs if p.first in scale and p.second in scale]
    if not on_scale:
        return []
    per_pair: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for p in on_scale:
        names = tuple(sorted((p.first_rater, p.second_rater)))
        per_pair[(names[0], names[1])].append((p.first, p.second))
    team = pair_agreement([(p.first, p.second) for p in on_scale], scale, ("team", ""))
    return [team] + [pair_agreement(g, scale, raters) for raters, g in sorted(per_pair.items())]


def agreement_by_area(
    cases: Iterable[tuple[Mapping[str, str], Mapping[str, str]]],
    areas: Sequence[tuple[str, str]],
    scale: Sequence[str],
) -> list[AreaAgreement]:
    """Each area's agreement over (first review's area grades, moderator's area grades) of each case.

    A case counts for an area when both marks gave it a grade on ``scale``; otherwise (not applicable,
    or left ungraded by either) it is skipped, and counted as such.
    """
    marked = list(cases)
    out = []
    for slug, title in areas:
        pairs = [
            (first[slug], second[slug])
            for first, second in marked
            if first.get(slug) in scale and second.get(slug) in scale
        ]
        out.append(
            AreaAgreement(
                slug,
                title,
                pair_agreement(pairs, scale, ("team", "")),
                skipped=len(marked) - len(pairs),
            )
        )
    return out


def few_pairs_phrase(pairs: int) -> Phrase | None:
    """The words a figure from fewer than ``FEW_PAIRS`` pairs carries (None from that many up), as a Phrase:
    a page translates it where it shows it (``few_pairs_warning`` writes it in a document's language)."""
    if pairs == 0 or pairs >= FEW_PAIRS:
        return None
    return ngettext_lazy(
        "Only %(pairs)s case was marked twice: agreement figures from fewer than %(few)s pairs are very "
        "uncertain (see their intervals) and say little about how consistently the team grades.",
        "Only %(pairs)s cases were marked twice: agreement figures from fewer than %(few)s pairs are very "
        "uncertain (see their intervals) and say little about how consistently the team grades.",
        pairs,
        pairs=pairs,
        few=FEW_PAIRS,
    )


def few_pairs_warning(pairs: int) -> str | None:
    """``few_pairs_phrase`` in the language the document is being written in (English unless ``speaking``)."""
    words = few_pairs_phrase(pairs)
    return None if words is None else say(words)
