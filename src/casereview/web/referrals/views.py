from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from casereview.domain.referrals import TransitionRefused, Urgency
from casereview.domain.roles import Role
from casereview.web.core.access import role_required
from casereview.web.core.kept import take_kept_answers

from . import selectors
from .forms import SendBackActionForm
from .services import AlreadyChanged, SendBackError, sendback_act


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
    return render(
        request,
        "referrals/detail.html",
        {
            "send_back": send_back,
            "events": send_back.events.all(),
            "error": error,
            "is_liaison": selectors.is_liaison_for(request.user, send_back),
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
        kept = take_kept_answers(request)
        return _detail(
            request, send_back, note=kept.get("note", "")[:10_000] if kept is not None else ""
        )
    form = SendBackActionForm(request.POST)
    if not form.is_valid():  # never, today: its fields take any text and the service judges it
        return _detail(request, send_back, error="Unknown action", status=400)
    try:
        sendback_act(
            send_back=send_back,
            action=form.cleaned_data["action"],
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
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


URGENCIES = [(u.value, u.value.capitalize()) for u in Urgency]
