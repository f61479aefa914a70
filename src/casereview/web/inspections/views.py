"""The lead inspector's inspection: the overview (its facts, the seed and the draw) and the sample part.

The other parts of the inspection (people, moderation and disagreements, agreement) read reviews, so they
live in the reviews app (``reviews/lead_views.py``) under the same addresses and URL names.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from casereview.domain.plans import PlanError, plan_from_mapping
from casereview.domain.roles import Role
from casereview.web.core.access import role_required
from casereview.web.registers.selectors import bodies_for_choice

from . import selectors
from .forms import DrawForm, InspectionForm, ReplaceForm, SeedForm
from .services import (
    InspectionError,
    inspection_create,
    manifest_disclosed,
    sample_draw,
    sample_replace,
    seed_commit,
)

if TYPE_CHECKING:  # a type only: views reach models through selectors and services
    from .models import Inspection


@role_required(Role.ADMINISTRATOR, Role.LEAD_INSPECTOR)
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "inspections/index.html",
        {"inspections": selectors.inspections_listed(request.user)},
    )


@role_required(Role.LEAD_INSPECTOR)
def new(request: HttpRequest) -> HttpResponse:
    form = InspectionForm(request.POST) if request.method == "POST" else InspectionForm()
    if request.method == "POST" and form.is_valid():
        try:
            made = inspection_create(
                body_code=form.cleaned_data["body"],
                name=form.cleaned_data["name"],
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                lead=request.user,
                actor=request.user,
            )
        except InspectionError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("inspections:detail", inspection_id=made.pk)
    return render(
        request,
        "inspections/new.html",
        {"form": form, "bodies": bodies_for_choice()},
        status=400 if form.errors else 200,
    )


def _led(request: HttpRequest, inspection_id: int) -> Inspection:
    return selectors.inspection_led_or_404(request.user, inspection_id)


def _overview(
    request: HttpRequest,
    inspection: Inspection,
    *,
    seed_form: SeedForm | None = None,
    draw_form: DrawForm | None = None,
    preview: selectors.DrawPreview | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "inspections/detail.html",
        {
            "overview": selectors.inspection_overview(inspection),
            "inspection": inspection,
            "seed_form": seed_form or SeedForm(),
            "draw_form": draw_form
            or DrawForm(
                initial={
                    "allocation": "proportional",
                    "strata": ["category"],
                    "minimum_per_stratum": 0,
                }
            ),
            "preview": preview,
        },
        status=status,
    )


@role_required(Role.LEAD_INSPECTOR)
def detail(request: HttpRequest, inspection_id: int) -> HttpResponse:
    return _overview(request, _led(request, inspection_id))


@role_required(Role.LEAD_INSPECTOR)
def commit(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    if request.method != "POST":
        return redirect("inspections:detail", inspection_id=inspection.pk)
    form = SeedForm(request.POST)
    try:
        seed_commit(inspection=inspection, actor=request.user)
    except InspectionError as exc:
        form.add_error(None, str(exc))
        return _overview(request, inspection, seed_form=form, status=409)
    return redirect("inspections:detail", inspection_id=inspection.pk)


@role_required(Role.LEAD_INSPECTOR)
def draw(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    if request.method != "POST":
        return redirect("inspections:detail", inspection_id=inspection.pk)
    form = DrawForm(request.POST)
    if not form.is_valid():
        return _overview(request, inspection, draw_form=form, status=400)
    register = (
        selectors.registers_for_draw(inspection).filter(pk=form.cleaned_data["register"]).first()
    )
    if register is None:
        form.add_error("register", "Choose one of this body's registers")
        return _overview(request, inspection, draw_form=form, status=400)
    try:
        plan = plan_from_mapping(form.plan_mapping())
        if form.is_preview():
            preview = selectors.draw_preview(register, plan, inspection)
            return _overview(request, inspection, draw_form=form, preview=preview)
        sample_draw(
            inspection=inspection,
            register=register,
            plan=plan,
            allow_late_commitment=form.cleaned_data["allow_late_commitment"],
            actor=request.user,
        )
    except (PlanError, InspectionError) as exc:
        form.add_error(None, str(exc))
        return _overview(request, inspection, draw_form=form, status=400)
    return redirect("inspections:detail", inspection_id=inspection.pk)


def _sample(
    request: HttpRequest,
    inspection: Inspection,
    *,
    replace_form: ReplaceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "inspections/sample.html",
        {
            "part": selectors.sample_part(inspection),
            "inspection": inspection,
            "replace_form": replace_form or ReplaceForm(),
        },
        status=status,
    )


@role_required(Role.LEAD_INSPECTOR)
def sample(request: HttpRequest, inspection_id: int) -> HttpResponse:
    return _sample(request, _led(request, inspection_id))


@role_required(Role.LEAD_INSPECTOR)
def manifest(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    drawn = selectors.inspection_sample(inspection)
    if drawn is None:
        raise Http404
    manifest_disclosed(sample=drawn, actor=request.user)
    response = HttpResponse(
        json.dumps(drawn.manifest, indent=2, ensure_ascii=False) + "\n",
        content_type="application/json",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="manifest-inspection-{inspection.pk}.json"'
    )
    return response


@role_required(Role.LEAD_INSPECTOR)
def replace(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    if request.method != "POST":
        return redirect("inspections:sample", inspection_id=inspection.pk)
    form = ReplaceForm(request.POST)
    if not form.is_valid():
        return _sample(request, inspection, replace_form=form, status=400)
    try:
        sample_replace(
            inspection=inspection,
            case_ref=form.cleaned_data["case_ref"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except InspectionError as exc:
        form.add_error("case_ref", str(exc))
        return _sample(request, inspection, replace_form=form, status=400)
    return redirect("inspections:sample", inspection_id=inspection.pk)
