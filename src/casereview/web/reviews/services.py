"""Every write to assignments and reviews: one transaction, journaled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from casereview.domain.assignment import AssignmentError, CaseToAssign, balance
from casereview.domain.grading import ReviewAnswers, submission_problems
from casereview.domain.journal import Operation
from casereview.importing.frameworks import load_framework
from casereview.web.inspections.models import Inspection, Sample, SampledCase
from casereview.web.journal.services import journal_record
from casereview.web.registers.models import Case

from .models import Assignment, ConflictOfInterest, Review, ReviewConflict


class ReviewError(Exception):
    """Refused; the message says why."""


def conflict_declare(*, inspector: Any, body: Any, unit: str, actor: Any = None) -> ConflictOfInterest:
    with transaction.atomic():
        made, _ = ConflictOfInterest.objects.get_or_create(
            inspector=inspector, body=body, unit=unit.strip(), defaults={"declared_at": timezone.now()}
        )
        journal_record(
            actor=actor or inspector, operation=Operation.ADMINISTRATION, action="conflict_declare",
            object_type="user", object_id=inspector.get_username(), detail={"body": body.code, "unit": made.unit},
        )
    return made


def _conflicts(inspection: Inspection, inspectors: list[Any]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {i.get_username(): set() for i in inspectors}
    for username, unit in ConflictOfInterest.objects.filter(
        body=inspection.body, inspector__in=inspectors
    ).values_list("inspector__username", "unit"):
        out[username].add(unit)
    return out


def _active_cases(sample: Sample) -> list[SampledCase]:
    return list(SampledCase.objects.filter(sample=sample, state=SampledCase.State.ACTIVE).order_by("stratum", "rank"))


def _units(cases: list[SampledCase]) -> dict[int, str]:
    return dict(Case.objects.filter(pk__in=[c.case_id for c in cases]).values_list("id", "unit"))


def assignments_balance(*, inspection: Inspection, inspectors: list[Any], actor: Any = None) -> int:
    """Give every unassigned active sampled case a first reviewer; returns how many were assigned."""
    sample = Sample.objects.filter(inspection=inspection).first()
    if sample is None:
        raise ReviewError("Draw the sample first")
    with transaction.atomic():
        cases = [c for c in _active_cases(sample) if not Assignment.objects.filter(sampled_case=c, kind=Assignment.Kind.FIRST).exists()]
        units = _units(cases)
        by_name = {i.get_username(): i for i in inspectors}
        already = dict(
            Assignment.objects.filter(sampled_case__sample=sample, kind=Assignment.Kind.FIRST, inspector__in=inspectors)
            .values_list("inspector__username")
            .annotate(n=Count("id"))
            .values_list("inspector__username", "n")
        )
        try:
            plan = balance(
                [CaseToAssign(c.pk, units.get(c.case_id, "")) for c in cases],
                sorted(by_name),
                already=already,
                conflicts=_conflicts(inspection, inspectors),
            )
        except AssignmentError as exc:
            raise ReviewError(str(exc)) from exc
        now = timezone.now()
        Assignment.objects.bulk_create(
            [Assignment(sampled_case_id=key, inspector=by_name[name], kind=Assignment.Kind.FIRST, assigned_at=now)
             for key, name in plan.items()]
        )
        journal_record(
            actor=actor, operation=Operation.ALTERATION, action="assignments_balance",
            object_type="inspection", object_id=inspection.pk,
            detail={"assigned": len(plan), "inspectors": sorted(by_name)},
        )
    return len(plan)


def assignment_move(*, assignment: Assignment, to: Any, actor: Any = None) -> Assignment:
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().select_related("sampled_case__sample__inspection__body").get(pk=assignment.pk)
        review = Review.objects.filter(assignment=locked).first()
        if review is not None and review.state == Review.State.SUBMITTED:
            raise ReviewError("The review is submitted; reopen it before moving the case")
        inspection = locked.sampled_case.sample.inspection
        unit = Case.objects.filter(pk=locked.sampled_case.case_id).values_list("unit", flat=True).first() or ""
        if unit in _conflicts(inspection, [to])[to.get_username()]:
            raise ReviewError(f"{to.get_username()} declared a conflict of interest with {unit}")
        previous = locked.inspector.get_username()
        locked.inspector = to
        locked.save(update_fields=["inspector"])
        journal_record(
            actor=actor, operation=Operation.ALTERATION, action="assignment_move",
            object_type="assignment", object_id=locked.pk, detail={"from": previous, "to": to.get_username()},
        )
    return locked


def review_for(assignment: Assignment) -> Review:
    """The assignment's review, made as an empty draft on first opening (framework pinned)."""
    review = Review.objects.filter(assignment=assignment).first()
    if review is None:
        framework = assignment.sampled_case.sample.inspection.framework
        review, _ = Review.objects.get_or_create(
            assignment=assignment, defaults={"framework": framework, "updated_at": timezone.now()}
        )
    return review


