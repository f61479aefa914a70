"""Comparing a share now with a share then: the test that applies, its p value and its direction.

Counts are compared with the exact or z test of ``domain.statistics.compare``; where either side is a
design-weighted estimate (a sample drawn out of proportion) the two are compared by a Wald test on the
difference of the shares, with each side's own standard error.  A comparison made here is decided on its
own p value; a report puts it in a family and adjusts it (``domain.multiplicity``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .report_model import Comparison, Interval
from .statistics import binomial_se, compare, wald_difference, wilson


def interval_of(count: int, total: int) -> Interval:
    """``count`` of ``total`` with its share and interval; the share and interval are None for no cases."""
    if total <= 0:
        return Interval(count, total, None, None, None)
    s = wilson(count, total)
    return Interval(count, total, s.share, s.low, s.high)


def interval(count: int, total: int) -> dict[str, Any]:
    """``{"count", "total", "share", "ci_low", "ci_high"}``; the share and interval are None for no cases."""
    return interval_of(count, total).to_json()


def comparison_of(
    against: str,
    kind: str,
    period_end: str,
    then: tuple[int, int],
    now: tuple[int, int],
    *,
    estimate_then: tuple[float, float, float] | None = None,
    estimate_now: tuple[float, float, float] | None = None,
) -> Comparison | None:
    """A share now against a share then: the test, its p value and the direction (None without cases).

    Where either side is a design-weighted estimate ((share, standard error, effective sample size) of a
    disproportionate sample), the two are compared by a Wald test on the difference; otherwise by the exact or z test.
    """
    (count_then, total_then), (count_now, total_now) = then, now
    if total_then <= 0 or total_now <= 0:
        return None
    share_then, share_now = count_then / total_then, count_now / total_now
    if estimate_then is None and estimate_now is None:
        result = compare(count_now, total_now, count_then, total_then)
    else:
        share_then, se_then, n_then = estimate_then or (
            share_then,
            binomial_se(count_then, total_then),
            float(total_then),
        )
        share_now, se_now, n_now = estimate_now or (
            share_now,
            binomial_se(count_now, total_now),
            float(total_now),
        )
        result = wald_difference(
            share_now, se_now, share_then, se_then, now_n=n_now, before_n=n_then
        )
    return Comparison(
        against=against,
        kind=kind,
        period_end=period_end,
        count_then=count_then,
        total_then=total_then,
        share_then=share_then,
        count_now=count_now,
        total_now=total_now,
        share_now=share_now,
        test=result.test,
        p_value=result.p_value,
        direction=result.direction,
        wording=result.wording,
    )


def comparison(
    against: str, kind: str, period_end: str, then: tuple[int, int], now: tuple[int, int]
) -> dict[str, Any] | None:
    """``comparison_of`` as its JSON object (None without cases)."""
    found = comparison_of(against, kind, period_end, then, now)
    return None if found is None else found.to_json()


def present(items: Iterable[Comparison | None]) -> tuple[Comparison, ...]:
    return tuple(c for c in items if c is not None)
