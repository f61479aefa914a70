"""Send-back pages: the list (filtered, sorted, paged), the lead inspector's dashboard, and one send back with
the buttons its reader may press now (and, when they may press none, what happens next)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from casereview.domain.referrals import Action, TransitionRefused, due_words
from casereview.domain.roles import Role
from casereview.domain.words import number
from casereview.web.core.access import role_required
from casereview.web.core.kept import take_kept_answers
from casereview.web.core.paging import page_number
from casereview.web.core.phrases import refusal_words

from . import selectors
from .forms import SendBackActionForm, SendBackFilterForm
from .services import AlreadyChanged, SendBackError, sendback_act


@role_required(Role.LIAISON_OFFICER, Role.INSPECTOR, Role.LEAD_INSPECTOR)
def index(request: HttpRequest) -> HttpResponse:
    form = SendBackFilterForm(
        request.GET or None, bodies=selectors.bodies_of_send_backs(request.user)
    )
    filters = form.filters() if form.is_bound else selectors.SendBackFilters()
    listed = selectors.send_backs_page(
        request.user, filters, page_number(request.GET.get("page", "1"))
    )
    total = listed["page"].total
    return render(
        request,
        "referrals/index.html",
        {
            **listed,
            "form": form,
            "filters": filters,
            "matched": _matched(total),
        },
    )


@role_required(Role.LEAD_INSPECTOR)
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request, "referrals/dashboard.html", {"dashboard": selectors.dashboard(request.user)}
    )


def _detail(
    request: HttpRequest,
    send_back: Any,
    *,
    form: SendBackActionForm | None = None,
    error: str = "",
    status: int = 200,
    note: str = "",
) -> HttpResponse:
    liaison = selectors.is_liaison_for(request.user, send_back)
    actions = selectors.actions_open_to(request.user, send_back, liaison=liaison)
    if form is not None and form.is_bound:
        note = str(form.data.get("note", ""))[:10_000]
    return render(
        request,
        "referrals/detail.html",
        {
            "send_back": send_back,
            "events": send_back.events.all(),
            "form": form,
            "error": error,
            "is_liaison": liaison,
            "actions": actions,
            "next_step": "" if actions else selectors.next_step_words(send_back, liaison=liaison),
            # The list's rule (``late``): an escalated send back is overdue here as it is there.
            "overdue": selectors.late(send_back, timezone.localdate()),
            "note": note,
        },
        status=status,
    )


def _matched(total: int) -> str:
    """ "No send backs match", "1 send back matches", "1,234 send backs match" (core.paging.matched_words'
    English, translated)."""
    if total == 0:
        return gettext("No send backs match")
    return ngettext("%(shown)s send back matches", "%(shown)s send backs match", total) % {
        "shown": number(total)
    }


def _done(send_back: Any, action: str) -> str:
    """The banner after a move: what happened, and what happens next."""
    if action == Action.ACKNOWLEDGE:
        due = due_words(send_back.due_on, timezone.localdate())
        return gettext(
            "Send back %(number)s acknowledged: the inspectorate can see you are acting on it. "
            "Respond by %(due)s"
        ) % {"number": send_back.pk, "due": due}
    if action == Action.RESPOND:
        return gettext(
            "Your response to send back %(number)s is submitted: the inspector who sent it back and "
            "the lead inspector are told by e-mail"
        ) % {"number": send_back.pk}
    if action == Action.RETURN:
        return gettext(
            "Send back %(number)s returned to %(body)s: its liaison officers are told by e-mail that "
            "more is needed"
        ) % {"number": send_back.pk, "body": send_back.body.name}
    return gettext("Send back %(number)s accepted and closed") % {"number": send_back.pk}


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
    if not form.is_valid():
        return _detail(request, send_back, form=form, status=400)
    action = form.cleaned_data["action"]
    try:
        changed = sendback_act(
            send_back=send_back,
            action=action,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
        )
    except AlreadyChanged as already:
        current = selectors.send_back_for(request.user, send_back_id) or already.send_back
        return _detail(
            request,
            current,
            form=form,
            status=409,
            error=gettext(
                "Someone else acted on this send back first. Its current state is shown below; "
                "nothing you sent was applied."
            ),
        )
    except (TransitionRefused, SendBackError) as exc:
        return _detail(request, send_back, form=form, error=refusal_words(exc), status=400)
    messages.success(request, _done(changed, action))
    return redirect("referrals:detail", send_back_id=send_back.pk)
