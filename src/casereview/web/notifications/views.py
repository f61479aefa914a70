"""The administrators' outbox page: mail not yet delivered, and why; failed mail can be sent again."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext

from casereview.domain.roles import Role
from casereview.domain.words import number
from casereview.web.core.access import role_required

from .forms import RetryForm
from .messages import EVENTS
from .selectors import outbox_unsent
from .services import notification_retry

#: Rows shown; the page says how many more there are (the CLI lists them all).
SHOWN = 200


@role_required(Role.ADMINISTRATOR)
def outbox(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RetryForm(request.POST)
        if form.is_valid():  # anything else is no button of this page: nothing to do
            retried = notification_retry(ids=form.ids(), actor=request.user)
            if retried:
                messages.success(
                    request,
                    ngettext(
                        "%(shown)s message will be sent again within a minute",
                        "%(shown)s messages will be sent again within a minute",
                        retried,
                    )
                    % {"shown": number(retried)},
                )
            else:
                messages.warning(
                    request,
                    gettext("Nothing was sent again: no chosen message was waiting to be retried"),
                )
        else:
            messages.warning(
                request, gettext("Nothing was sent again: choose the messages to send again")
            )
        return redirect("notifications:outbox")
    unsent = outbox_unsent()
    rows = list(unsent[:SHOWN])
    total = unsent.count() if len(rows) == SHOWN else len(rows)
    return render(
        request,
        "notifications/outbox.html",
        {
            "rows": [
                (
                    row,
                    EVENTS.get(row.event, row.event),
                    f"{row.object_type.replace('_', ' ')} {row.object_id}",
                )
                for row in rows
            ],
            "total": total,
            "hidden": total - len(rows),
            "any_failed": any(row.state == row.State.FAILED for row in rows),
        },
    )
