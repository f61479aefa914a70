"""How consistently a team grades: agreement statistics on the ordinal overall grades.

Percentage agreement; Cohen's kappa, unweighted and linear-weighted (grades
are ordinal: Good < Requires improvement < Inadequate), per inspector pair and
for the team (all first/second mark pairs pooled); Fleiss' kappa where cases
have three or more marks.  The arithmetic is statsmodels'; this module only
shapes the tables.

Imports of statsmodels and scipy are deferred to the functions that use them: together they take about
1.4 s to import, which every `casereview` command would otherwise pay (the CLI imports its services at
start-up), while only reports and agreement figures need them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Mark:
    case: str
    rater: str
    grade: str


@dataclass(frozen=True)
class PairAgreement:
    raters: tuple[str, str]  # ("team", "") for the pooled figure
    cases: int
    agreement: float  # share of cases with the same grade
    kappa: float | None  # None when undefined (e.g. every mark the same grade)
    weighted_kappa: float | None


def _kappa(table: np.ndarray, weighted: bool) -> float | None:
    if table.sum() == 0:
        return None
    try:
        with np.errstate(invalid="raise", divide="raise"):
            from statsmodels.stats.inter_rater import (
                cohens_kappa,  # deferred: see the module's note
            )

            result = cohens_kappa(table, wt="linear" if weighted else None, return_results=False)
    except (ZeroDivisionError, FloatingPointError, ValueError):
        return None  # undefined, e.g. when every mark is the same grade
    value = float(result)
    return None if math.isnan(value) else value


def pair_agreement(
    pairs: Sequence[tuple[str, str]], scale: Sequence[str], raters: tuple[str, str]
) -> PairAgreement:
    """Agreement for (grade by first, grade by second) pairs on an ordinal ``scale``."""
    index = {g: i for i, g in enumerate(scale)}
    table = np.zeros((len(scale), len(scale)))
    for a, b in pairs:
        table[index[a], index[b]] += 1
    n = len(pairs)
    agree = float(np.trace(table) / n) if n else 0.0
    return PairAgreement(raters, n, agree, _kappa(table, False), _kappa(table, True))


def agreement_by_pair(marks: Iterable[Mark], scale: Sequence[str]) -> list[PairAgreement]:
    """Every pair of raters who marked the same cases, and the team pooled (first)."""
    by_case: dict[str, list[Mark]] = defaultdict(list)
    for mark in marks:
        by_case[mark.case].append(mark)
    per_pair: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    pooled: list[tuple[str, str]] = []
    for case_marks in by_case.values():
        ordered = sorted(case_marks, key=lambda m: m.rater)
        for i in range(len(ordered)):
            for j in range(i + 1, len(ordered)):
                a, b = ordered[i], ordered[j]
                per_pair[(a.rater, b.rater)].append((a.grade, b.grade))
                pooled.append((a.grade, b.grade))
    results = [pair_agreement(pooled, scale, ("team", ""))] if pooled else []
    results += [pair_agreement(p, scale, raters) for raters, p in sorted(per_pair.items())]
    return results


def fleiss(
    marks: Iterable[Mark], scale: Sequence[str], *, minimum: int = 3
) -> tuple[int, float | None]:
    """Fleiss' kappa over cases with at least ``minimum`` marks (using that many marks each)."""
    index = {g: i for i, g in enumerate(scale)}
    by_case: dict[str, list[int]] = defaultdict(list)
    for mark in marks:
        by_case[mark.case].append(index[mark.grade])
    rows = [grades[:minimum] for grades in by_case.values() if len(grades) >= minimum]
    if not rows:
        return 0, None
    # Deferred: see the module's note.
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    counts, _ = aggregate_raters(np.array(rows), n_cat=len(scale))
    try:
        with np.errstate(invalid="raise", divide="raise"):
            value = float(fleiss_kappa(counts, method="fleiss"))
    except (ZeroDivisionError, FloatingPointError):
        return len(rows), None
    return len(rows), None if math.isnan(value) else value
