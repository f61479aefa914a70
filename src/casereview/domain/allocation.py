"""How many cases each stratum gets: the allocation rules, versioned, ``allocation-rules/2`` (``allocate``).

A sample's manifest records the rules it was drawn with, and a manifest without them was drawn with
``allocation-rules/1``, which stays here only so that such manifests still verify.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .plans import Allocation, PlanError, SamplePlan

#: The allocation rules new draws use; a manifest records them under "allocation".
ALLOCATION = "allocation-rules/2"
#: The rules of manifests without an "allocation" key: kept to verify them, never to draw.
ALLOCATION_V1 = "allocation-rules/1"
ALLOCATIONS = (ALLOCATION_V1, ALLOCATION)
#: Neyman: expected shares are clipped to [NEYMAN_FLOOR, 1 - NEYMAN_FLOOR] (unless allow_zero).
NEYMAN_FLOOR = 0.05


# --- Allocation ---------------------------------------------------------------


def _largest_remainder(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Split ``total`` in proportion to weights: floors, then the largest remainders (ties by label)."""
    whole = sum(weights.values())
    if total <= 0 or whole <= 0:
        return dict.fromkeys(weights, 0)
    quotas = {k: total * w / whole for k, w in weights.items()}
    out = {k: math.floor(q) for k, q in quotas.items()}
    left = total - sum(out.values())
    for key in sorted(weights, key=lambda k: (-(quotas[k] - out[k]), k))[:left]:
        out[key] += 1
    return out


@dataclass(frozen=True)
class StratumAllocation:
    label: str
    frame_size: int
    wanted: int  # what the plan asks for
    allocated: int  # what the stratum can give: min(wanted, frame_size)

    @property
    def short(self) -> int:
        return self.wanted - self.allocated


def _fixed_wanted(labels: Sequence[str], plan: SamplePlan) -> dict[str, int]:
    unknown = sorted(set(plan.counts) - set(labels))
    if unknown:
        raise PlanError(
            "fixed.counts names strata not in the frame: " + ", ".join(repr(u) for u in unknown)
        )
    return {k: plan.counts.get(k, 0) for k in labels}


def _check_expected(labels: Sequence[str], plan: SamplePlan) -> None:
    unknown = sorted(set(plan.expected) - set(labels))
    if unknown:
        raise PlanError(
            "neyman.expected names strata not in the frame: " + ", ".join(repr(u) for u in unknown)
        )


def neyman_share(plan: SamplePlan, label: str) -> float:
    """The expected share Neyman allocation uses for a stratum: clipped to [0.05, 0.95] unless allow_zero."""
    share = plan.expected.get(label, 0.5)
    if plan.neyman_allow_zero:
        return share
    return min(1 - NEYMAN_FLOOR, max(NEYMAN_FLOOR, share))


def _bounded_quotas(
    total: int, weights: Mapping[str, float], low: Mapping[str, int], high: Mapping[str, int]
) -> dict[str, float]:
    """Real quotas adding up to ``total``: λ·w_h, raised to low_h or lowered to high_h where needed.

    λ is the one multiplier that makes them add up (unique where it matters: the sum is continuous and
    non-decreasing in λ).  The free strata (neither at low nor at high) share what the others leave in
    proportion to their weights, computed as (total − fixed)·w_h/Σw so that with no bound reached it is
    exactly total·w_h/Σw.  Needs Σlow ≤ total ≤ Σhigh.
    """
    labels = sorted(weights)
    live = [k for k in labels if weights[k] > 0]
    dead = [k for k in labels if weights[k] <= 0]
    ceiling = sum(high[k] for k in live) + sum(low[k] for k in dead)
    if total > ceiling:  # only zero weights are left to take the rest: by their frame sizes
        quotas = {k: float(high[k]) for k in live}
        rest = total - sum(high[k] for k in live)
        quotas.update(_bounded_quotas(rest, {k: float(high[k]) for k in dead}, low, high))
        return quotas

    def summed(lam: float) -> float:
        clipped = sum(min(high[k], max(low[k], lam * weights[k])) for k in live)
        return clipped + sum(low[k] for k in dead)

    points = sorted(
        {0.0, *(low[k] / weights[k] for k in live), *(high[k] / weights[k] for k in live)}
    )
    # The last point whose sum is at most total (the sum only grows with λ), found by bisection.
    first, last = 0, len(points) - 1
    while first < last:
        middle = (first + last + 1) // 2
        if summed(points[middle]) <= total:
            first = middle
        else:
            last = middle - 1
    below = points[first]
    above = points[first + 1] if first + 1 < len(points) else math.inf
    quotas = {k: float(low[k]) for k in dead}
    free: list[str] = []
    for k in live:
        if low[k] / weights[k] >= above:
            quotas[k] = float(low[k])
        elif high[k] / weights[k] <= below:
            quotas[k] = float(high[k])
        else:
            free.append(k)
    spare = total - sum(quotas.values())
    whole = sum(weights[k] for k in free)
    for k in free:
        quotas[k] = spare * weights[k] / whole if whole > 0 else 0.0
    return quotas


