"""Calibration tests: the paired difference of shares and the tests of a body-by-inspectorate table.

The rules held here, with (body grade, inspectorate grade) pairs on the framework's ordinal scale:

- the **bias** (``shift``) at every cut of the scale (the favourable side against the rest), the
  headline being the cut at ``favourable``: with ``a`` cases both called favourable, ``b`` the body
  only, ``c`` the inspectorate only, ``d`` neither (n = a + b + c + d), the body's share p₁ = (a + b)/n, the
  inspectorate's p₂ = (a + c)/n and their paired difference Δ = p₁ − p₂ = (b − c)/n, with **Newcombe's
  (1998) method 10** 95% interval (hybrid score, paired): (l₁, u₁) and (l₂, u₂) the Wilson score
  intervals of p₁ and p₂, φ̂ = C / √((a+b)(c+d)(a+c)(b+d)) with C = max(ad − bc − n/2, 0) when
  ad > bc and C = ad − bc otherwise (φ̂ = 0 when a margin is empty),
  δ = √((p₁ − l₁)² − 2φ̂(p₁ − l₁)(u₂ − p₂) + (u₂ − p₂)²),
  ε = √((u₁ − p₁)² − 2φ̂(u₁ − p₁)(p₂ − l₂) + (p₂ − l₂)²), interval (Δ − δ, Δ + ε);
- **marginal homogeneity**: the Stuart–Maxwell test, χ² = dᵀS⁻¹d with d the row margins less the column
  margins and S their covariance (S_ii = n_i+ + n_+i − 2n_ii, S_ij = −(n_ij + n_ji)) over k − 1
  categories, k − 1 degrees of freedom.  A category with no discordant pair (every case the body gave it
  the inspectorate gave it too, and the reverse) adds nothing and would make S singular: it is left out
  and named; when the rest fall into groups with no discordant pair between them, the statistic is the
  sum over the groups, on Σ(size − 1) degrees of freedom; with no discordant pair at all χ² = 0, p = 1;
- **Bowker's test of symmetry**: Σ_{i<j} (n_ij − n_ji)² / (n_ij + n_ji) over the pairs of categories
  with a discordant case, on k'(k' − 1)/2 degrees of freedom with k' the categories with any case (the
  convention of SAS and statsmodels: a pair with no discordant case counts in the degrees of freedom);
- **McNemar's test** on the favourable cut: exact (two-sided binomial, p = min(1, 2·P[X ≤ min(b, c)]),
  X ~ Bin(b + c, ½)) when b + c < ``MCNEMAR_EXACT_BELOW`` (25), otherwise χ² = (|b − c| − 1)²/(b + c) on
  1 degree of freedom (continuity corrected).

``favourable_side`` is ``favourable`` and every better grade; a grade not on the scale, or the worst,
is refused with ``CalibrationError``.

Imports of scipy and statsmodels are deferred to the functions that use them (see ``domain.agreement``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from . import statistics
from .calibration_results import (
    ALPHA,
    BOWKER,
    MCNEMAR_CHI2,
    MCNEMAR_EXACT,
    STUART_MAXWELL,
    CalibrationError,
    Shift,
    SignificanceTest,
)
from .language import Phrase, gettext_lazy, ngettext_lazy
from .words import plain

#: Below this many discordant pairs McNemar's test is exact (binomial), from it up chi-square.
MCNEMAR_EXACT_BELOW = 25


def newcombe_paired(
    a: int, b: int, c: int, d: int, *, alpha: float = ALPHA
) -> tuple[float, tuple[float, float]]:
    """(p₁ − p₂, its 1 − ``alpha`` interval) by Newcombe's (1998) method 10, p₁ = (a + b)/n,
    p₂ = (a + c)/n.

    a: both favourable, b: first only, c: second only, d: neither.  See the module's note.
    """
    n = a + b + c + d
    if n <= 0:
        raise ValueError("a difference of shares needs at least one pair")
    p1, p2 = (a + b) / n, (a + c) / n
    s1 = statistics.wilson(a + b, n, alpha=alpha)
    s2 = statistics.wilson(a + c, n, alpha=alpha)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    if margins == 0:
        phi = 0.0
    else:
        cross = a * d - b * c
        numerator = max(cross - n / 2, 0.0) if cross > 0 else float(cross)
        phi = numerator / math.sqrt(margins)
    diff = p1 - p2
    low_1, up_1 = p1 - s1.low, s1.high - p1
    low_2, up_2 = p2 - s2.low, s2.high - p2
    delta = math.sqrt(max(0.0, low_1**2 - 2 * phi * low_1 * up_2 + up_2**2))
    epsilon = math.sqrt(max(0.0, up_1**2 - 2 * phi * up_1 * low_2 + low_2**2))
    return diff, (max(-1.0, diff - delta), min(1.0, diff + epsilon))


def _components(adjacent: np.ndarray) -> list[list[int]]:
    """The groups of categories linked by discordant pairs (connected components), each in order."""
    k = adjacent.shape[0]
    seen: set[int] = set()
    groups = []
    for start in range(k):
        if start in seen:
            continue
        group, todo = [], [start]
        seen.add(start)
        while todo:
            i = todo.pop()
            group.append(i)
            for j in range(k):
                if adjacent[i, j] > 0 and j not in seen:
                    seen.add(j)
                    todo.append(j)
        groups.append(sorted(group))
    return groups


def _named(dropped: Sequence[str], words: Mapping[str, str] | None) -> str:
    """The grades left out as a note names them: ``words`` of each (the framework's, in the page's
    language), else their codes (as the stored English has always named them)."""
    return ", ".join((words or {}).get(g, g) for g in dropped)


def stuart_maxwell(
    table: np.ndarray,
    scale: Sequence[str] | None = None,
    *,
    words: Mapping[str, str] | None = None,
) -> SignificanceTest:
    """The Stuart–Maxwell test of marginal homogeneity of a k × k table (see the module's note);
    ``words``: the grades as its note names them (default their codes)."""
    from scipy import stats  # deferred: see the module's note

    t = np.asarray(table, dtype=float)
    k = t.shape[0]
    names = list(scale) if scale is not None else [str(i) for i in range(k)]
    discordant = t + t.T
    np.fill_diagonal(discordant, 0.0)
    keep = [i for i in range(k) if discordant[i].sum() > 0]
    dropped = tuple(names[i] for i in range(k) if i not in keep)
    if len(keep) < 2:
        return SignificanceTest(
            STUART_MAXWELL,
            0.0,
            0,
            1.0,
            gettext_lazy("no case was graded differently by the two"),
            dropped,
        )
    d = t.sum(axis=1) - t.sum(axis=0)
    s = np.diag(discordant.sum(axis=1)) - discordant
    sub = discordant[np.ix_(keep, keep)]
    statistic, df = 0.0, 0
    groups = _components(sub)
    for group in groups:
        idx = [keep[i] for i in group][:-1]  # leave one category out: k − 1 of the group
        if not idx:
            continue
        dv = d[idx]
        statistic += float(dv @ np.linalg.solve(s[np.ix_(idx, idx)], dv))
        df += len(idx)
    notes: list[Phrase] = []
    if dropped:
        notes.append(
            gettext_lazy(
                "left out, with no case graded differently: %(grades)s (they add nothing to the test "
                "and would make its covariance singular)",
                grades=_named(dropped, words),
            )
        )
    if len(groups) > 1:
        notes.append(
            ngettext_lazy(
                "the other grades fall into %(shown)s group with no case graded across them: the "
                "statistic is the sum over the groups",
                "the other grades fall into %(shown)s groups with no case graded across them: the "
                "statistic is the sum over the groups",
                len(groups),
                shown=len(groups),
            )
        )
    p = float(stats.chi2.sf(statistic, df))
    return SignificanceTest(STUART_MAXWELL, statistic, df, p, both(notes), dropped)


def both(notes: Sequence[Phrase | str | None]) -> Phrase | str | None:
    """Notes one after another, each ended by "; " (None for none): one Phrase, translated where shown."""
    said = [n for n in notes if n]
    if not said:
        return None
    joined = said[0]
    for more in said[1:]:
        joined = gettext_lazy("%(first)s; %(then)s", first=joined, then=more)
    return joined


def bowker(
    table: np.ndarray,
    scale: Sequence[str] | None = None,
    *,
    words: Mapping[str, str] | None = None,
) -> SignificanceTest:
    """Bowker's test of symmetry over the categories with any case (see the module's note); ``words``:
    the grades as its note names them (default their codes)."""
    from scipy import stats  # deferred: see the module's note

    t = np.asarray(table, dtype=float)
    k = t.shape[0]
    names = list(scale) if scale is not None else [str(i) for i in range(k)]
    used = [i for i in range(k) if t[i].sum() + t[:, i].sum() > 0]
    dropped = tuple(names[i] for i in range(k) if i not in used)
    note = (
        gettext_lazy("left out, with no case: %(grades)s", grades=_named(dropped, words))
        if dropped
        else None
    )
    if len(used) < 2:
        return SignificanceTest(BOWKER, 0.0, 0, 1.0, note, dropped)
    statistic = 0.0
    for x, i in enumerate(used):
        for j in used[x + 1 :]:
            total = t[i, j] + t[j, i]
            if total > 0:
                statistic += float((t[i, j] - t[j, i]) ** 2 / total)
    df = len(used) * (len(used) - 1) // 2
    return SignificanceTest(
        BOWKER, statistic, df, float(stats.chi2.sf(statistic, df)), note, dropped
    )


def mcnemar(b: int, c: int) -> SignificanceTest:
    """McNemar's test on the discordant counts b and c: exact below 25, else chi-square corrected."""
    from scipy import stats  # deferred: see the module's note

    m = b + c
    if m < MCNEMAR_EXACT_BELOW:
        p = 1.0 if m == 0 else min(1.0, 2 * float(stats.binom.cdf(min(b, c), m, 0.5)))
        return SignificanceTest(MCNEMAR_EXACT, float(min(b, c)), None, p)
    statistic = (abs(b - c) - 1) ** 2 / m
    return SignificanceTest(MCNEMAR_CHI2, statistic, 1, float(stats.chi2.sf(statistic, 1)))


