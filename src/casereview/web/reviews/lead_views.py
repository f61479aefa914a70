"""The lead inspector's parts of an inspection that read reviews: people, moderation and disagreements,
agreement; and the forms posted from them (assign, move, resolve).

Their addresses are under ``/inspections/<id>/`` and their URL names in the ``inspections`` namespace
(``lead_urls.py``, composed in web/urls.py), as they always were; each page is the lead's of that inspection
only (404 for everyone else), and a POST goes back to the page it came from.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext, ngettext

from casereview.domain.roles import LEADING_ROLES
from casereview.domain.words import number, stratum_words
from casereview.web.core.access import role_required
from casereview.web.core.exports import csv_writer
from casereview.web.core.kept import take_kept_answers
from casereview.web.core.phrases import refusal_words
from casereview.web.inspections.selectors import (
    inspection_led_or_404,
    sampled_case_in,
)
from casereview.web.inspections.services import sample_table_disclosed

from . import lead_selectors
from .lead_forms import AssignForm, MoveForm, ResolveForm, SampleFilterForm
from .selectors import Disagreement, disagreements
from .services import (
    ReviewError,
    assignment_move,
    assignments_balance,
    moderation_assign,
    resolution_record,
)

if TYPE_CHECKING:  # a type only: views and forms reach models through selectors and services
    from casereview.web.inspections.models import Inspection


def _led(request: HttpRequest, inspection_id: int) -> Inspection:
    return inspection_led_or_404(request.user, inspection_id)


# People ----------------------------------------------------------------------------------------------------------


def _people(
    request: HttpRequest,
    inspection: Inspection,
    *,
    assign_form: AssignForm | None = None,
    move_form: MoveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "reviews/lead_people.html",
        {
            "part": lead_selectors.people_part(inspection),
            "inspection": inspection,
            "assign_form": assign_form or AssignForm(inspection=inspection),
            "move_form": move_form or MoveForm(inspection=inspection),
        },
        status=status,
    )


@role_required(*LEADING_ROLES)
def people(request: HttpRequest, inspection_id: int) -> HttpResponse:
    return _people(request, _led(request, inspection_id))


@role_required(*LEADING_ROLES)
def assign(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    if request.method != "POST":
        return redirect("inspections:people", inspection_id=inspection.pk)
    form = AssignForm(request.POST, inspection=inspection)
    if form.is_valid():
        try:
            if form.is_moderation():
                made = moderation_assign(
                    inspection=inspection,
                    inspectors=form.chosen(),
                    share=form.cleaned_data["share_fraction"],
                    actor=request.user,
                )
                done = ngettext(
                    "%(shown)s case assigned for moderation",
                    "%(shown)s cases assigned for moderation",
                    made,
                ) % {"shown": number(made)}
            else:
                made = assignments_balance(
                    inspection=inspection, inspectors=form.chosen(), actor=request.user
                )
                done = ngettext(
                    "%(shown)s case assigned for first review",
                    "%(shown)s cases assigned for first review",
                    made,
                ) % {"shown": number(made)}
        except ReviewError as exc:
            form.add_error(None, refusal_words(exc))
    if form.errors:
        return _people(request, inspection, assign_form=form, status=400)
    names = ", ".join(u.get_username() for u in form.chosen()) or gettext("nobody")
    messages.success(
        request, gettext("%(done)s (inspectors: %(names)s).") % {"done": done, "names": names}
    )
    return redirect("inspections:people", inspection_id=inspection.pk)


@role_required(*LEADING_ROLES)
def move(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    if request.method != "POST":
        return redirect("inspections:people", inspection_id=inspection.pk)
    form = MoveForm(request.POST, inspection=inspection)
    if form.is_valid():
        try:
            assignment_move(
                assignment=form.cleaned_data["assignment"],
                to=form.cleaned_data["target"],
                actor=request.user,
            )
        except ReviewError as exc:
            form.add_error(None, refusal_words(exc))
    if form.errors:
        return _people(request, inspection, move_form=form, status=400)
    moved = form.cleaned_data["assignment"]
    # Two whole sentences, not one with "moderation" or "first review" put in: Welsh words them differently.
    moved_words = (
        gettext("The moderation of case %(ref)s moved to %(name)s.")
        if moved.kind == "moderation"
        else gettext("The first review of case %(ref)s moved to %(name)s.")
    )
    messages.success(
        request,
        moved_words
        % {"ref": moved.sampled_case.case_ref, "name": form.cleaned_data["target"].get_username()},
    )
    return redirect("inspections:people", inspection_id=inspection.pk)


# Moderation and disagreements ------------------------------------------------------------------------------------


def _resolve_forms(
    found: list[Disagreement],
    part: lead_selectors.ModerationPart,
    *,
    bound: tuple[int, ResolveForm] | None,
    kept: dict[str, str] | None,
) -> list[tuple[Disagreement, ResolveForm]]:
    """Each disagreement with its form: the one posted (with its errors), the one kept, or its resolution.

    Each form's fields have ids of their own (``resolve-<case>-<field>``); the posted one keeps Django's
    ``id_<field>``, which its error summary links to.
    """
    out = []
    for d in found:
        pk = d.sampled_case.pk
        if bound is not None and bound[0] == pk:
            out.append((d, bound[1]))
            continue
        if kept is not None and kept["sampled_case"] == str(pk):
            initial = {"final_overall": kept["final_overall"], "rationale": kept["rationale"]}
        elif d.resolution is not None:
            initial = {
                "final_overall": d.resolution.final_overall,
                "rationale": d.resolution.rationale,
            }
        else:
            initial = {}
        form = ResolveForm(grades=part.grades, initial=initial, auto_id=f"resolve-{pk}-%s")
        out.append((d, form))
    return out


def _moderation(
    request: HttpRequest,
    inspection: Inspection,
    *,
    bound: tuple[int, ResolveForm] | None = None,
    kept: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    part = lead_selectors.moderation_part(inspection)
    found = disagreements(inspection) if part.drawn else []
    return render(
        request,
        "reviews/lead_moderation.html",
        {
            "part": part,
            "inspection": inspection,
            "resolutions": _resolve_forms(found, part, bound=bound, kept=kept),
            "posted": bound[1] if bound is not None else None,
        },
        status=status,
    )


@role_required(*LEADING_ROLES)
def moderation(request: HttpRequest, inspection_id: int) -> HttpResponse:
    return _moderation(request, _led(request, inspection_id))


def _kept_resolution(kept: QueryDict | None) -> dict[str, str] | None:
    """A resolution posted after the session had ended (accounts/kept.py), if it names a case."""
    case_id = str(kept.get("sampled_case") or "") if kept is not None else ""
    if kept is None or not (case_id.isascii() and case_id.isdigit() and len(case_id) <= 18):
        return None
    return {
        "sampled_case": str(int(case_id)),
        "final_overall": str(kept.get("final_overall") or ""),
        "rationale": str(kept.get("rationale") or "")[:10_000],
    }


@role_required(*LEADING_ROLES)
def resolve(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    if request.method != "POST":
        # This address is kept (accounts/kept.py): after signing in again its GET shows the moderation page
        # with the kept answers in their form, once; otherwise it goes to the moderation page.
        kept = _kept_resolution(take_kept_answers(request))
        if kept is not None:
            return _moderation(request, inspection, kept=kept)
        return redirect("inspections:moderation", inspection_id=inspection.pk)
    form = ResolveForm(request.POST, grades=lead_selectors.framework_grades(inspection))
    valid = form.is_valid()
    case = sampled_case_in(inspection, form.cleaned_data.get("sampled_case") or "")
    if case is None:
        raise Http404
    if valid:
        try:
            resolution_record(
                sampled_case=case,
                final_overall=form.cleaned_data["final_overall"],
                rationale=form.cleaned_data["rationale"],
                actor=request.user,
            )
        except ReviewError as exc:
            form.add_error(None, refusal_words(exc))
    if form.errors:
        if request.POST.get("from") == "disagreement":
            return _disagreement(request, inspection, case.pk, form=form, status=400)
        return _moderation(request, inspection, bound=(case.pk, form), status=400)
    grade = dict(form.fields["final_overall"].choices).get(  # type: ignore[attr-defined]
        form.cleaned_data["final_overall"], form.cleaned_data["final_overall"]
    )
    messages.success(
        request,
        gettext("Disagreement on case %(ref)s resolved: final grade %(grade)s.")
        % {"ref": case.case_ref, "grade": grade},
    )
    return redirect("inspections:moderation", inspection_id=inspection.pk)


def _disagreement(
    request: HttpRequest,
    inspection: Inspection,
    sampled_case_id: int,
    *,
    form: ResolveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    detail = lead_selectors.disagreement_consulted(inspection, sampled_case_id, actor=request.user)
    if detail is None:
        raise Http404
    if form is None:
        resolution = detail.disagreement.resolution
        initial = (
            {"final_overall": resolution.final_overall, "rationale": resolution.rationale}
            if resolution is not None
            else {}
        )
        form = ResolveForm(grades=detail.grades, initial=initial)
    return render(
        request,
        "reviews/lead_disagreement.html",
        {"inspection": inspection, "detail": detail, "form": form},
        status=status,
    )


@role_required(*LEADING_ROLES)
def disagreement(request: HttpRequest, inspection_id: int, sampled_case_id: int) -> HttpResponse:
    return _disagreement(request, _led(request, inspection_id), sampled_case_id)


# The sample as a table -------------------------------------------------------------------------------------------


@role_required(*LEADING_ROLES)
def cases(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    _, table = lead_selectors.sample_rows(inspection, SampleFilterForm(request.GET).filters())
    filters = table.filters  # as applied: a value the table does not offer is dropped
    return render(
        request,
        "reviews/lead_cases.html",
        {
            "inspection": inspection,
            "table": table,
            "filters": filters,
            "states": lead_selectors.CASE_STATE_WORDS,
            "flags": lead_selectors.FLAG_WORDS,
            "orders": lead_selectors.SAMPLE_ORDERS,
            "previous": urlencode(filters.query(page=table.page - 1)) if table.page > 1 else None,
            "next": urlencode(filters.query(page=table.page + 1))
            if table.page < table.pages
            else None,
            "download": urlencode(filters.query(page="")),
        },
    )


CSV_HEADER = (
    "Reference",
    "Stratum",
    "First reviewer",
    "State",
    "Moderator",
    "Moderation",
    "Final grade",
    "Send back",
)


@role_required(*LEADING_ROLES)
def cases_csv(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """The sample table's rows that match the page's filters, whole (not one page), as CSV; journaled."""
    inspection = _led(request, inspection_id)
    rows, table = lead_selectors.sample_rows(inspection, SampleFilterForm(request.GET).filters())
    filters = table.filters  # as applied: a value the table does not offer is never journaled
    if not table.drawn:
        raise Http404
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(CSV_HEADER)
    # A machine file: English whatever the page's language (the states' words are translated when read).
    with translation.override("en-gb"):
        for r in rows:
            writer.writerow(
                (
                    r.case_ref,
                    stratum_words(r.stratum),
                    r.reviewer,
                    r.state_words,
                    r.moderator,
                    r.moderation_words,
                    r.grade_words or ("Disagreement" if "disagreement" in r.flags else ""),
                    lead_selectors.send_back_words(r),
                )
            )
    sample_table_disclosed(
        inspection=inspection,
        rows=len(rows),
        filters=filters.query(page=""),
        actor=request.user,
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="sample-inspection-{inspection.pk}.csv"'
    )
    return response


# Agreement -------------------------------------------------------------------------------------------------------


@role_required(*LEADING_ROLES)
def agreement(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    return render(
        request,
        "reviews/lead_agreement.html",
        {"part": lead_selectors.agreement_part(inspection), "inspection": inspection},
    )
