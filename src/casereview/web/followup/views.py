"""Follow-up pages: the recommendations register, one recommendation, an inspection's findings for its lead,
the body's action plan, an action's progress, and judging earlier recommendations at a later inspection.

Every page checks the role (``role_required``) and the scope (the selectors: ``None`` is a 404, so another
body's officer never learns a page exists); every change is one service call, which journals it; a change
made on a stale version is refused by the service and the page shows the current state, nothing overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy

from casereview.domain.errors import Conflict, Refused
from casereview.domain.followup import (
    JUDGEMENT_WORDS,
    RAG_WORDS,
    RECOMMENDATION_STATE_WORDS,
    Judgement,
)
from casereview.domain.roles import Role
from casereview.web.core.access import role_required, user_roles
from casereview.web.core.paging import page_number
from casereview.web.core.phrases import refusal_words
from casereview.web.inspections.selectors import inspection_led_or_404

from . import page_selectors as pages
from . import selectors, services
from .forms import (
    ActionUpdateForm,
    FindingEditForm,
    FindingForm,
    JudgeForm,
    PlanForm,
    ReasonForm,
    RecommendationForm,
    RegisterFilterForm,
    ReturnForm,
    VersionForm,
    recommendation_initial,
)

CONFLICT = gettext_lazy(
    "Someone else changed this first. Its current state is shown below; nothing you sent was applied."
)
EVIDENCE_CHANGED = gettext_lazy(
    "The evidence changed since you opened the page: read it again below and decide. "
    "Nothing you sent was applied."
)
READERS = (Role.LEAD_INSPECTOR, Role.LIAISON_OFFICER, Role.ANALYST)


def _choices(table: Any) -> list[tuple[str, str]]:
    return [(str(code), gettext(words)) for code, words in table.items()]  # the domain marks them


def _change(
    request: HttpRequest,
    call: Callable[[], object],
    *,
    done: str,
    then: HttpResponse,
    again: Callable[[str, int], HttpResponse],
) -> HttpResponse:
    """Make one change (``call``, one service): on success say ``done`` and answer ``then`` (a redirect); else
    ``again(error, status)`` shows the page once more, nothing applied: 409 with ``CONFLICT`` when someone
    else changed it first, 400 with the refusal's own words."""
    try:
        call()
    except Conflict:
        return again(str(CONFLICT), HTTPStatus.CONFLICT)
    except Refused as exc:
        return again(refusal_words(exc), HTTPStatus.BAD_REQUEST)  # in the reader's language
    messages.success(request, done)
    return then


# The register -------------------------------------------------------------------------------------------------


@role_required(*READERS)
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterFilterForm(
        request.GET or None,
        bodies=pages.bodies_of_recommendations(request.user),
        states=_choices(RECOMMENDATION_STATE_WORDS),
        rags=_choices(RAG_WORDS),
        judgements=_choices(JUDGEMENT_WORDS),
    )
    chosen = form.chosen()
    listed = pages.register_page(request.user, chosen, page_number(request.GET.get("page", "1")))
    return render(
        request,
        "followup/register.html",
        {
            **listed,
            "form": form,
            "chosen": chosen,
            "narrowed": any(chosen.values()),
            "led": pages.led_inspections(request.user)
            if Role.LEAD_INSPECTOR in user_roles(request.user)
            else [],
        },
    )


# One recommendation --------------------------------------------------------------------------------------------


@role_required(*READERS)
def recommendation(request: HttpRequest, recommendation_id: int) -> HttpResponse:
    found = selectors.recommendation_visible(request.user, recommendation_id)
    if found is None:
        raise Http404
    return render(
        request,
        "followup/recommendation.html",
        {"rec": found, **pages.recommendation_page(found, request.user)},
    )


# An inspection's findings, for its lead ----------------------------------------------------------------------


FINDING_ACTIONS = (
    "add_finding",
    "edit_finding",
    "edit_recommendation",
    "publish_finding",
    "withdraw_finding",
    "add_recommendation",
    "publish_recommendation",
    "withdraw_recommendation",
)


