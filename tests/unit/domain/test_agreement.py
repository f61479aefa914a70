"""Agreement statistics against published worked examples."""

from __future__ import annotations

import pytest

from casereview.domain.agreement import Mark, agreement_by_pair, fleiss, pair_agreement

YES_NO = ["yes", "no"]


def test_cohens_kappa_matches_the_textbook_example() -> None:
    # Cohen's kappa worked example (Wikipedia, "Cohen's kappa"): 50 proposals,
    # both yes 20, A yes/B no 5, A no/B yes 10, both no 15 -> p_o = 0.7, p_e = 0.5, kappa = 0.4.
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    result = pair_agreement(pairs, YES_NO, ("A", "B"))
    assert result.agreement == pytest.approx(0.7)
    assert result.kappa == pytest.approx(0.4)


def test_linear_weights_credit_near_misses_on_an_ordinal_scale() -> None:
    scale = ["good", "requires_improvement", "inadequate"]
    near = (
        [("good", "requires_improvement")] * 2
        + [("good", "good")] * 4
        + [("inadequate", "inadequate")] * 4
    )
    far = [("good", "inadequate")] * 2 + [("good", "good")] * 4 + [("inadequate", "inadequate")] * 4
    a, b = pair_agreement(near, scale, ("x", "y")), pair_agreement(far, scale, ("x", "y"))
    assert a.agreement == b.agreement == pytest.approx(0.8)
    assert a.weighted_kappa is not None and b.weighted_kappa is not None
    assert a.weighted_kappa > b.weighted_kappa


def test_fleiss_kappa_matches_the_textbook_example() -> None:
    # Fleiss' kappa worked example (Wikipedia, "Fleiss' kappa"): 10 subjects, 14 raters, 5 categories -> 0.210.
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    scale = ["1", "2", "3", "4", "5"]
    marks = []
    for subject, row in enumerate(table):
        rater = 0
        for category, count in enumerate(row):
            for _ in range(count):
                marks.append(Mark(str(subject), f"r{rater}", scale[category]))
                rater += 1
    cases, kappa = fleiss(marks, scale, minimum=14)
    assert cases == 10 and kappa == pytest.approx(0.210, abs=0.001)


def test_pairs_and_the_team_are_reported_and_undefined_kappa_is_none() -> None:
    marks = [
        Mark("c1", "al", "good"),
        Mark("c1", "bea", "good"),
        Mark("c2", "al", "good"),
        Mark("c2", "cy", "good"),
    ]
    results = agreement_by_pair(marks, ["good", "requires_improvement", "inadequate"])
    assert [r.raters for r in results] == [("team", ""), ("al", "bea"), ("al", "cy")]
    assert results[0].cases == 2 and results[0].agreement == 1.0
    assert results[0].kappa is None  # every mark the same grade: kappa is undefined, not 1
