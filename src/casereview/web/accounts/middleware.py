"""Session limits and the second-factor gate.

Every signed-in request passes here: a session older than 12 hours is ended
whatever its activity; the 15-minute idle limit is the session's own expiry,
moved on by saving the session at most once a minute (so an active session is
not written on every page); and a user who has not passed the second factor
reaches only the sign-in pages.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import resolve
from django.urls.exceptions import Resolver404

from .services import is_verified

SESSION_STARTED = "casereview_started"
SESSION_TOUCHED = "casereview_touched"
#: URL names a signed-in user may reach before the second factor.
BEFORE_SECOND_FACTOR = frozenset({"login", "logout", "two_factor_setup", "two_factor_verify", "healthz"})


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED)
            now = time.time()
            if started is None:
                request.session[SESSION_STARTED] = now
            elif now - float(started) > settings.CASEREVIEW_SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect(f"{settings.LOGIN_URL_PATH}?expired=1")
            if now - float(request.session.get(SESSION_TOUCHED, 0)) >= settings.CASEREVIEW_SESSION_TOUCH_SECONDS:
                request.session[SESSION_TOUCHED] = now  # saved with a new idle expiry at the response
        return self.get_response(request)


class RequireSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not is_verified(user):
            if request.path.startswith(("/static/", "/assets/")):
                return self.get_response(request)
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in BEFORE_SECOND_FACTOR:
                from .services import has_confirmed_device

                target = "two_factor_verify" if has_confirmed_device(user) else "two_factor_setup"
                return redirect(target)
        return self.get_response(request)
