"""Every read an inspection page needs, scoped: a lead inspector sees the inspections they lead."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404

from casereview.domain.roles import Role
from casereview.domain.sampling import (
    SamplePlan,
    StratumAllocation,
    allocate,
    labelled_frame,
    margin_for,
    strata_sizes,
)
from casereview.web.core.access import user_roles
from casereview.web.registers.frames import register_frame
from casereview.web.registers.models import Register

# Inspection is re-exported: views and forms name the type without importing the models.
from .models import Inspection, Sample, SampledCase


def inspections_listed(user: Any) -> QuerySet[Inspection]:
    """Administrators see every inspection's metadata; lead inspectors those they lead."""
    roles = user_roles(user)
    base = Inspection.objects.select_related("body", "lead")
    if Role.ADMINISTRATOR in roles:
        return base
    if Role.LEAD_INSPECTOR in roles:
        return base.filter(lead=user)
    return base.none()


def inspection_led(user: Any, inspection_id: int) -> Inspection | None:
    """The inspection, if ``user`` leads it (its pages show case references)."""
    if Role.LEAD_INSPECTOR not in user_roles(user):
        return None
    return Inspection.objects.select_related("body").filter(pk=inspection_id, lead=user).first()


def inspection_led_or_404(user: Any, inspection_id: int) -> Inspection:
    """The inspection the user leads; 404 for everyone else (pages and API alike)."""
    inspection = inspection_led(user, inspection_id)
    if inspection is None:
        raise Http404
    return inspection


def inspection_sample(inspection: Inspection) -> Sample | None:
    return Sample.objects.select_related("register").filter(inspection=inspection).first()


def sample_replacements(sample: Sample) -> QuerySet[SampledCase]:
    return SampledCase.objects.filter(sample=sample, replaces__isnull=False).select_related(
        "replaces"
    )


def registers_for_draw(inspection: Inspection) -> QuerySet[Register]:
    return Register.objects.filter(
        body=inspection.body, state=Register.State.LOCKED, purged_at__isnull=True
    ).order_by("-imported_at")


def inspectors_available() -> list[Any]:
    """Active users who hold the inspector role (candidates for assignment)."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.INSPECTOR.value)
        .order_by("username")
    )


def sampled_case_in(inspection: Inspection, chosen: str) -> SampledCase | None:
    """The case of the inspection's sample whose id is ``chosen`` (as posted), or None.

    Only an id of digits is looked up: never int() of whatever was posted (a 500 on anything else).
    """
    if not (chosen.isascii() and chosen.isdigit() and len(chosen) <= 18):
        return None
    return SampledCase.objects.filter(sample__inspection=inspection, pk=int(chosen)).first()


def inspection_by_id(inspection_id: int) -> Inspection | None:
    """The inspection with this id, with its body, or None."""
    return Inspection.objects.select_related("body").filter(pk=inspection_id).first()


@dataclass(frozen=True)
class DrawPreview:
    """What a plan would give before it is drawn: the frame, the margin of error, each stratum's share."""

    frame_size: int
    margin: float
    allocations: list[StratumAllocation]


def draw_preview(register: Register, plan: SamplePlan) -> DrawPreview:
    """The margin of error at 95% for a share near 50%, and the allocation, if ``plan`` were drawn now."""
    frame = labelled_frame(register_frame(register), plan)
    sizes = strata_sizes(frame)
    return DrawPreview(
        frame_size=frame.height,
        margin=margin_for(
            size=min(plan.size, max(frame.height, 1)),
            confidence=0.95,
            population=max(frame.height, 1),
        ),
        allocations=allocate(sizes, plan) if sizes else [],
    )


@dataclass(frozen=True)
class Overview:
    """The overview page: the inspection's own facts and the step it is at (seed, draw, drawn)."""

    inspection: Inspection
    sample: Sample | None
    registers: QuerySet[Register] | None = None


def inspection_overview(inspection: Inspection) -> Overview:
    sample = inspection_sample(inspection)
    return Overview(
        inspection=inspection,
        sample=sample,
        registers=registers_for_draw(inspection) if sample is None else None,
    )


@dataclass(frozen=True)
class SamplePart:
    """The sample page: how it was drawn, its strata and the cases replaced from the reserve."""

    inspection: Inspection
    sample: Sample | None
    strata: list[dict[str, Any]] = field(default_factory=list)
    replacements: list[SampledCase] = field(default_factory=list)


def sample_part(inspection: Inspection) -> SamplePart:
    sample = inspection_sample(inspection)
    if sample is None:
        return SamplePart(inspection=inspection, sample=None)
    return SamplePart(
        inspection=inspection,
        sample=sample,
        strata=sample.manifest.get("strata", []),  # an imported sample has no strata
        replacements=list(sample_replacements(sample)),
    )
