from __future__ import annotations

import pytest

from casereview.domain.baselines import baseline_counts_problem


def test_a_total_and_its_share_of_concern_are_a_baseline() -> None:
    assert baseline_counts_problem(total=135, ri_or_inadequate=125) is None
    assert (
        baseline_counts_problem(
            total=10, ri_or_inadequate=7, good=3, requires_improvement=4, inadequate=3
        )
        is None
    )


@pytest.mark.parametrize(
    ("counts", "words"),
    [
        ({"total": 0, "ri_or_inadequate": 0}, "total ≥ 1"),
        ({"total": 5, "ri_or_inadequate": 6}, "total ≥ 1"),
        ({"total": 5, "ri_or_inadequate": -1}, "total ≥ 1"),
        ({"total": 5, "ri_or_inadequate": 2, "good": 3}, "or none"),
        (
            {
                "total": 5,
                "ri_or_inadequate": 2,
                "good": -1,
                "requires_improvement": 4,
                "inadequate": 2,
            },
            "or none",
        ),
        (
            {
                "total": 5,
                "ri_or_inadequate": 2,
                "good": 1,
                "requires_improvement": 1,
                "inadequate": 1,
            },
            "add up to the total",
        ),
        (
            {
                "total": 5,
                "ri_or_inadequate": 2,
                "good": 1,
                "requires_improvement": 3,
                "inadequate": 1,
            },
            "must equal --ri-or-inadequate",
        ),
    ],
)
def test_counts_that_cannot_agree_are_refused_saying_why(
    counts: dict[str, int], words: str
) -> None:
    problem = baseline_counts_problem(**counts)
    assert problem is not None and words in problem