def favourable_side(scale: Sequence[str], favourable: str) -> tuple[str, ...]:
    """``favourable`` and every better grade on ``scale`` (best first)."""
    if favourable not in scale:
        raise CalibrationError(
            f"“{plain(favourable)}” is not one of the framework's grades "
            f"({', '.join(plain(g) for g in scale)}): choose one of them as the worst grade counted "
            "favourable"
        )
    side = tuple(scale[: list(scale).index(favourable) + 1])
    if len(side) == len(scale):
        raise CalibrationError(
            f"“{plain(favourable)}” is the worst grade, so every case would count as favourable: choose "
            "a better grade as the worst one counted favourable"
        )
    return side


def shift(pairs: Sequence[tuple[str, str]], grades: Sequence[str], cut: str) -> Shift | None:
    """The bias at one cut: the body's favourable share less the inspectorate's, with its interval."""
    n = len(pairs)
    if n == 0:
        return None
    good = set(grades)
    a = sum(x in good and y in good for x, y in pairs)
    b = sum(x in good and y not in good for x, y in pairs)
    c = sum(x not in good and y in good for x, y in pairs)
    d = n - a - b - c
    diff, ci = newcombe_paired(a, b, c, d)
    se = math.sqrt(max(0.0, (b + c) - (b - c) ** 2 / n)) / n
    return Shift(cut, tuple(grades), n, a, b, c, d, (a + b) / n, (a + c) / n, diff, ci, se)
