"""Reads for the lead inspector's parts of an inspection that live in reviews: people, moderation, agreement.

The overview and the sample part are the inspections app's (``inspections/selectors.py``); these parts read
assignments, reviews and send backs, which sit above inspections, so they are read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from casereview.domain.framework import Grade
from casereview.importing.frameworks import load_framework
from casereview.web.core.users import User
from casereview.web.inspections.models import Inspection
from casereview.web.inspections.selectors import inspection_sample, inspectors_available

from .models import Assignment, Review
from .selectors import agreement_drift, agreement_for, at_risk_cases


@dataclass(frozen=True)
class InspectorLoad:
    """One inspector's cases in this inspection."""

    inspector: str
    first: int
    moderation: int
    submitted: int


@dataclass(frozen=True)
class PeoplePart:
    """The people page: who can be assigned, and how the sample is shared among them."""

    inspection: Inspection
    drawn: bool
    inspectors: list[User] = field(default_factory=list)
    first: int = 0
    moderation: int = 0
    loads: list[InspectorLoad] = field(default_factory=list)


def assignment_loads(inspection: Inspection) -> list[InspectorLoad]:
    """Each inspector with cases in the inspection: first reviews, moderations, reviews submitted (one query)."""
    submitted = Q(review__state=Review.State.SUBMITTED)
    rows = (
        Assignment.objects.filter(sampled_case__sample__inspection=inspection)
        .values("inspector__username")
        .annotate(
            first=Count("id", filter=Q(kind=Assignment.Kind.FIRST)),
            moderation=Count("id", filter=Q(kind=Assignment.Kind.MODERATION)),
            submitted=Count("id", filter=submitted),
        )
        .order_by("inspector__username")
    )
    return [
        InspectorLoad(
            inspector=row["inspector__username"],
            first=row["first"],
            moderation=row["moderation"],
            submitted=row["submitted"],
        )
        for row in rows
    ]


def people_part(inspection: Inspection) -> PeoplePart:
    if inspection_sample(inspection) is None:
        return PeoplePart(inspection=inspection, drawn=False)
    loads = assignment_loads(inspection)
    return PeoplePart(
        inspection=inspection,
        drawn=True,
        inspectors=inspectors_available(),
        first=sum(load.first for load in loads),
        moderation=sum(load.moderation for load in loads),
        loads=loads,
    )


@dataclass(frozen=True)
class ModerationPart:
    """The moderation page's reads (its disagreements come from ``selectors.disagreements``)."""

    inspection: Inspection
    drawn: bool
    at_risk: list[dict[str, Any]] = field(default_factory=list)
    grades: list[Grade] = field(default_factory=list)


def framework_grades(inspection: Inspection) -> list[Grade]:
    """The grades of the inspection's framework, best first (the choices of a final grade)."""
    return list(load_framework(inspection.framework).grades)


def moderation_part(inspection: Inspection) -> ModerationPart:
    if inspection_sample(inspection) is None:
        return ModerationPart(inspection=inspection, drawn=False)
    return ModerationPart(
        inspection=inspection,
        drawn=True,
        at_risk=at_risk_cases(inspection),
        grades=framework_grades(inspection),
    )


@dataclass(frozen=True)
class AgreementPart:
    """The agreement page: agreement on the overall grade, and each marker's agreement over time."""

    inspection: Inspection
    drawn: bool
    agreement: dict[str, Any] = field(default_factory=dict)
    drift: list[dict[str, Any]] = field(default_factory=list)


def agreement_part(inspection: Inspection) -> AgreementPart:
    if inspection_sample(inspection) is None:
        return AgreementPart(inspection=inspection, drawn=False)
    return AgreementPart(
        inspection=inspection,
        drawn=True,
        agreement=agreement_for(inspection),
        drift=agreement_drift(inspection),
    )