def _findings_page(
    request: HttpRequest,
    inspection: Any,
    *,
    failed: str = "",
    target: int = 0,
    form: Any = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    choices, prefilled = pages.basis_choices(inspection)
    finding_form = form if failed == "add_finding" else FindingForm(choices=choices)
    listed = pages.findings_listed(inspection)
    for item in listed:
        pk = item["finding"].pk
        mine = failed == "add_recommendation" and target == pk
        item["pk_text"] = str(pk)
        item["rec_failed"] = mine
        item["rec_form"] = form if mine else RecommendationForm(suffix=str(pk))
        item["withdraw_errors"] = (
            form.errors.get("reason", []) if failed == "withdraw_finding" and target == pk else []
        )
        f = item["finding"]
        item["edit_form"] = (
            form
            if failed == "edit_finding" and target == pk
            else FindingEditForm(finding_id=pk, initial={"kind": f.kind, "text": f.text})
        )
        for rec in item["recommendations"]:
            rec.sfx = f"r{rec.pk}"
            rec.edit_form = (
                form
                if failed == "edit_recommendation" and target == rec.pk
                else RecommendationForm(suffix=rec.sfx, initial=recommendation_initial(rec))
            )
    return render(
        request,
        "followup/findings.html",
        {
            "inspection": inspection,
            "published": pages.report_published(inspection),
            "findings": listed,
            "prefilled": prefilled,
            "finding_form": finding_form,
            "basis_rows": [(c, finding_form.value_of(c)) for c in choices],
            "failed": failed,
            "target": target,
            "form": form,
            "error": error,
        },
        status=status,
    )


def _posted_id(request: HttpRequest, name: str) -> int:
    raw = str(request.POST.get(name, ""))[:12]
    return int(raw) if raw.isdigit() else 0


@role_required(Role.LEAD_INSPECTOR)
def findings(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = inspection_led_or_404(request.user, inspection_id)
    if request.method != "POST":
        return _findings_page(request, inspection)
    do = str(request.POST.get("do", ""))
    if do not in FINDING_ACTIONS:
        return _findings_page(request, inspection, error=gettext("Choose what to do"), status=400)
    if do == "add_finding":
        form: Any = FindingForm(request.POST, choices=pages.basis_choices(inspection)[0])
        if not form.is_valid():
            return _findings_page(request, inspection, failed=do, form=form, status=400)
        call: Callable[[], Any] = lambda: services.finding_add(  # noqa: E731
            inspection=inspection,
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
            basis=form.cleaned_data["basis"],
            actor=request.user,
        )
        done = gettext("Finding added as a draft: add its recommendations, then publish it")
        return _run(request, inspection, do, 0, form, call, done)
    on_recommendation = do in (
        "edit_recommendation",
        "publish_recommendation",
        "withdraw_recommendation",
    )
    target = _posted_id(request, "recommendation" if on_recommendation else "finding")
    if do == "add_recommendation":
        finding = pages.finding_of(inspection, target)
        if finding is None:
            raise Http404
        form = RecommendationForm(request.POST, suffix=str(target))
        if not form.is_valid():
            return _findings_page(
                request, inspection, failed=do, target=target, form=form, status=400
            )
        call = lambda: services.recommendation_add(  # noqa: E731
            finding=finding,
            text=form.cleaned_data["text"],
            by=form.cleaned_data["by"],
            working_days=form.cleaned_data["days"],
            immediate=form.cleaned_data["immediate"],
            actor=request.user,
        )
        done = gettext("Recommendation added")
        return _run(request, inspection, do, target, form, call, done)
    if do.startswith("edit_"):
        return _edit(request, inspection, do, target)
    return _finding_move(request, inspection, do, target)


def _edit(request: HttpRequest, inspection: Any, do: str, target: int) -> HttpResponse:
    """Change a draft finding's kind and text, or a draft recommendation: on the version the page showed."""
    call: Callable[[], Any]
    form: Any
    if do == "edit_finding":
        finding = pages.finding_of(inspection, target)
        if finding is None:
            raise Http404
        form = FindingEditForm(request.POST, finding_id=target)
        if not form.is_valid():
            return _findings_page(
                request, inspection, failed=do, target=target, form=form, status=400
            )
        call = lambda: services.finding_edit(  # noqa: E731
            finding=finding,
            text=form.cleaned_data["text"],
            basis=finding.basis,
            kind=form.cleaned_data["kind"],
            actor=request.user,
            expected_version=form.cleaned_data["version"],
        )
        return _run(request, inspection, do, target, form, call, gettext("Finding changed"))
    rec = pages.recommendation_of(inspection, target)
    if rec is None:
        raise Http404
    form = RecommendationForm(request.POST, suffix=f"r{target}")
    version = VersionForm(request.POST)
    if not form.is_valid() or not version.is_valid():
        return _findings_page(request, inspection, failed=do, target=target, form=form, status=400)
    call = lambda: services.recommendation_edit(  # noqa: E731
        recommendation=rec,
        text=form.cleaned_data["text"],
        by=form.cleaned_data["by"],
        working_days=form.cleaned_data["days"],
        immediate=form.cleaned_data["immediate"],
        actor=request.user,
        expected_version=version.cleaned_data["version"],
    )
    done = gettext("Recommendation R%(number)s changed") % {"number": rec.number}
    return _run(request, inspection, do, target, form, call, done)


def _finding_move(request: HttpRequest, inspection: Any, do: str, target: int) -> HttpResponse:
    """Publish or withdraw a finding, withdraw a recommendation: on the version the page showed."""
    obj: Any
    if do.endswith("_recommendation"):
        obj = pages.recommendation_of(inspection, target)
    else:
        obj = pages.finding_of(inspection, target)
    if obj is None:
        raise Http404
    form: Any
    if do.startswith("publish_"):
        form = VersionForm(request.POST)
    else:
        kind = "rec" if do == "withdraw_recommendation" else "finding"
        form = ReasonForm(request.POST, field_id=f"reason-{kind}-{target}")
    if not form.is_valid():
        return _findings_page(request, inspection, failed=do, target=target, form=form, status=400)
    version = form.cleaned_data["version"]
    call: Callable[[], Any]
    if do == "publish_finding":
        call = lambda: services.finding_publish(  # noqa: E731
            finding=obj, actor=request.user, expected_version=version
        )
        done = gettext(
            "Finding %(number)s published with its recommendations: the body's liaison officers "
            "are told by e-mail and asked for an action plan"
        ) % {"number": obj.number}
    elif do == "publish_recommendation":
        call = lambda: services.recommendation_publish(  # noqa: E731
            recommendation=obj, actor=request.user, expected_version=version
        )
        done = gettext(
            "Recommendation R%(number)s published: the body's liaison officers are told by e-mail"
        ) % {"number": obj.number}
    elif do == "withdraw_finding":
        call = lambda: services.finding_withdraw(  # noqa: E731
            finding=obj,
            actor=request.user,
            expected_version=version,
            reason=form.cleaned_data["reason"],
        )
        done = gettext("Finding %(number)s withdrawn; its history is kept") % {"number": obj.number}
    else:
        call = lambda: services.recommendation_withdraw(  # noqa: E731
            recommendation=obj,
            actor=request.user,
            expected_version=version,
            reason=form.cleaned_data["reason"],
        )
        done = gettext("Recommendation R%(number)s withdrawn; its history is kept") % {
            "number": obj.number
        }
    return _run(request, inspection, do, target, form, call, done)


def _run(
    request: HttpRequest,
    inspection: Any,
    do: str,
    target: int,
    form: Any,
    call: Callable[[], Any],
    done: str,
) -> HttpResponse:
    def again(error: str, status: int) -> HttpResponse:
        return _findings_page(
            request, inspection, failed=do, target=target, form=form, error=error, status=status
        )

    then = redirect("followup:findings", inspection_id=inspection.pk)
    return _change(request, call, done=done, then=then, again=again)


# The body's action plan ----------------------------------------------------------------------------------------


def _plan_page(
    request: HttpRequest,
    plan: Any,
    *,
    form: Any = None,
    failed: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = pages.plan_page(plan, request.user)
    rows = pages.plan_rows(context["parts"], form if failed == "save" and status != 409 else None)
    for part in context["parts"]:
        part["rows"] = rows.get(part["rec"].pk, [])
    return render(
        request,
        "followup/plan.html",
        {
            **context,
            "plan": plan,
            "form": form,
            "failed": failed,
            "error": error,
        },
        status=status,
    )


@role_required(*READERS)  # analysts read (every button is the lead's or the body's)
def plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    found = selectors.plan_visible(request.user, plan_id)
    if found is None:
        raise Http404
    if request.method != "POST":
        return _plan_page(request, found)
    do = str(request.POST.get("do", ""))
    form: Any
    call: Callable[[], Any]
    if do == "save":
        context = pages.plan_page(found, request.user)
        form = PlanForm(request.POST, rows=pages.plan_row_counts(context["parts"]))
        if not form.is_valid():
            return _plan_page(request, found, form=form, failed=do, status=400)
        call = lambda: services.plan_save(  # noqa: E731
            plan=found,
            actions=form.cleaned_data["actions"],
            actor=request.user,
            expected_version=form.cleaned_data["version"],
        )
        done = gettext("Action plan saved. Submit it when every recommendation has its actions")
    elif do in ("submit", "accept"):
        form = VersionForm(request.POST)
        form.is_valid()
        service = services.plan_submit if do == "submit" else services.plan_accept
        call = lambda: service(  # noqa: E731
            plan=found, actor=request.user, expected_version=form.cleaned_data["version"]
        )
        done = (
            gettext("Action plan submitted: the lead inspector is told by e-mail")
            if do == "submit"
            else gettext("Action plan accepted: the body reports progress on each action")
        )
    elif do == "return":
        form = ReturnForm(request.POST)
        if not form.is_valid():
            return _plan_page(request, found, form=form, failed=do, status=400)
        call = lambda: services.plan_return(  # noqa: E731
            plan=found,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
        )
        done = gettext(
            "Action plan returned: the body's liaison officers are told by e-mail what more is needed"
        )
    else:
        return _plan_page(request, found, error=gettext("Choose what to do"), status=400)

    def again(error: str, status: int) -> HttpResponse:
        # After a conflict the page shows the plan as it is now.
        shown = (
            selectors.plan_visible(request.user, plan_id) if status == HTTPStatus.CONFLICT else None
        )
        return _plan_page(request, shown or found, form=form, failed=do, error=error, status=status)

    then = redirect("followup:plan", plan_id=found.pk)
    return _change(request, call, done=done, then=then, again=again)


# One action's progress --------------------------------------------------------------------------------------


def _action_page(
    request: HttpRequest,
    action: Any,
    *,
    form: Any = None,
    failed: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "followup/action.html",
        {
            **pages.action_page(action, request.user),
            "action": action,
            "form": form,
            "failed": failed,
            "error": error,
        },
        status=status,
    )


@role_required(*READERS)  # analysts read (every button is the lead's or the body's)
def action_update(request: HttpRequest, action_id: int) -> HttpResponse:
    found = pages.action_visible(request.user, action_id)
    if found is None:
        raise Http404
    if request.method != "POST":
        return _action_page(request, found)
    do = str(request.POST.get("do", request.POST.get("action", "")))
    form: Any
    call: Callable[[], Any]
    if do == "withdraw":
        form = ReasonForm(request.POST)
        if not form.is_valid():
            return _action_page(request, found, form=form, failed=do, status=400)
        call = lambda: services.action_withdraw(  # noqa: E731
            action=found,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
        done = gettext("Action withdrawn; its history is kept")
    else:
        form = ActionUpdateForm(request.POST)
        if not form.is_valid():
            return _action_page(request, found, form=form, failed="update", status=400)
        data = form.cleaned_data
        service = services.action_update if data["action"] == "update" else services.action_complete
        call = lambda: service(  # noqa: E731
            action=found,
            note=data["note"],
            evidence=data["evidence"],
            actor=request.user,
            expected_version=data["version"],
        )
        done = gettext("Progress update saved")
        if data["action"] != "update":
            done = gettext("Action marked as done")

    def again(error: str, status: int) -> HttpResponse:
        # After a conflict the page shows the action as it is now.
        shown = (
            pages.action_visible(request.user, action_id) if status == HTTPStatus.CONFLICT else None
        )
        return _action_page(
            request, shown or found, form=form, failed=do, error=error, status=status
        )

    then = redirect("followup:plan", plan_id=found.plan_id)
    return _change(request, call, done=done, then=then, again=again)


# Judging at a later inspection ------------------------------------------------------------------------------


def _judge_page(
    request: HttpRequest,
    inspection: Any,
    *,
    form: Any = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    items = pages.judge_items(inspection)
    return render(
        request,
        "followup/judge.html",
        {
            "inspection": inspection,
            "items": items,
            "evidence_shown": pages.EVIDENCE_AVAILABLE,
            "judgements": _choices(JUDGEMENT_WORDS),
            "form": form,
            "failed_id": form.rec_id if form is not None else 0,
            "error": error,
        },
        status=status,
    )


@role_required(Role.LEAD_INSPECTOR)
def judge(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = inspection_led_or_404(request.user, inspection_id)
    if request.method != "POST":
        return _judge_page(request, inspection)
    form = JudgeForm(request.POST)
    item = pages.judge_item(inspection, form.rec_id)
    if item is None:
        raise Http404
    if not form.is_valid():
        return _judge_page(request, inspection, form=form, status=400)
    rec = item["rec"]
    if form.cleaned_data["evidence_sha256"] != item["evidence_sha256"]:
        # The evidence (or the proposal) is not what the page showed: more reviews arrived, or the family of
        # tests grew. Nothing is stored; the page shows the evidence as it is now, the rationale kept.
        return _judge_page(request, inspection, form=form, error=str(EVIDENCE_CHANGED), status=409)
    judged = gettext(JUDGEMENT_WORDS[form.cleaned_data["judgement"]]).lower()
    return _change(
        request,
        lambda: services.recommendation_judge(
            recommendation=rec,
            inspection=inspection,
            judgement=Judgement(form.cleaned_data["judgement"]),
            rationale=form.cleaned_data["rationale"],
            proposed=item["proposed"],
            evidence=item["evidence_dict"],
            actor=request.user,
            expected_version=form.cleaned_data["version"],
        ),
        done=gettext("Recommendation %(number)s judged %(judgement)s")
        % {"number": rec.number, "judgement": judged},
        then=redirect("followup:judge", inspection_id=inspection.pk),
        again=lambda error, status: _judge_page(
            request, inspection, form=form, error=error, status=status
        ),
    )
