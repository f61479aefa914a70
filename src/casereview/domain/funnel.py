"""The funnel plot of a national trend: every body's latest point against its sample size, with control limits.

**Funnel plot.**  Every body's latest point against its sample size (graded cases; for a design-weighted
point its effective sample size), with control limits around the centre, the pooled share of the latest
points (their cases requiring improvement or inadequate over their cases graded): exact binomial limits
at 95% and 99.8% for each n, interpolated between whole counts as Spiegelhalter (2005, *Funnel plots for
comparing institutional performance*, Statistics in Medicine 24:1185) describes.  The centre is taken
over the points as plotted: Σ n·p / Σ n with n each point's x (so a design-weighted point counts at its
weighted share and its effective n); for plain points alone it is their pooled share.

A point's sample size (``_effective_n``) is also the one ``trends`` tests a point's change with.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from .language import gettext_lazy, gettext_noop, say, say_word

#: The plot's rules, English here (marked for the catalogue); a trend says them in its language (``say_word``).
FUNNEL_CENTRE = gettext_noop(
    "the mean of the plotted points' shares weighted by their n (Σ n·p / Σ n, n as on the x axis: cases "
    "graded, or a design-weighted point's effective sample size); for plain shares alone, their pooled "
    "share"
)
FUNNEL_LIMITS = gettext_noop(
    "exact binomial limits around the centre for each sample size n, interpolated between whole counts "
    "(Spiegelhalter 2005), at 95% (2.5% and 97.5%) and 99.8% (0.1% and 99.9%)"
)
FUNNEL_N = gettext_noop(
    "cases graded; for a design-weighted point its effective sample size (Korn–Graubard, at most the "
    "cases graded; its cases graded for a census of every stratum)"
)
#: Two-sided limits: (name, lower tail, upper tail).
FUNNEL_LEVELS = (("95", 0.025, 0.975), ("99_8", 0.001, 0.999))
FUNNEL_GRID = 40


def _effective_n(point: Mapping[str, Any]) -> float:
    """A point's sample size for a test or the funnel: its effective n when design-weighted and finite,
    else its cases graded (a census of every stratum, whose effective n is infinite, has no more)."""
    n = point.get("effective_n") if point.get("design_weighted") else None
    if isinstance(n, int | float) and math.isfinite(n):
        return float(n)
    return float(point["reviews"])


def _binomial_limits(ns: Sequence[int], p0: float, tail: float) -> list[float]:
    """Spiegelhalter's exact binomial limit at each n: the ``tail`` quantile r of Bin(n, p0), interpolated
    between whole counts (r − α with α = (F(r) − tail) / (F(r) − F(r − 1))), over n; within [0, 1]."""
    import numpy as np
    from scipy.stats import binom  # deferred: see statistics' note

    if p0 <= 0 or p0 >= 1:
        return [float(p0)] * len(
            ns
        )  # every case (or none) of concern: no variation, the limits are it
    n = np.asarray(ns, dtype=float)
    r = binom.ppf(tail, n, p0)
    at = binom.cdf(r, n, p0)
    below = np.where(r > 0, binom.cdf(r - 1, n, p0), 0.0)
    step = at - below
    alpha = np.divide(at - tail, step, out=np.zeros_like(step), where=step > 0)
    return [float(v) for v in np.clip((r - alpha) / n, 0.0, 1.0)]


def _limits(ns: Sequence[int], centre: float) -> list[dict[str, float]]:
    """The 95% and 99.8% limits at each sample size of ``ns`` around ``centre``."""
    columns = {
        f"{side}_{level}": _binomial_limits(ns, centre, tail)
        for level, low, high in FUNNEL_LEVELS
        for side, tail in (("low", low), ("high", high))
    }
    return [{key: values[i] for key, values in columns.items()} for i in range(len(ns))]


def funnel_limits(n: int, centre: float) -> dict[str, float]:
    """The 95% and 99.8% limits at sample size ``n`` around ``centre``."""
    return _limits([n], centre)[0]


def _grid(smallest: int, largest: int) -> list[int]:
    """About ``FUNNEL_GRID`` sample sizes from ``smallest`` to ``largest``, evenly on a log scale."""
    if largest <= smallest:
        return [smallest]
    ratio = largest / smallest
    return sorted(
        {round(smallest * ratio ** (i / (FUNNEL_GRID - 1))) for i in range(FUNNEL_GRID)}
        | {smallest, largest}
    )


def _where(share: float, limits: Mapping[str, float]) -> str:
    """Where a point lies against its limits, in the document's language."""
    for level in ("99_8", "95"):
        if share > limits[f"high_{level}"]:
            return say(gettext_lazy("above the %(level)s%% limit", level=level.replace("_", ".")))
        if share < limits[f"low_{level}"]:
            return say(gettext_lazy("below the %(level)s%% limit", level=level.replace("_", ".")))
    return say(gettext_lazy("within the %(level)s%% limits", level="95"))


