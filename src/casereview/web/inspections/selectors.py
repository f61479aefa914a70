"""Every read an inspection page needs, scoped: a lead inspector sees the inspections they lead."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404

from casereview.domain.allocation import ALLOCATION, ALLOCATION_V1, StratumAllocation, allocate
from casereview.domain.plans import SamplePlan
from casereview.domain.power import margin_for, planned
from casereview.domain.roles import Role
from casereview.domain.sampling import (
    FrameDates,
    in_period,
    labelled_frame,
    manifest_frame_dates,
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
    #: the reported dates the frame covers, the inspection's period unless the plan chose others
    frame_dates: FrameDates | None = None
    headline: tuple[str, ...] = ()
    allocation_rules: str = ALLOCATION
    #: the smallest change the planned size could detect (``detectable_change_for``), or None
    detectable: dict[str, Any] | None = None


def draw_preview(register: Register, plan: SamplePlan, inspection: Inspection) -> DrawPreview:
    """The margin of error at 95% for a share near 50%, and the allocation, if ``plan`` were drawn now.

    The frame is the one the draw would use: dates the plan leaves out are the inspection's period.
    """
    plan, dates = in_period(plan, inspection.period_start, inspection.period_end)
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
        frame_dates=dates,
        headline=plan.headline,
        detectable=detectable_change_for(
            inspection, min(plan.size, frame.height), declared=len(plan.headline)
        ),
    )


# --- What a planned sample could see (the minimum detectable change) ---------------------------------

#: An inspection's earlier results, oldest first: (label, kind, period end, requires improvement or
#: inadequate, graded). The reports app gives them (``provide_earlier_results``, when it is ready): it
#: sits above this app, which may not import it.
EarlierResults = Callable[[Inspection], Sequence[tuple[str, str, str, int, int]]]
_earlier_results: list[EarlierResults] = []


def provide_earlier_results(source: EarlierResults) -> None:
    """Where ``detectable_change_for`` reads an inspection's earlier results (one source: the last given)."""
    _earlier_results[:] = [source]


def detectable_change_for(
    inspection: Inspection, size: int, *, declared: int = 0
) -> dict[str, Any] | None:
    """The minimum detectable change of a sample of ``size`` (domain.power.planned) against the body's
    latest earlier inspection or baseline (its combined share and size), or against 50% when it has none.

    The report compares with the previous inspection and the latest baseline together (Holm, with the
    ``declared`` extra headline comparisons of the plan), so the change is taken at that family's strictest
    level. None when nothing can be planned (no case in the frame, or no source of earlier results)."""
    if size < 1 or not _earlier_results:
        return None
    points = [p for p in _earlier_results[0](inspection) if p[4] > 0]
    kinds = {kind for _, kind, _, _, _ in points}
    latest = max(points, key=lambda p: (p[2], p[0]), default=None)
    earlier = None if latest is None else (latest[0], latest[3] / latest[4], latest[4])
    return planned(size, earlier, tests=max(len(kinds) + declared, 1))


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
    frame_dates: FrameDates | None = None
    #: the allocation rules the manifest names (a manifest without them: version 1)
    allocation_rules: str | None = None
    headline: list[str] = field(default_factory=list)


def sample_part(inspection: Inspection) -> SamplePart:
    sample = inspection_sample(inspection)
    if sample is None:
        return SamplePart(inspection=inspection, sample=None)
    document = sample.manifest or {}
    drawn_here = sample.algorithm != "imported"
    return SamplePart(
        inspection=inspection,
        sample=sample,
        strata=document.get("strata", []),  # an imported sample has no strata
        replacements=list(sample_replacements(sample)),
        frame_dates=manifest_frame_dates(document, inspection.period_start, inspection.period_end),
        allocation_rules=document.get("allocation", ALLOCATION_V1) if drawn_here else None,
        headline=list((document.get("plan") or {}).get("headline") or []),
    )
