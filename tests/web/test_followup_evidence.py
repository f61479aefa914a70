"""The new sample's evidence for judging recommendations (web.followup.evidence): counted as the report counts.

An inspection is graded through the real services (first reviews with varied area grades, "not applicable"
where the framework allows it, weaknesses in one or two areas; one review left a draft; a moderation that
disagrees, resolved by the lead): the counts must be those worked out here from the answers given, and those
the inspection's report states; two queries (three with the sample's design), at two sizes of sample.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casereview.domain.followup_evidence import (
    AREA,
    PARTLY_MET,
    UNREADABLE_BASIS,
    WEAKNESS,
    evidence_for_all,
)
from casereview.domain.grading import ReviewAnswers
from casereview.importing.frameworks import load_framework
from casereview.web.followup.evidence import recommendation_evidence, sample_counts
from casereview.web.registers.models import Body
from casereview.web.reports.selectors import inspection_report
from casereview.web.reviews.services import resolution_record, review_save, review_start

from . import factories

pytestmark = pytest.mark.django_db

FRAMEWORK = load_framework("child-protection/1")
AREAS = [a.slug for a in FRAMEWORK.areas]
MAY_BE_NOT_APPLICABLE = {a.slug for a in FRAMEWORK.areas if a.may_be_not_applicable}
SCALE = ["good", "requires_improvement", "inadequate"]
CONCERN = {"requires_improvement", "inadequate"}


def answers_for(i: int) -> ReviewAnswers:
    """Case i's answers: grades varied by case and area, some areas not applicable; W04 on every second
    case (on every fourth in two areas: still one case), W07 on every third."""
    grades = {
        slug: "not_applicable"
        if slug in MAY_BE_NOT_APPLICABLE and (i + j) % 4 == 0
        else SCALE[(i + 2 * j) % 3]
        for j, slug in enumerate(AREAS)
    }
    weaknesses: dict[str, list[str]] = {}
    if i % 2 == 0:
        weaknesses.setdefault(AREAS[0], []).append("W04")
    if i % 4 == 0:
        weaknesses.setdefault(AREAS[1], []).append("W04")
    if i % 3 == 0:
        weaknesses.setdefault(AREAS[3], []).append("W07")
    return ReviewAnswers(
        area_grades=grades,
        area_weaknesses=weaknesses,
        overall=SCALE[i % 3],
        departure_reason="Synthetic grades for a test",
        send_back=False,
    )


def graded(assignment: Any, answers: ReviewAnswers, *, submit: bool = True) -> Any:
    review = review_start(assignment=assignment)
    return review_save(
        review=review,
        answers=answers,
        base_version=review.version,
        submit=submit,
        actor=assignment.inspector,
    )


def graded_world(directory: Path, size: int, prefix: str = "") -> dict[str, Any]:
    """An inspection of ``size`` cases: all but the last graded by ina (the last a draft); the first case
    graded inadequate is moderated by ben, who disagrees, and the lead resolves it."""
    world = factories.inspection_world(directory, rows=60, size=size, prefix=prefix)
    for i, assignment in enumerate(world["assignments"]):
        graded(assignment, answers_for(i), submit=i < size - 1)
    (second, *_) = factories.moderated(world["inspection"], [world["ben"]], share=0.0)
    graded(
        second,
        ReviewAnswers(
            area_grades=dict.fromkeys(AREAS, "good"),
            area_weaknesses={AREAS[0]: ["W11"]},
            overall="good",
            departure_reason="",
            send_back=False,
        ),
    )
    resolution_record(
        sampled_case=second.sampled_case,
        final_overall="requires_improvement",
        rationale="Moderated",
        actor=world["lead"],
    )
    return world


def expected_counts(size: int) -> dict[tuple[str, str], tuple[int, int]]:
    """Worked out from the answers given: cases 0 … size − 2 are graded (the last is a draft)."""
    answers = [answers_for(i) for i in range(size - 1)]
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for code in FRAMEWORK.weakness_codes:
        showing = sum(any(code in ws for ws in a.area_weaknesses.values()) for a in answers)
        out[(WEAKNESS, code)] = (showing, len(answers))
    for slug in AREAS:
        given = [a.area_grades[slug] for a in answers if a.area_grades[slug] != "not_applicable"]
        out[(AREA, slug)] = (sum(g in CONCERN for g in given), len(given))
    return out


def test_the_counts_are_the_answers_given_and_what_the_report_says(
    body: Body, tmp_path: Path
) -> None:
    world = graded_world(tmp_path, 10)
    counts = sample_counts(world["inspection"])
    expected = expected_counts(10)
    assert counts == expected
    assert counts[(WEAKNESS, "W04")] == (5, 9) and counts[(WEAKNESS, "W07")] == (3, 9)
    assert counts[(WEAKNESS, "W11")] == (0, 9)  # the moderation's weakness is not the case's
    assert any(total < 9 for (kind, _), (_, total) in counts.items() if kind == AREA)
    yesterday = timezone.localdate() - dt.timedelta(
        days=1
    )  # as things stood then: nothing graded yet
    assert set(sample_counts(world["inspection"], as_of=yesterday).values()) == {(0, 0)}

    report = inspection_report(world["inspection"]).to_json()
    assert report["reviews"] == 9
    for row in report["weaknesses"]:
        assert counts[(WEAKNESS, row["code"])] == (row["count"], row["total"])
    concern = set(report["reproducibility"]["parameters"]["concern_grades"])
    assert concern == CONCERN
    for row in report["areas"]:
        grades = row["grades"]
        stated = (sum(n for g, n in grades.items() if g in concern), sum(grades.values()))
        assert counts[(AREA, row["area"])] == stated
        assert stated[1] + row["not_applicable"] + row["not_graded"] == report["reviews"]


def test_nothing_graded_gives_no_case_anywhere(body: Body, tmp_path: Path) -> None:
    world = factories.inspection_world(tmp_path, rows=30, size=3)
    counts = sample_counts(world["inspection"])
    assert set(counts.values()) == {(0, 0)}
    evidence = recommendation_evidence(
        world["inspection"],
        [SimpleNamespace(id=7, finding=SimpleNamespace(basis=[_w("W04", 5, 10)]))],
    )
    assert evidence[7].proposal is None
    assert "the new sample has no graded case" in evidence[7].reason


@pytest.mark.parametrize("size", [4, 12])
def test_two_queries_at_any_size_and_one_more_for_the_design(
    body: Body, tmp_path: Path, size: int
) -> None:
    world = graded_world(tmp_path, size)
    recommendations = [
        SimpleNamespace(id=n, finding=SimpleNamespace(basis=[_w("W04", 40, 100)]))
        for n in range(size)
    ]
    with CaptureQueriesContext(connection) as queries:
        counts = sample_counts(world["inspection"])
    assert len(queries) == 2, [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as queries:
        evidence = recommendation_evidence(world["inspection"], recommendations)
    # The first reviews, the resolutions and the sample's design (for its weights).
    assert len(queries) == 3 and len(evidence) == size
    assert counts == expected_counts(size)


def _w(code: str, found: int, total: int) -> dict[str, Any]:
    return {"kind": "weakness", "code": code, "count": found, "total": total}


def test_recommendations_are_judged_as_one_family_from_their_findings_bases(
    body: Body, tmp_path: Path
) -> None:
    world = graded_world(tmp_path, 10)
    # W04: 96% then, 5 of 9 now; W07: a third then and now.
    earlier = [_w("W04", 130, 135), _w("W07", 45, 135)]
    finding = SimpleNamespace(basis=earlier)
    other = SimpleNamespace(
        basis=[{"kind": "area", "code": "initial_contact", "count": 3, "total": 4}]
    )
    broken = SimpleNamespace(basis="not a list")
    recommendations = [
        SimpleNamespace(id=1, finding=finding),
        SimpleNamespace(id=2, finding=finding),
        SimpleNamespace(id=3, finding=other),
        SimpleNamespace(id=4, finding=broken),
    ]
    found = recommendation_evidence(world["inspection"], recommendations)
    counts = expected_counts(10)
    direct = evidence_for_all(
        {1: earlier, 2: earlier, 3: other.basis},  # type: ignore[dict-item]
        counts,
        titles={(WEAKNESS, w.code): w.text for w in FRAMEWORK.weaknesses}
        | {(AREA, a.slug): a.title for a in FRAMEWORK.areas},
    )
    assert {k: found[k] for k in (1, 2, 3)} == direct
    assert found[1].family_tests == 3  # W04, W07 and the area: a shared finding is tested once
    w04, w07 = found[1].items
    assert (w04.count_now, w04.total_now) == counts[(WEAKNESS, "W04")]
    assert w04.direction == "better" and w07.direction == "no significant change"
    assert found[1].proposal == PARTLY_MET
    assert w04.words.startswith(f"{FRAMEWORK.weaknesses[3].text} (W04): 96.3% of 135 cases then")
    assert (
        found[3]
        .items[0]
        .words.startswith(
            "Initial contact, graded requires improvement or inadequate: 75.0% of 4 cases where it applied"
        )
    )
    assert found[4].proposal is None and found[4].items == ()
    assert recommendation_evidence(world["inspection"], []) == {}


def test_an_unreadable_basis_says_so(body: Body, tmp_path: Path) -> None:
    """Review item 20: not "the finding gives no weakness or area", which is a different thing."""
    world = graded_world(tmp_path, 4)
    found = recommendation_evidence(
        world["inspection"],
        [
            SimpleNamespace(id=1, finding=SimpleNamespace(basis={"W04": 3})),
            SimpleNamespace(id=2, finding=SimpleNamespace(basis=[])),
        ],
    )
    assert found[1].proposal is None and found[1].reason == UNREADABLE_BASIS
    assert "could not be read" in found[1].reason
    assert found[2].proposal is None and "gives no weakness or area" in found[2].reason


def test_a_disproportionate_sample_gives_the_report_s_design_weighted_shares(
    body: Body, tmp_path: Path
) -> None:
    """Review item 14: drawn with equal allocation over the categories, the shares now are the report's
    design-weighted ones (its weakness rows' ``design_weighted``), not the shares as sampled."""
    from casereview.domain.plans import Allocation

    world = factories.inspection_world(tmp_path, rows=60, size=14, allocation=Allocation.EQUAL)
    for i, assignment in enumerate(world["assignments"]):
        graded(assignment, answers_for(i))
    report = inspection_report(world["inspection"]).to_json()
    assert report["sample"]["proportional"] is False
    rows = {r["code"]: r for r in report["weaknesses"]}
    assert rows["W04"]["design_weighted"] is not None
    basis = [_w("W04", 40, 100), _w("W07", 30, 100), _w("W11", 20, 100)]
    found = recommendation_evidence(
        world["inspection"], [SimpleNamespace(id=1, finding=SimpleNamespace(basis=basis))]
    )
    w04, w07, w11 = found[1].items
    counts = sample_counts(world["inspection"])
    for e in (w04, w07):
        weighted = rows[e.code]["design_weighted"]
        assert e.design_weighted and e.share_now == pytest.approx(weighted["share"])
        assert e.standard_error_now == pytest.approx(weighted["standard_error"])
        assert (e.count_now, e.total_now) == counts[(WEAKNESS, e.code)]
        assert e.share_now_unweighted == pytest.approx(e.count_now / e.total_now)
        assert e.test is not None and e.test.startswith("Wald test")
        assert "design-weighted" in e.words
    # W11 was shown by no case: 0 of the graded cases, weighted or not.
    assert w11.design_weighted and w11.share_now == 0.0
    assert found[1].as_dict()["design_weighted"] is True
    # The weights matter here: the shares as sampled differ from the report's.
    assert any(abs(e.share_now - (e.share_now_unweighted or 0)) > 1e-6 for e in (w04, w07))  # type: ignore[operator]
