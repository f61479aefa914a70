from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from casereview.domain.referrals import SecondSendBack, TransitionRefused, Urgency
from casereview.domain.roles import Role
from casereview.web.core.access import role_required

from . import selectors
from .models import BodyContact
from .services import AlreadyChanged, SendBackError, sendback_act, sendback_open


@role_required(Role.LIAISON_OFFICER, Role.INSPECTOR, Role.LEAD_INSPECTOR)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "referrals/index.html", {"queue": selectors.queue(request.user)})


@role_required(Role.LEAD_INSPECTOR)
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request, "referrals/dashboard.html", {"dashboard": selectors.dashboard(request.user)}
    )


def _detail(
    request: HttpRequest, send_back: Any, *, error: str = "", status: int = 200, note: str = ""
) -> HttpResponse:
    is_liaison = BodyContact.objects.filter(
        body=send_back.body, user_id=request.user.pk or 0, kind=BodyContact.Kind.LIAISON
    ).exists()
    return render(
        request,
        "referrals/detail.html",
        {
            "send_back": send_back,
            "events": send_back.events.all(),
            "error": error,
            "is_liaison": is_liaison,
            "note": note,
        },
        status=status,
    )


@role_required(Role.LIAISON_OFFICER, Role.INSPECTOR, Role.LEAD_INSPECTOR)
def detail(request: HttpRequest, send_back_id: int) -> HttpResponse:
    send_back = selectors.send_back_for(request.user, send_back_id)
    if send_back is None:
        raise Http404
    if request.method != "POST":
        # A response posted after the session had ended comes back once, unsaved (accounts/kept.py).
        from casereview.web.accounts.kept import kept_answers_take

        kept = kept_answers_take(request)
        return _detail(
            request, send_back, note=kept.get("note", "")[:10_000] if kept is not None else ""
        )
    try:
        version = int(request.POST.get("version", "-1"))
    except ValueError:
        version = -1
    try:
        sendback_act(
            send_back=send_back,
            action=request.POST.get("action", ""),
            actor=request.user,
            expected_version=version,
            note=request.POST.get("note", "")[:10_000],
        )
    except AlreadyChanged as changed:
        return _detail(
            request,
            changed.send_back,
            status=409,
            error="Someone else acted on this send back first. Its current state is shown below; nothing you sent was applied.",
        )
    except (TransitionRefused, SendBackError) as exc:
        return _detail(request, send_back, error=str(exc), status=400)
    return redirect("referrals:detail", send_back_id=send_back.pk)


@role_required(Role.INSPECTOR, Role.LEAD_INSPECTOR)
def open_from_review(request: HttpRequest, assignment_id: int) -> HttpResponse:
    from casereview.web.reviews import selectors as review_selectors

    found = review_selectors.assignment_for(request.user, assignment_id)
    if found is None or request.method != "POST":
        raise Http404
    assignment, _ = found
    # Only a submitted review that answered yes opens a send back from here (a draft's yes opens one on submit).
    review = review_selectors.review_of(assignment)
    if review is None or review.state != review.State.SUBMITTED or review.send_back is not True:
        return render(
            request,
            "reviews/refused.html",
            {
                "message": "Only a submitted review that says the case should be sent back can send it back. Submit the review first.",
                "assignment": assignment,
            },
            status=400,
        )
    try:
        send_back = sendback_open(
            sampled_case=assignment.sampled_case,
            reason=request.POST.get("reason", "")[:10_000],
            urgency=request.POST.get("urgency", ""),
            actor=request.user,
            confirm_another=request.POST.get("confirm_another") == "yes",
        )
    except (SendBackError, SecondSendBack) as exc:
        return render(
            request,
            "reviews/refused.html",
            {"message": str(exc), "assignment": assignment},
            status=400,
        )
    messages.success(
        request, selectors.sent_back_words(send_back, assignment.sampled_case.case_ref)
    )
    return redirect("referrals:detail", send_back_id=send_back.pk)


URGENCIES = [(u.value, u.value.capitalize()) for u in Urgency]
