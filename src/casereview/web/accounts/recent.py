"""Account changes need a recent sign-in (domain.sign_in.signed_in_recently).

The proofs are the time of this session's sign-in (``SESSION_STARTED``, set when
the password is accepted) and the last time the administrator confirmed it is
them on *Confirm it's you* (``SESSION_CONFIRMED``).  Without a recent one, the
change is not made: the administrator confirms, then comes back to the page.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from casereview.domain.sign_in import signed_in_recently

from .middleware import SESSION_STARTED

SESSION_CONFIRMED = "casereview_confirmed"
#: Session key: when a person of single sign-on signed in at their provider again to confirm it is them,
#: and the provider did not assert multi-factor authentication: the code from their authenticator app,
#: within REAUTHED_SECONDS, completes the confirmation.
SSO_REAUTHED = "casereview_sso_reauthed"
REAUTHED_SECONDS = 300


def reauthed_at_provider(request: HttpRequest) -> bool:
    at = request.session.get(SSO_REAUTHED)
    return isinstance(at, int | float) and 0 <= time.time() - at <= REAUTHED_SECONDS


def recent_enough(request: HttpRequest) -> bool:
    return signed_in_recently(
        proofs=[request.session.get(SESSION_STARTED), request.session.get(SESSION_CONFIRMED)],
        now=time.time(),
        within=dt.timedelta(seconds=settings.CASEREVIEW_RECENT_SIGN_IN_SECONDS),
    )


def identity_confirmed(request: HttpRequest) -> None:
    request.session[SESSION_CONFIRMED] = time.time()
    request.session.pop(SSO_REAUTHED, None)
    request.session.cycle_key()


def recent_sign_in_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Send an administrator whose sign-in is not recent to *Confirm it's you*, then back.

    Back is the page itself for a GET; for a POST (which cannot be replayed) the
    user's page when the view is about one user, else the Users page.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if recent_enough(request):
            return view(request, *args, **kwargs)
        if request.method == "GET":
            back = request.get_full_path()
        elif "username" in kwargs:
            back = reverse("accounts:user", kwargs={"username": kwargs["username"]})
        else:
            back = reverse("accounts:users")
        return redirect(f"{reverse('accounts:confirm_identity')}?{urlencode({'next': back})}")

    return wrapped