@dataclass
class StaleVersion(Exception):
    """Someone saved first: both versions are kept, nothing was overwritten."""

    review: Review
    conflict: ReviewConflict


@dataclass
class Incomplete(Exception):
    """Submission refused: answers missing; the draft was saved."""

    problems: list[Any]
    review: Review


def review_save(
    *, review: Review, answers: ReviewAnswers, base_version: int, submit: bool, actor: Any
) -> Review:
    """Save a draft (or submit) against the version the page was opened at."""
    framework = load_framework(review.framework)
    stale = False
    with transaction.atomic():
        current = Review.objects.select_for_update().get(pk=review.pk)
        if current.state == Review.State.SUBMITTED:
            raise ReviewError("This review was submitted; ask the lead inspector to reopen it")
        if current.version != base_version:
            # Kept whole, in this transaction, then refused below: never applied, never lost.
            conflict = ReviewConflict.objects.create(
                review=current, attempted=answers.as_dict(), base_version=base_version,
                current_version=current.version, by=actor, at=timezone.now(),
            )
            journal_record(
                actor=actor, operation=Operation.ALTERATION, action="review_conflict",
                object_type="review", object_id=current.pk,
                detail={"base_version": base_version, "current_version": current.version},
            )
            stale = True
    if stale:
        raise StaleVersion(current, conflict)
    with transaction.atomic():
        current = Review.objects.select_for_update().get(pk=review.pk)
        if current.version != base_version or current.state == Review.State.SUBMITTED:
            return review_save(review=current, answers=answers, base_version=base_version, submit=submit, actor=actor)
        current.area_grades = answers.area_grades
        current.area_weaknesses = answers.area_weaknesses
        current.area_comments = answers.area_comments
        current.overall = answers.overall
        current.departure_reason = answers.departure_reason
        current.send_back = answers.send_back
        current.version += 1
        current.updated_at = timezone.now()
        problems = submission_problems(framework, answers) if submit else []
        if submit and not problems:
            current.state = Review.State.SUBMITTED
            current.submitted_at = current.updated_at
        current.save()
        journal_record(
            actor=actor, operation=Operation.ALTERATION,
            action="review_submit" if current.state == Review.State.SUBMITTED else "review_save",
            object_type="review", object_id=current.pk, detail={"version": current.version},
        )
    if problems:
        raise Incomplete(problems, current)
    return current


def review_reopen(*, review: Review, actor: Any) -> Review:
    with transaction.atomic():
        current = Review.objects.select_for_update().get(pk=review.pk)
        if current.state != Review.State.SUBMITTED:
            raise ReviewError("Only a submitted review can be reopened")
        current.state = Review.State.DRAFT
        current.submitted_at = None
        current.version += 1
        current.updated_at = timezone.now()
        current.save()
        journal_record(
            actor=actor, operation=Operation.ALTERATION, action="review_reopen",
            object_type="review", object_id=current.pk, detail={"version": current.version},
        )
    return current