def _whole_numbers(
    total: int, quotas: Mapping[str, float], low: Mapping[str, int], high: Mapping[str, int]
) -> dict[str, int]:
    """Largest remainders: every quota's whole part, then one more case each, largest fraction first."""
    out = {k: min(high[k], max(low[k], math.floor(q))) for k, q in quotas.items()}
    left = total - sum(out.values())
    room = [k for k in quotas if out[k] < high[k]]
    for key in sorted(room, key=lambda k: (-(quotas[k] - out[k]), k))[: max(0, left)]:
        out[key] += 1
    return out


def allocate(
    frame_sizes: Mapping[str, int], plan: SamplePlan, *, version: str = ALLOCATION
) -> list[StratumAllocation]:
    """How many cases each stratum gets, by ``allocation-rules/2`` (docs/sampling.md).

    The rule's weights (``proportional``: N_h; ``equal``: 1; ``neyman``:
    N_h·√(p_h(1−p_h)), p_h clipped to [0.05, 0.95]) split ``size`` (at most the
    frame) in proportion, except that a stratum whose share falls below
    ``minimum_per_stratum`` gets the minimum, or all it has if fewer, and one
    whose share is more than it has gives all it has; the others share the rest
    in proportion to their weights, so strata above the minimum stay in
    proportion among themselves.  Neyman also gives every non-empty stratum at
    least one case unless ``[neyman] allow_zero``.  Whole numbers by largest
    remainders.  ``fixed`` takes the counts as given (a stratum short of them
    gives all it has).  Minimums adding up to more than ``size`` win.

    ``version="allocation-rules/1"`` is the earlier rule, kept only to verify
    manifests drawn with it.
    """
    if version == ALLOCATION_V1:
        return _allocate_v1(frame_sizes, plan)
    if version != ALLOCATION:
        raise PlanError(
            f"unknown allocation {version!r}; this casereview knows {', '.join(ALLOCATIONS)}"
        )
    labels = sorted(frame_sizes)
    if plan.allocation is Allocation.FIXED:
        wanted = _fixed_wanted(labels, plan)
        return [
            StratumAllocation(k, frame_sizes[k], wanted[k], min(wanted[k], frame_sizes[k]))
            for k in labels
        ]
    high = {k: max(0, frame_sizes[k]) for k in labels}
    low = {k: min(plan.minimum_per_stratum, high[k]) for k in labels}
    if plan.allocation is Allocation.PROPORTIONAL:
        weights = {k: float(high[k]) for k in labels}
    elif plan.allocation is Allocation.EQUAL:
        weights = {k: 1.0 if high[k] else 0.0 for k in labels}
    else:
        _check_expected(labels, plan)
        weights = {
            k: high[k] * math.sqrt(neyman_share(plan, k) * (1 - neyman_share(plan, k)))
            for k in labels
        }
        if not plan.neyman_allow_zero:
            low = {k: max(low[k], min(1, high[k])) for k in labels}
    total = max(min(plan.size, sum(high.values())), sum(low.values()))
    counts = _whole_numbers(total, _bounded_quotas(total, weights, low, high), low, high)
    return [StratumAllocation(k, frame_sizes[k], counts[k], counts[k]) for k in labels]


def _allocate_v1(frame_sizes: Mapping[str, int], plan: SamplePlan) -> list[StratumAllocation]:
    """``allocation-rules/1``, for verifying manifests drawn with it: never for a new draw.

    ``minimum_per_stratum`` is given first (never more than a stratum has);
    the rest of ``size`` is split by the allocation rule over every stratum.  A
    stratum with fewer cases than allocated gives all it has (``short`` says by
    how many); its shortfall is not moved to other strata.  Neyman uses the
    expected shares as given.
    """
    labels = sorted(frame_sizes)
    if plan.allocation is Allocation.FIXED:
        wanted = _fixed_wanted(labels, plan)
    else:
        base = {k: min(plan.minimum_per_stratum, frame_sizes[k]) for k in labels}
        rest = max(0, plan.size - sum(base.values()))
        if plan.allocation is Allocation.PROPORTIONAL:
            weights = {k: float(frame_sizes[k]) for k in labels}
        elif plan.allocation is Allocation.EQUAL:
            weights = dict.fromkeys(labels, 1.0)
        else:
            _check_expected(labels, plan)
            weights = {
                k: frame_sizes[k]
                * math.sqrt(plan.expected.get(k, 0.5) * (1 - plan.expected.get(k, 0.5)))
                for k in labels
            }
        extra = _largest_remainder(rest, weights)
        wanted = {k: base[k] + extra[k] for k in labels}
    return [
        StratumAllocation(k, frame_sizes[k], wanted[k], min(wanted[k], frame_sizes[k]))
        for k in labels
    ]
