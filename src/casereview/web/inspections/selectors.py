"""Every read an inspection page needs, scoped: a lead inspector sees the inspections they lead."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from casereview.domain.roles import Role
from casereview.web.accounts.services import user_roles
from casereview.web.registers.models import Register

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
    from django.http import Http404

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
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.INSPECTOR.value)
        .order_by("username")
    )


def assignment_counts(inspection: Inspection) -> dict[str, int]:
    from casereview.web.reviews.models import Assignment

    counts: dict[str, int] = {}
    for kind in Assignment.objects.filter(sampled_case__sample__inspection=inspection).values_list(
        "kind", flat=True
    ):
        counts[kind] = counts.get(kind, 0) + 1
    return counts
