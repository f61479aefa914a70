"""Published baselines: the counts a body's earlier, published inspection gave, checked before they are kept.

A baseline gives the total of cases graded and how many were requires improvement or inadequate; it may give
the three grades' counts too, all of them or none, and then they must agree with the total.
"""

from __future__ import annotations


def baseline_counts_problem(
    *,
    total: int,
    ri_or_inadequate: int,
    good: int | None = None,
    requires_improvement: int | None = None,
    inadequate: int | None = None,
) -> str | None:
    """Why these counts cannot be a baseline, in words for the person who typed them; None when they can."""
    if total < 1 or not 0 <= ri_or_inadequate <= total:
        return "The counts must satisfy 0 ≤ requires improvement or inadequate ≤ total, total ≥ 1"
    parts = (good, requires_improvement, inadequate)
    if all(p is None for p in parts):
        return None
    if good is None or requires_improvement is None or inadequate is None:
        return "Give all of --good, --requires-improvement and --inadequate, or none"
    if min(good, requires_improvement, inadequate) < 0:
        return "Give all of --good, --requires-improvement and --inadequate, or none"
    if good + requires_improvement + inadequate != total:
        return "Good, requires improvement and inadequate must add up to the total"
    if requires_improvement + inadequate != ri_or_inadequate:
        return "Requires improvement plus inadequate must equal --ri-or-inadequate"
    return None
