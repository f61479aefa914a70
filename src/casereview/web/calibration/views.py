"""The calibration pages.  Who sees what is the selectors' (``calibrations_visible``): anyone else gets 404.
The lead creates a calibration, commits its inspection's seed, draws, has the cases re-graded through the
inspection's own pages, and completes it (or withdraws it, saying why); its figures, and the draw's manifest
with the strata, show only once it is complete."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext

from casereview.domain.roles import Role
from casereview.domain.words import number
from casereview.web.core.access import role_required, user_roles
from casereview.web.core.phrases import refusal_words
from casereview.web.inspections.services import InspectionError, manifest_disclosed, seed_commit

from . import selectors
from .charts import drift_chart
from .forms import CalibrationForm, StepForm, WithdrawForm
from .services import (
    CalibrationChanged,
    CalibrationRefused,
    SizeRefused,
    calibration_complete,
    calibration_create,
    calibration_draw,
    calibration_withdraw,
)

if TYPE_CHECKING:  # a type only: views reach models through selectors and services
    from .models import Calibration

#: Everyone who may see some calibration; the selectors then scope each one.
READERS = (Role.LEAD_INSPECTOR, Role.ANALYST, Role.BODY_AUDITOR, Role.LIAISON_OFFICER)


@role_required(*READERS)
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "calibration/index.html",
        {
            "rows": selectors.calibrations_listed(request.user),
            "can_create": Role.LEAD_INSPECTOR in user_roles(request.user),
        },
    )


@role_required(Role.LEAD_INSPECTOR)
def new(request: HttpRequest) -> HttpResponse:
    audits = selectors.own_audits_for_choice()
    choices = [(a.pk, a.name) for a in audits]
    graded = [int(getattr(a, "graded", 0) or 0) for a in audits]
    form = (
        CalibrationForm(request.POST, choices=choices)
        if request.method == "POST"
        # 60 cases, or every case graded where the audits graded fewer
        else CalibrationForm(choices=choices, initial={"size": min([60, *graded]) or 60})
    )
    if request.method == "POST" and form.is_valid():
        audit = selectors.own_audit_by_id(form.cleaned_data["own_audit"])
        if audit is None:
            raise Http404
        try:
            made = calibration_create(
                own_audit=audit,
                size=form.cleaned_data["size"],
                stratify=form.cleaned_data["stratify"],
                lead=request.user,
                actor=request.user,
            )
        except (CalibrationRefused, InspectionError) as exc:
            form.add_error("size" if isinstance(exc, SizeRefused) else None, refusal_words(exc))
        else:
            framed = len(made.frame["cases"])
            messages.success(
                request,
                ngettext(
                    "Calibration created: %(shown)s case graded by the body's own audit are fixed as the "
                    "frame. Next, commit the seed.",
                    "Calibration created: %(shown)s cases graded by the body's own audit are fixed as the "
                    "frame. Next, commit the seed.",
                    framed,
                )
                % {"shown": number(framed)},
            )
            return redirect("calibration:detail", calibration_id=made.pk)
    return render(
        request,
        "calibration/new.html",
        {"form": form, "audits": selectors.audit_choices(audits)},
        status=400 if form.errors else 200,
    )


def _detail(
    request: HttpRequest,
    calibration: Calibration,
    *,
    problem: str = "",
    status: int = 200,
    withdraw_form: WithdrawForm | None = None,
) -> HttpResponse:
    page = selectors.calibration_page(request.user, calibration)
    points = page["drift_points"]
    return render(
        request,
        "calibration/detail.html",
        {
            **page,
            "problem": problem,
            "withdraw_form": withdraw_form,
            "chart": drift_chart(points, title=page["drift_title"]) if points else "",
        },
        status=status,
    )


@role_required(*READERS)
def detail(request: HttpRequest, calibration_id: int) -> HttpResponse:
    found = selectors.calibration_visible(request.user, calibration_id)
    if found is None:
        raise Http404
    return _detail(request, found)


@role_required(*READERS)
def manifest(request: HttpRequest, calibration_id: int) -> HttpResponse:
    """The draw's manifest, with the strata, once the calibration is complete: for everyone who may read the
    calibration (journaled as any manifest's download); 404 before."""
    found = selectors.calibration_visible(request.user, calibration_id)
    drawn = selectors.calibration_sample(found) if found is not None else None
    if found is None or found.state != "complete" or drawn is None:
        raise Http404
    manifest_disclosed(sample=drawn, actor=request.user)
    response = HttpResponse(
        json.dumps(drawn.manifest, indent=2, ensure_ascii=False) + "\n",
        content_type="application/json",
    )
    response["Content-Disposition"] = f'attachment; filename="manifest-calibration-{found.pk}.json"'
    return response


def _step(
    request: HttpRequest, calibration_id: int
) -> tuple[Calibration, int | None, dict[str, Any]]:
    """The calibration the lead acts on (404 for anyone else), the version the page showed and the step's
    options."""
    found = selectors.calibration_led(request.user, calibration_id)
    if found is None:
        raise Http404
    form = StepForm(request.POST)
    if not form.is_valid():
        return found, None, {}
    return found, form.cleaned_data["version"], {"with_missing": form.cleaned_data["with_missing"]}


def _act(request: HttpRequest, calibration_id: int, action: Any, done: str) -> HttpResponse:
    calibration, version, options = _step(request, calibration_id)
    if request.method != "POST":
        return redirect("calibration:detail", calibration_id=calibration.pk)
    if version is None:
        return _detail(
            request, calibration, problem=gettext("Reload the page and try again"), status=400
        )
    if action is not calibration_complete:
        options = {}
    try:
        action(calibration=calibration, actor=request.user, expected_version=version, **options)
    except CalibrationChanged as changed:
        return _detail(request, changed.current, problem=refusal_words(changed), status=409)
    except (CalibrationRefused, InspectionError) as exc:
        return _detail(request, calibration, problem=refusal_words(exc), status=400)
    messages.success(request, done)
    return redirect("calibration:detail", calibration_id=calibration.pk)


def _commit(*, calibration: Calibration, actor: Any, expected_version: int) -> None:
    if calibration.version != expected_version:
        raise CalibrationChanged(gettext("Someone changed this calibration first"), calibration)
    if calibration.inspection.commitment:
        raise CalibrationChanged(
            gettext("Someone committed the seed first: here is the calibration as it stands now"),
            calibration,
        )
    seed_commit(inspection=calibration.inspection, actor=actor)


@role_required(Role.LEAD_INSPECTOR)
def commit(request: HttpRequest, calibration_id: int) -> HttpResponse:
    return _act(
        request,
        calibration_id,
        _commit,
        gettext("Seed committed: its SHA-256 is shown below. Next, draw the sample."),
    )


@role_required(Role.LEAD_INSPECTOR)
def draw(request: HttpRequest, calibration_id: int) -> HttpResponse:
    return _act(
        request,
        calibration_id,
        calibration_draw,
        gettext(
            "Sample drawn. Next, assign its cases to inspectors: they re-grade them without the body's "
            "grades."
        ),
    )


@role_required(Role.LEAD_INSPECTOR)
def complete(request: HttpRequest, calibration_id: int) -> HttpResponse:
    return _act(
        request,
        calibration_id,
        calibration_complete,
        gettext(
            "Calibration complete: its figures are frozen, and the body's auditors and liaison officers "
            "can now read them."
        ),
    )


@role_required(Role.LEAD_INSPECTOR)
def withdraw(request: HttpRequest, calibration_id: int) -> HttpResponse:
    """Withdraw the calibration with a reason (its lead only, before completion)."""
    calibration = selectors.calibration_led(request.user, calibration_id)
    if calibration is None:
        raise Http404
    if request.method != "POST":
        return redirect("calibration:detail", calibration_id=calibration.pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _detail(request, calibration, withdraw_form=form, status=400)
    try:
        calibration_withdraw(
            calibration=calibration,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except CalibrationChanged as changed:
        return _detail(request, changed.current, problem=refusal_words(changed), status=409)
    except CalibrationRefused as exc:
        return _detail(request, calibration, problem=refusal_words(exc), status=400)
    messages.success(request, gettext("Calibration withdrawn: it stays listed, with your reason."))
    return redirect("calibration:detail", calibration_id=calibration.pk)
