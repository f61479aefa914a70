"""The lead inspector's inspection: the overview (its facts, the seed and the draw) and the sample part.

The other parts of the inspection (people, moderation and disagreements, agreement) read reviews, so they
live in the reviews app (``reviews/lead_views.py``) under the same addresses and URL names.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from casereview.domain.plans import PlanError, plan_from_mapping
from casereview.domain.roles import CAN_IMPORT_REGISTERS, LEADING_ROLES, InspectionKind, Role
from casereview.domain.tasks import STAGE_WORDS, Status, Task
from casereview.domain.words import number
from casereview.web.core.access import role_required, user_roles
from casereview.web.core.phrases import refusal_words
from casereview.web.core.templatetags.casereview import uk_date  # in the page's language
from casereview.web.registers.selectors import bodies_for_choice

from . import selectors
from .forms import DrawForm, InspectionFilterForm, InspectionForm, ReplaceForm, SeedForm
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


@role_required(Role.ADMINISTRATOR, *LEADING_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    # Stages and review counts are a lead's, of the inspections they lead: an administrator who leads none
    # sees metadata only, so neither the stage filter nor the stage order is offered (nor read) for them.
    leads = bool(user_roles(request.user) & set(LEADING_ROLES))
    stages = {k: gettext(v) for k, v in STAGE_WORDS.items()} if leads else {}
    orders = {
        k: gettext(v) for k, v in selectors.INSPECTION_ORDERS.items() if leads or k != "stage"
    }
    form = InspectionFilterForm(request.GET or None, stages=stages, orders=orders)
    chosen = form.chosen() if form.is_bound else {"stage_is": "", "body": "", "order": "newest"}
    listed = selectors.inspections_with_stage(
        request.user, **chosen, page=form.page_asked() if form.is_bound else 1
    )
    query = {k: v for k, v in (("stage", chosen["stage_is"]), ("body", chosen["body"])) if v}
    if chosen["order"] != "newest":
        query["order"] = chosen["order"]
    return render(
        request,
        "inspections/index.html",
        {
            "listed": listed,
            "rows": listed.rows,
            "bodies": listed.bodies,
            "stages": stages,
            "orders": orders,
            "chosen": chosen,
            "filtered": any(chosen[k] for k in ("stage_is", "body")),
            "previous": urlencode({**query, "page": listed.page - 1}) if listed.page > 1 else None,
            "next": urlencode({**query, "page": listed.page + 1})
            if listed.page < listed.pages
            else None,
        },
    )


@role_required(*LEADING_ROLES)
def new(request: HttpRequest) -> HttpResponse:
    # A lead inspector opens the inspectorate's inspections; a body auditor (who is no lead inspector) opens
    # an own audit of a body they audit, and only that (domain.roles.LEADS).
    own_audit = Role.LEAD_INSPECTOR not in user_roles(request.user)
    bodies = selectors.bodies_audited_for_choice(request.user) if own_audit else bodies_for_choice()
    form = InspectionForm(request.POST) if request.method == "POST" else InspectionForm()
    if (
        own_audit
        and form.is_bound
        and form.is_valid()
        and form.cleaned_data["body"] not in {b.code for b in bodies}
    ):
        form.add_error("body", gettext("Choose one of the bodies you audit"))
    if request.method == "POST" and form.is_valid():
        try:
            made = inspection_create(
                kind=InspectionKind.OWN_AUDIT if own_audit else InspectionKind.INSPECTION,
                body_code=form.cleaned_data["body"],
                name=form.cleaned_data["name"],
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                lead=request.user,
                actor=request.user,
            )
        except InspectionError as exc:
            form.add_error(None, refusal_words(exc))
        else:
            opened = (
                gettext("Own audit opened: %(name)s, %(start)s to %(end)s. Next, commit the seed.")
                if own_audit
                else gettext(
                    "Inspection opened: %(name)s, %(start)s to %(end)s. Next, commit the seed."
                )
            )
            messages.success(
                request,
                opened
                % {
                    "name": made.name,
                    "start": uk_date(made.period_start),
                    "end": uk_date(made.period_end),
                },
            )
            return redirect("inspections:detail", inspection_id=made.pk)
    return render(
        request,
        "inspections/new.html",
        {"form": form, "bodies": bodies, "own_audit": own_audit},
        status=400 if form.errors else 200,
    )


def _led(request: HttpRequest, inspection_id: int) -> Inspection:
    return selectors.inspection_led_or_404(request.user, inspection_id)


#: Where each task of the task list is done: (URL name, fragment). The people, cases and moderation pages
#: are the reviews app's and the report the reports app's, in the inspection's namespace or their own.
TASK_PAGES: dict[str, tuple[str, str]] = {
    "seed": ("inspections:sample", "#seed"),
    "register": ("registers:upload", ""),
    "draw": ("inspections:sample", "#draw"),
    "assign": ("inspections:people", ""),
    "review": ("inspections:cases", ""),
    "moderate": ("inspections:people", "#moderation"),
    "resolve": ("inspections:moderation", "#disagreements"),
    "send_backs": ("inspections:moderation", "#at-risk"),
    "report": ("reports:draft", ""),
    "publish": ("reports:draft", ""),
}


def _task_links(inspection: Inspection, user: object = None) -> list[tuple[Task, str]]:
    """Each task with the address of the page where it is done ("" while it cannot start, and for the
    register's upload when ``user`` may not import registers: a body auditor's own audit draws from the
    registers the inspectorate holds for the body)."""
    out = []
    uploads = bool(user_roles(user) & CAN_IMPORT_REGISTERS)
    for task in selectors.inspection_tasks(inspection):
        name, fragment = TASK_PAGES[task.step.value]
        args = [] if name == "registers:upload" else [inspection.pk]
        href = (
            ""
            if task.status is Status.CANNOT_START or (name == "registers:upload" and not uploads)
            else reverse(name, args=args) + fragment
        )
        out.append((task, href))
    return out


def _overview(request: HttpRequest, inspection: Inspection) -> HttpResponse:
    return render(
        request,
        "inspections/detail.html",
        {
            "overview": selectors.inspection_overview(inspection),
            "inspection": inspection,
            "tasks": _task_links(inspection, request.user),
        },
    )


@role_required(*LEADING_ROLES)
def detail(request: HttpRequest, inspection_id: int) -> HttpResponse:
    return _overview(request, _led(request, inspection_id))


@role_required(*LEADING_ROLES)
def commit(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    if request.method != "POST":
        return redirect("inspections:sample", inspection_id=inspection.pk)
    form = SeedForm(request.POST)
    try:
        seed_commit(inspection=inspection, actor=request.user)
    except InspectionError as exc:
        form.add_error(None, refusal_words(exc))
        return _sample(request, inspection, seed_form=form, status=409)
    messages.success(
        request,
        gettext(
            "Seed committed. Send its SHA-256 to the inspected body before their register arrives."
        ),
    )
    return redirect("inspections:sample", inspection_id=inspection.pk)


@role_required(*LEADING_ROLES)
def draw(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    if request.method != "POST":
        return redirect("inspections:sample", inspection_id=inspection.pk)
    form = DrawForm(request.POST)
    if not form.is_valid():
        return _sample(request, inspection, draw_form=form, status=400)
    register = (
        selectors.registers_for_draw(inspection).filter(pk=form.cleaned_data["register"]).first()
    )
    if register is None:
        form.add_error("register", gettext("Choose one of this body's registers"))
        return _sample(request, inspection, draw_form=form, status=400)
    try:
        plan = plan_from_mapping(form.plan_mapping())
        if form.is_preview():
            preview = selectors.draw_preview(register, plan, inspection)
            return _sample(request, inspection, draw_form=form, preview=preview)
        drawn = sample_draw(
            inspection=inspection,
            register=register,
            plan=plan,
            allow_late_commitment=form.cleaned_data["allow_late_commitment"],
            actor=request.user,
        )
    except (PlanError, InspectionError) as exc:
        form.add_error(None, refusal_words(exc))
        return _sample(request, inspection, draw_form=form, status=400)
    size = selectors.sample_size(drawn)
    messages.success(
        request,
        ngettext(
            "Sample drawn: %(shown)s case from register %(register)s. Next, assign the cases.",
            "Sample drawn: %(shown)s cases from register %(register)s. Next, assign the cases.",
            size,
        )
        % {"shown": number(size), "register": register.pk},
    )
    return redirect("inspections:sample", inspection_id=inspection.pk)


def _sample(
    request: HttpRequest,
    inspection: Inspection,
    *,
    replace_form: ReplaceForm | None = None,
    seed_form: SeedForm | None = None,
    draw_form: DrawForm | None = None,
    preview: selectors.DrawPreview | None = None,
    status: int = 200,
) -> HttpResponse:
    part = selectors.sample_part(inspection)
    return render(
        request,
        "inspections/sample.html",
        {
            "part": part,
            "inspection": inspection,
            "registers": selectors.registers_for_draw(inspection) if part.sample is None else None,
            "registers_since_commitment": selectors.registers_since_commitment(inspection)
            if part.sample is None
            else 0,
            "replace_form": replace_form or ReplaceForm(),
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


@role_required(*LEADING_ROLES)
def sample(request: HttpRequest, inspection_id: int) -> HttpResponse:
    return _sample(request, _led(request, inspection_id))


@role_required(*LEADING_ROLES)
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


@role_required(*LEADING_ROLES)
def replace(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    if request.method != "POST":
        return redirect("inspections:sample", inspection_id=inspection.pk)
    form = ReplaceForm(request.POST)
    if not form.is_valid():
        return _sample(request, inspection, replace_form=form, status=400)
    try:
        replacement = sample_replace(
            inspection=inspection,
            case_ref=form.cleaned_data["case_ref"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except InspectionError as exc:
        form.add_error("case_ref", refusal_words(exc))
        return _sample(request, inspection, replace_form=form, status=400)
    messages.success(
        request,
        gettext("Case %(case)s is out of scope: replaced by case %(replacement)s from the reserve.")
        % {"case": form.cleaned_data["case_ref"].strip(), "replacement": replacement.case_ref},
    )
    return redirect("inspections:sample", inspection_id=inspection.pk)
