from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from casereview.domain.roles import Role
from casereview.domain.sampling import PlanError, allocate, margin_for, plan_from_mapping
from casereview.importing.frameworks import load_framework
from casereview.web.core.access import role_required
from casereview.web.referrals.selectors import at_risk_cases
from casereview.web.registers.selectors import bodies_for_choice

from . import selectors
from .forms import DrawForm, InspectionForm, ReplaceForm
from .services import (
    InspectionError,
    inspection_create,
    manifest_disclosed,
    register_frame,
    sample_draw,
    sample_replace,
    seed_commit,
)


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


def _led(request: HttpRequest, inspection_id: int) -> Any:
    return selectors.inspection_led_or_404(request.user, inspection_id)


def _detail(
    request: HttpRequest,
    inspection: Any,
    *,
    draw_form: DrawForm | None = None,
    replace_form: ReplaceForm | None = None,
    preview: Any = None,
    error: str = "",
    status: int = 200,
    kept_resolution: dict[str, Any] | None = None,
) -> HttpResponse:
    from casereview.web.reviews import selectors as review_selectors
    from casereview.web.reviews.services import disagreements

    sample = selectors.inspection_sample(inspection)
    return render(
        request,
        "inspections/detail.html",
        {
            "inspection": inspection,
            "sample": sample,
            "strata": sample.manifest.get("strata", [])
            if sample
            else [],  # an imported sample has no strata
            "replacements": selectors.sample_replacements(sample) if sample else [],
            "registers": selectors.registers_for_draw(inspection),
            "draw_form": draw_form
            or DrawForm(
                initial={
                    "allocation": "proportional",
                    "strata": ["category"],
                    "minimum_per_stratum": 0,
                }
            ),
            "replace_form": replace_form or ReplaceForm(),
            "preview": preview,
            "error": error,
            "inspectors": selectors.inspectors_available(),
            "assignment_counts": selectors.assignment_counts(inspection) if sample else {},
            "disagreements": disagreements(inspection) if sample else [],
            "at_risk": at_risk_cases(inspection) if sample else [],
            "agreement": review_selectors.agreement_for(inspection) if sample else None,
            "drift": review_selectors.agreement_drift(inspection) if sample else [],
            "grades": load_framework(inspection.framework).grades,
            "kept_resolution": kept_resolution,  # answers posted after the session had ended (resolve)
        },
        status=status,
    )


@role_required(Role.LEAD_INSPECTOR)
def detail(request: HttpRequest, inspection_id: int) -> HttpResponse:
    return _detail(request, _led(request, inspection_id))


