"""Reads for review pages, scoped: an inspector sees the cases assigned to them; a lead, their inspection's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from casereview.domain.roles import Role
from casereview.web.accounts.services import user_roles
from casereview.web.registers.models import Case

from .models import Assignment, Review

#: The sample's manifest (tens of kilobytes of JSON) is never needed to show a case: left out of the row.
HEAVY = ("sampled_case__sample__manifest",)


def assignments_of(user: Any) -> QuerySet[Assignment]:
    if Role.INSPECTOR not in user_roles(user) and Role.LEAD_INSPECTOR not in user_roles(user):
        return Assignment.objects.none()
    return (
        Assignment.objects.filter(inspector=user)
        .select_related("sampled_case__sample__inspection__body", "review")
        .defer(*HEAVY)
        .order_by(
            "sampled_case__sample__inspection_id", "sampled_case__stratum", "sampled_case__rank"
        )
    )


def assignment_for(user: Any, assignment_id: int) -> tuple[Assignment, bool] | None:
    """The assignment and whether ``user`` may edit it (its inspector) or only read it (the lead)."""
    assignment = (
        # Four tables, not six: planning a six-way join cost PostgreSQL ~0.9 ms on every review page, more than
        # running it.  The body's name is read only when a submitted review offers the send back.
        Assignment.objects.select_related("sampled_case__sample__inspection")
        .defer(*HEAVY)
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        return None
    roles = user_roles(user)
    if assignment.inspector_id == user.pk and roles & {Role.INSPECTOR, Role.LEAD_INSPECTOR}:
        return assignment, True
    if (
        Role.LEAD_INSPECTOR in roles
        and assignment.sampled_case.sample.inspection.lead_id == user.pk
    ):
        return assignment, False
    return None


def case_details(assignment: Assignment) -> Case | None:
    return Case.objects.filter(pk=assignment.sampled_case.case_id).first()


def review_of(assignment: Assignment) -> Review | None:
    return Review.objects.filter(assignment=assignment).first()


def agreement_for(inspection: Any) -> dict[str, Any]:
    """Agreement on the overall grade between the inspection's submitted marks."""
    from casereview.domain.agreement import Mark, agreement_by_pair, fleiss
    from casereview.importing.frameworks import load_framework

    from .services import inspection_marks

    scale = load_framework(inspection.framework).grade_codes
    marks = [
        Mark(case, rater, grade)
        for case, rater, grade in inspection_marks(inspection)
        if grade in scale
    ]
    cases, kappa = fleiss(marks, scale)
    return {"pairs": agreement_by_pair(marks, scale), "fleiss_cases": cases, "fleiss_kappa": kappa}


def first_review_after_moderation(assignment: Assignment, review: Review) -> Review | None:
    """Moderation is blind: the first review is shown only once the moderator has submitted."""
    if assignment.kind != Assignment.Kind.MODERATION or review.state != Review.State.SUBMITTED:
        return None
    return Review.objects.filter(
        assignment__sampled_case=assignment.sampled_case,
        assignment__kind=Assignment.Kind.FIRST,
        state=Review.State.SUBMITTED,
    ).first()


def agreement_drift(inspection: Any) -> list[dict[str, Any]]:
    """Each of this inspection's markers: their agreement with others in every inspection so far, oldest first.

    An inspector's figure for an inspection pools every pair of marks they were part of.
    """
    from casereview.domain.agreement import pair_agreement
    from casereview.importing.frameworks import load_framework
    from casereview.web.inspections.models import Inspection

    from .services import inspection_marks

    here = {rater for _, rater, _ in inspection_marks(inspection)}
    if not here:
        return []
    history = Inspection.objects.filter(
        body=inspection.body, period_end__lte=inspection.period_end
    ).order_by("period_end", "id")
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in sorted(here)}
    for earlier in history:
        scale = load_framework(earlier.framework).grade_codes
        by_case: dict[str, list[tuple[str, str]]] = {}
        for case, rater, grade in inspection_marks(earlier):
            if grade in scale:
                by_case.setdefault(case, []).append((rater, grade))
        for name in rows:
            pairs = []
            for marks in by_case.values():
                mine = [g for r, g in marks if r == name]
                others = [g for r, g in marks if r != name]
                pairs += [(m, o) for m in mine for o in others]
            if pairs:
                result = pair_agreement(pairs, scale, (name, "others"))
                rows[name].append(
                    {
                        "inspection": earlier,
                        "cases": result.cases,
                        "agreement": result.agreement,
                        "kappa": result.weighted_kappa,
                    }
                )
    return [
        {"inspector": name, "history": history_rows}
        for name, history_rows in rows.items()
        if history_rows
    ]