def funnel(bodies: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Every body's latest point against its n, with control limits around Σ n·p / Σ n over those points.

    ``bodies``: the trend's bodies; a body whose latest point has no share (or n below 1) is left out.  The
    centre is over the points as plotted (n the rounded n on the x axis, p the share on the y axis)."""
    latest = []
    for b in bodies:
        if not b["series"]:
            continue
        p = b["series"][-1]
        if p.get("share") is None or not isinstance(p.get("count"), int):
            continue
        if not isinstance(p.get("reviews"), int):
            continue
        n = _effective_n(p)
        if n < 1:
            continue
        latest.append((b["body"], p, max(1, round(n))))
    weight = sum(n for _, _, n in latest)
    document: dict[str, Any] = {
        "centre": None,
        "centre_rule": say_word(FUNNEL_CENTRE),
        "limits_method": say_word(FUNNEL_LIMITS),
        "n_rule": say_word(FUNNEL_N),
        "points": [],
        "limits": [],
    }
    if not latest or weight <= 0:
        return document
    centre = sum(n * float(p["share"]) for _, p, n in latest) / weight
    document["centre"] = centre
    for (body, p, n), limits in zip(
        latest, _limits([n for _, _, n in latest], centre), strict=True
    ):
        document["points"].append(
            {
                "body": body,
                "inspection": p["inspection"],
                "period_end": p["period_end"],
                "n": n,
                "share": p["share"],
                "design_weighted": bool(p.get("design_weighted")),
                **limits,
                "position": _where(float(p["share"]), limits),
            }
        )
    sizes = [n for _, _, n in latest]
    grid = _grid(max(1, min(sizes) // 2), -(-max(sizes) * 11 // 10))  # up to 1.1 times the largest
    document["limits"] = [
        {"n": n, **limits} for n, limits in zip(grid, _limits(grid, centre), strict=True)
    ]
    return document


def funnel_rows(document: Mapping[str, Any] | None) -> list[tuple[Any, ...]]:
    """The funnel plot as rows: its centre and rules, each body's point, then the limits at each n."""
    if not document:
        return []
    rows: list[tuple[Any, ...]] = [
        ("funnel", "", "centre", document["centre"]),
        ("funnel", "", "centre_rule", document["centre_rule"]),
        ("funnel", "", "limits_method", document["limits_method"]),
        ("funnel", "", "n_rule", document["n_rule"]),
    ]
    for p in document["points"]:
        rows += [
            (f"funnel {p['body']}", p["period_end"], key, p[key])
            for key in ("n", "share", "low_95", "high_95", "low_99_8", "high_99_8", "position")
        ]
    for limit in document["limits"]:
        rows += [
            ("funnel limits", f"n = {limit['n']}", key, limit[key])
            for key in ("low_95", "high_95", "low_99_8", "high_99_8")
        ]
    return rows