@role_required(Role.LEAD_INSPECTOR)
def commit(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    if request.method != "POST":
        return redirect("inspections:detail", inspection_id=inspection.pk)
    try:
        seed_commit(inspection=inspection, actor=request.user)
    except InspectionError as exc:
        return _detail(request, inspection, error=str(exc), status=409)
    return redirect("inspections:detail", inspection_id=inspection.pk)


@role_required(Role.LEAD_INSPECTOR)
def draw(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    if request.method != "POST":
        return redirect("inspections:detail", inspection_id=inspection.pk)
    form = DrawForm(request.POST)
    if not form.is_valid():
        return _detail(request, inspection, draw_form=form, status=400)
    register = (
        selectors.registers_for_draw(inspection).filter(pk=form.cleaned_data["register"]).first()
    )
    if register is None:
        form.add_error("register", "Choose one of this body's registers")
        return _detail(request, inspection, draw_form=form, status=400)
    try:
        plan = plan_from_mapping(form.plan_mapping())
        if request.POST.get("action") == "preview":
            from casereview.domain.sampling import labelled_frame, strata_sizes

            frame = labelled_frame(register_frame(register), plan)
            sizes = strata_sizes(frame)
            preview = {
                "frame_size": frame.height,
                "margin": margin_for(
                    size=min(plan.size, max(frame.height, 1)),
                    confidence=0.95,
                    population=max(frame.height, 1),
                ),
                "allocations": allocate(sizes, plan) if sizes else [],
            }
            return _detail(request, inspection, draw_form=form, preview=preview)
        sample_draw(
            inspection=inspection,
            register=register,
            plan=plan,
            allow_late_commitment=form.cleaned_data["allow_late_commitment"],
            actor=request.user,
        )
    except (PlanError, InspectionError) as exc:
        return _detail(request, inspection, draw_form=form, error=str(exc), status=400)
    return redirect("inspections:detail", inspection_id=inspection.pk)


@role_required(Role.LEAD_INSPECTOR)
def manifest(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    sample = selectors.inspection_sample(inspection)
    if sample is None:
        raise Http404
    manifest_disclosed(sample=sample, actor=request.user)
    response = HttpResponse(
        json.dumps(sample.manifest, indent=2, ensure_ascii=False) + "\n",
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
        return redirect("inspections:detail", inspection_id=inspection.pk)
    form = ReplaceForm(request.POST)
    if not form.is_valid():
        return _detail(request, inspection, replace_form=form, status=400)
    try:
        sample_replace(
            inspection=inspection,
            case_ref=form.cleaned_data["case_ref"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except InspectionError as exc:
        form.add_error("case_ref", str(exc))
        return _detail(request, inspection, replace_form=form, status=400)
    return redirect("inspections:detail", inspection_id=inspection.pk)


def _users(request: HttpRequest) -> list[Any]:
    from django.contrib.auth import get_user_model

    names = request.POST.getlist("inspectors")
    return list(get_user_model().objects.filter(username__in=names, is_active=True))


def _lead_action(
    request: HttpRequest, inspection_id: int, act: Callable[[Any], None]
) -> HttpResponse:
    """A lead inspector's POST on their inspection; a refusal is shown on the inspection page."""
    from casereview.web.reviews.services import ReviewError

    inspection = _led(request, inspection_id)
    if request.method != "POST":
        return redirect("inspections:detail", inspection_id=inspection.pk)
    try:
        act(inspection)
    except ReviewError as exc:
        return _detail(request, inspection, error=str(exc), status=400)
    return redirect("inspections:detail", inspection_id=inspection.pk)


@role_required(Role.LEAD_INSPECTOR)
def assign(request: HttpRequest, inspection_id: int) -> HttpResponse:
    from casereview.web.reviews.services import (
        DEFAULT_MODERATION_SHARE,
        ReviewError,
        assignments_balance,
        moderation_assign,
    )

    def act(inspection: Any) -> None:
        allowed = {u.pk for u in selectors.inspectors_available()}
        users = [u for u in _users(request) if u.pk in allowed]
        if request.POST.get("kind") != "moderation":
            assignments_balance(inspection=inspection, inspectors=users, actor=request.user)
            return
        try:
            share = float(request.POST.get("share", "") or DEFAULT_MODERATION_SHARE * 100) / 100
        except ValueError:
            share = -1.0
        if not 0 <= share <= 1:
            raise ReviewError("Enter the share to moderate as a percentage from 0 to 100")
        moderation_assign(inspection=inspection, inspectors=users, share=share, actor=request.user)

    return _lead_action(request, inspection_id, act)


@role_required(Role.LEAD_INSPECTOR)
def resolve(request: HttpRequest, inspection_id: int) -> HttpResponse:
    from casereview.web.inspections.models import SampledCase
    from casereview.web.reviews.services import resolution_record

    def act(inspection: Any) -> None:
        chosen = request.POST.get("sampled_case", "")
        # An id of the inspection's sample, else a 404: never int() of whatever was posted (a 500).
        case = (
            SampledCase.objects.filter(sample__inspection=inspection, pk=int(chosen)).first()
            if chosen.isascii() and chosen.isdigit() and len(chosen) <= 18
            else None
        )
        if case is None:
            raise Http404
        resolution_record(
            sampled_case=case,
            final_overall=request.POST.get("final_overall", ""),
            rationale=request.POST.get("rationale", ""),
            actor=request.user,
        )

    if request.method != "POST":
        # A resolution posted after the session had ended comes back once, unsaved (accounts/kept.py).
        from casereview.web.accounts.kept import kept_answers_take

        inspection = _led(request, inspection_id)
        kept = kept_answers_take(request)
        case_id = str(kept.get("sampled_case") or "") if kept is not None else ""
        if kept is not None and case_id.isdigit():
            return _detail(
                request,
                inspection,
                kept_resolution={
                    "sampled_case": int(case_id),
                    "final_overall": str(kept.get("final_overall") or ""),
                    "rationale": str(kept.get("rationale") or "")[:10_000],
                },
            )
    return _lead_action(request, inspection_id, act)


@role_required(Role.LEAD_INSPECTOR)
def move(request: HttpRequest, inspection_id: int) -> HttpResponse:
    from casereview.web.reviews.models import Assignment
    from casereview.web.reviews.services import ReviewError, assignment_move

    def act(inspection: Any) -> None:
        assignment = Assignment.objects.filter(
            sampled_case__sample__inspection=inspection,
            sampled_case__case_ref=request.POST.get("case_ref", "").strip(),
            kind=request.POST.get("kind", "first"),
        ).first()
        target = next(
            (
                u
                for u in selectors.inspectors_available()
                if u.get_username() == request.POST.get("to")
            ),
            None,
        )
        if assignment is None or target is None:
            raise ReviewError("Enter a case reference that is assigned, and choose an inspector")
        assignment_move(assignment=assignment, to=target, actor=request.user)

    return _lead_action(request, inspection_id, act)
